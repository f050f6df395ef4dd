import { describe, expect, it } from "vitest";
import { isTraced, subscribe } from "../../lib/trace/bus";
import { TRACEPOINT_INDEX, type TraceRecord } from "../../lib/trace/tracepoints";
import { Machine } from "../../lib/engine/machine";
import { defaultModelConfig } from "../../lib/kvm/config";
import { machine } from "../helpers";

/**
 * The trace of one leaf iteration at depth 2 (NV2): the leaf touches FP/SIMD, then issues an HVC that L1 handles.
 * Expected sequences written by hand from the golden engine sequences (test/kvm/golden.test.ts) and the tracepoint
 * definitions: every hardware exception is a trap_begin/trap_end slice on the trapping level, each level's part of
 * its handling a handle_begin/handle_end slice, kvm_exit names the exit at each level, kvm_entry the ERET that ends it.
 */

function steadyState(patch: "none" | "all"): Machine {
  const m = machine({ depth: 2, nv2: true }, patch);
  for (let i = 0; i < 3; i++) {
    m.leafFp();
    m.leafTrap({ ec: "HVC64", reason: "hvc" });
  }
  return m;
}

function show(r: TraceRecord): string {
  const at = `L${r.level} ${r.name}`;
  switch (r.name) {
    case "trap_begin":
      return `${at} ${r.fields.ec} ${r.fields.reason} ->L${r.fields.owner}`;
    case "kvm_exit":
      return `${at} ${r.fields.ec} ${r.fields.reason} ${r.fields.how}`;
    case "kvm_entry":
    case "vcpu_put":
    case "vcpu_load":
      return `${at} ${r.fields.ctx}${r.name !== "kvm_entry" && r.fields.fp_elided ? " fp-elided" : ""}`;
    case "sysreg_trap":
      return `${at} ${r.fields.write ? "W" : "R"} ${r.fields.reg}`;
    case "fp_save":
    case "fp_restore":
      return `${at} ${r.fields.state} ${r.fields.bytes}B`;
    case "kvm_fpu":
      return `${at} ${r.fields.load}`;
    default:
      return at;
  }
}

/** one iteration's records (VNCR accesses left out: they are memory accesses, checked by the counters test) */
function iteration(m: Machine): TraceRecord[] {
  const recs: TraceRecord[] = [];
  const off = subscribe(m, ["kvm:*", "nestlab:*"], (r) => recs.push(r), (r) => r.name !== "vncr_access");
  m.leafFp();
  m.leafTrap({ ec: "HVC64", reason: "hvc" });
  off();
  return recs;
}

/** one of L1's accesses that traps to L0 and is completed there: on the hyp fast path or after a full exit */
const l1Trap = (access: string, how: "fast" | "full"): string[] => [
  `L1 sysreg_trap ${access}`,
  "L1 trap_begin SYS64 sysreg ->L0",
  "L0 handle_begin",
  `L0 kvm_exit SYS64 sysreg ${how}`,
  // a full exit's handler begins after handle_exit (exit_handler); a fast path has none
  ...(how === "full" ? ["L0 exit_handler"] : []),
  "L0 kvm_entry hyp",
  "L0 handle_end",
  "L1 trap_end",
];

/**
 * L1's own trapping accesses while it handles its guest's HVC (test/kvm/golden.test.ts derives them from Linux 7.3):
 * exit half MDSCR_EL1 read (MDCR_EL2.TDA), CPACR_EL1 write (TCPAC, fast path), MDSCR_EL1 write (HDFGWTR_EL2); the
 * vgic's ICH_MISR_EL2 read; entry half CPACR_EL1 write, MDSCR_EL1 write.
 */
const L1_EXIT_TRAPS = [...l1Trap("R MDSCR_EL1", "full"), ...l1Trap("W CPACR_EL1", "fast"), ...l1Trap("W MDSCR_EL1", "full"), ...l1Trap("R ICH_MISR_EL2", "full")];
const L1_ENTRY_TRAPS = [...l1Trap("W CPACR_EL1", "fast"), ...l1Trap("W MDSCR_EL1", "full")];

describe("trace of one nested hvc at depth 2 (NV2)", () => {
  it("unpatched: FP trap, forward with put/load and FP save, L1's handling and its nested ERET", () => {
    const m = steadyState("none");
    const recs = iteration(m);
    expect(recs.map(show)).toEqual([
      // the leaf's FP use traps: L0 gave up the registers at the previous nested ERET
      "L2 trap_begin FP_ASIMD fp ->L0",
      "L0 handle_begin",
      "L0 kvm_exit FP_ASIMD fp fast",
      "L0 fp_trap",
      "L0 fp_restore vcpu 512B",
      "L0 kvm_fpu load",
      "L0 kvm_entry nested",
      "L0 handle_end",
      "L2 trap_end",
      // the HVC: L0 takes it and forwards it. kvm_exit after the exit half and syncs (arch/arm64/kvm/arm.c
      // kvm_arch_vcpu_ioctl_run); the handler after handle_exit (exit_handler); emulate-nested.c kvm_inject_nested:
      // kvm_arch_vcpu_put (saves the vcpu's FP state), kvm_inject_el2_exception's trace, kvm_arch_vcpu_load;
      // kvm_entry before the entry half (arm.c)
      "L2 trap_begin HVC64 hvc ->L1",
      "L0 handle_begin",
      "L0 kvm_exit HVC64 hvc forward",
      "L0 exit_handler",
      "L0 vcpu_put nested",
      "L0 fp_save vcpu 512B",
      "L0 kvm_fpu unload",
      "L0 kvm_inject_nested_exception",
      "L0 vcpu_load hyp",
      "L0 kvm_entry hyp",
      "L0 handle_end",
      // L1 handles it at vEL2 after a full exit of its own: its exit half and vgic sync trap before its kvm_exit
      // (arm.c: trace_kvm_exit after kvm_arm_vcpu_enter_exit and the syncs), its entry half after its kvm_entry
      "L1 handle_begin",
      ...L1_EXIT_TRAPS,
      "L1 kvm_exit HVC64 hvc full",
      "L1 exit_handler",
      "L1 kvm_entry guest",
      ...L1_ENTRY_TRAPS,
      // L1's ERET into its guest traps; L0 emulates it (emulate-nested.c kvm_emulate_nested_eret: kvm_arch_vcpu_put,
      // trace_kvm_nested_eret, kvm_arch_vcpu_load)
      "L1 trap_begin ERET eret ->L0",
      "L0 handle_begin",
      "L0 kvm_exit ERET eret full",
      "L0 exit_handler",
      "L0 vcpu_put hyp",
      "L0 kvm_nested_eret",
      "L0 vcpu_load nested",
      "L0 kvm_entry nested",
      "L0 handle_end",
      "L1 trap_end",
      "L1 handle_end",
      "L2 trap_end",
    ]);
  });

  it("patched: put_fp/load_fp return early, no FP save and no FP trap", () => {
    const recs = iteration(steadyState("all")).map(show);
    expect(recs.filter((s) => /fp_|kvm_fpu|FP_ASIMD/.test(s))).toEqual([]);
    expect(recs.filter((s) => /vcpu_(put|load)/.test(s))).toEqual([
      "L0 vcpu_put nested fp-elided",
      "L0 vcpu_load hyp fp-elided",
      "L0 vcpu_put hyp fp-elided",
      "L0 vcpu_load nested fp-elided",
    ]);
    expect(recs[0]).toBe("L2 trap_begin HVC64 hvc ->L1");
  });

  it("records carry vcpu 0, time-ordered cycle stamps, and slices whose cycles tile the iteration", () => {
    const m = steadyState("none");
    const start = m.cycles;
    const recs = iteration(m);
    for (let i = 1; i < recs.length; i++) expect(recs[i]!.ts).toBeGreaterThanOrEqual(recs[i - 1]!.ts);
    expect(recs.every((r) => r.vcpu === 0)).toBe(true);
    const leafTraps = recs.filter((r): r is Extract<TraceRecord, { name: "trap_end" }> => r.name === "trap_end" && r.level === 2);
    // the leaf's two exceptions take the whole iteration: the machine's cycles went up by exactly their durations
    expect(leafTraps.reduce((s, r) => s + r.fields.cycles, 0)).toBe(m.cycles - start);
    expect(recs[recs.length - 1]!.ts).toBe(m.cycles);
    // each level's parts of the HVC's handling tile its trap slice
    const hvc = recs.filter((r) => r.name === "handle_end" && r.fields.reason === "hvc");
    const hvcTrap = leafTraps.find((r) => r.fields.reason === "hvc")!;
    expect(hvc.map((r) => r.level)).toEqual([0, 1]);
    expect(hvc.reduce((s, r) => s + (r.name === "handle_end" ? r.fields.cycles : 0), 0)).toBe(hvcTrap.fields.cycles);
  });

  it("an MMIO exit to L1's userspace VMM shows kvm_userspace_exit, not kvm_entry", () => {
    const m = machine({ depth: 2 }, "all");
    m.leafTrap({ ec: "DABT_LOW", reason: "mmio-user" });
    const recs: TraceRecord[] = [];
    const off = subscribe(m, ["kvm_entry", "kvm_userspace_exit", "kvm_exit"], (r) => recs.push(r), { level: 1 });
    m.leafTrap({ ec: "DABT_LOW", reason: "mmio-user" });
    off();
    expect(recs.map(show)).toEqual(["L1 kvm_exit DABT_LOW mmio-user full", "L1 kvm_userspace_exit", "L1 kvm_entry guest"]);
  });
});

describe("subscriptions", () => {
  it("share one sink; disposing the last turns every tracepoint off and tracing costs nothing again", () => {
    const m = machine({ depth: 2 });
    expect(m.trace.active).toBe(false);
    const a: string[] = [];
    const b: string[] = [];
    const offA = subscribe(m, "kvm_exit", (r) => a.push(r.fields.ec));
    const sink = m.trace.sink;
    const offB = subscribe(m, "kvm:*", (r) => b.push(r.name));
    expect(m.trace.sink).toBe(sink);
    expect(m.trace.active).toBe(true);
    m.leafTrap({ ec: "HVC64", reason: "hvc" });
    offA();
    offA(); // idempotent
    expect(m.trace.on[TRACEPOINT_INDEX.kvm_exit]).toBe(1); // still wanted by B (kvm:*)
    expect(isTraced(m)).toBe(true);
    m.leafTrap({ ec: "HVC64", reason: "hvc" });
    offB();
    expect(m.trace.active).toBe(false);
    expect([...m.trace.on].every((x) => x === 0)).toBe(true);
    expect(m.trace.sink).toBeUndefined();
    expect(isTraced(m)).toBe(false);
    expect(a.length).toBeGreaterThan(0);
    expect(b.filter((n) => n === "kvm_exit").length).toBe(2 * a.length);
  });

  it("a slice that began before tracing started emits no end", () => {
    // tracing starts mid-trap: from the FP observer's save (L0's put_fp, inside the forward of the leaf's HVC)
    const recs: TraceRecord[] = [];
    let off: (() => void) | undefined;
    const starter = {
      save: () => void (off ??= subscribe(m, ["trap_begin", "trap_end", "handle_begin", "handle_end"], (r) => recs.push(r))),
      restore: () => undefined,
      use: () => undefined,
      switchCpu: () => undefined,
    };
    const m = new Machine(defaultModelConfig({ depth: 2, patch: [] }), { oracle: starter });
    for (let i = 0; i < 2; i++) {
      m.leafFp();
      m.leafTrap({ ec: "HVC64", reason: "hvc" });
    }
    off?.();
    expect(off).toBeDefined();
    // tracing started inside a trap (a save is made only by a hypervisor, which runs only while a trap is handled):
    // the slices open then emit no end, every slice begun after is whole
    const count = (name: TraceRecord["name"], level?: number): number => recs.filter((r) => r.name === name && (level === undefined || r.level === level)).length;
    expect(count("trap_end", 2)).toBe(count("trap_begin", 2));
    expect(count("trap_end")).toBe(count("trap_begin"));
    expect(count("handle_end")).toBe(count("handle_begin"));
    expect(count("trap_begin", 2)).toBeGreaterThan(0);
  });

  it("filter by level, and reject unknown tracepoints naming the field", () => {
    const m = machine({ depth: 3 });
    const levels = new Set<number>();
    const off = subscribe(m, "kvm_exit", (r) => levels.add(r.level), { level: [1, 2] });
    m.leafTrap({ ec: "HVC64", reason: "hvc" });
    off();
    expect([...levels].sort()).toEqual([1, 2]);
    expect(() => subscribe(m, ["kvm:nope"], () => undefined)).toThrow(/--events 'kvm:nope'/);
    expect(() => subscribe(m, ["kvm:sysreg_trap"], () => undefined)).toThrow(/--events/);
    expect(m.trace.active).toBe(false);
  });

  it("a subscriber may stop the run", async () => {
    const { runTraced } = await import("../../lib/trace/run");
    const { defaultModelConfig } = await import("../../lib/kvm/config");
    const { loadProfile } = await import("../../lib/workload/load");
    let exits = 0;
    const r = runTraced(
      { model: defaultModelConfig({ depth: 2 }), profile: loadProfile("io-heavy"), durationMs: 50, seed: 1, clockGhz: 3, hostPreemptRate: 0, hostNeonRate: 0 },
      "kvm_exit",
      (_rec, m) => {
        if (++exits === 5) m.requestStop();
      },
      { level: 1 },
    );
    expect(r.stopped).toBe(true);
    // the driver ends the run after the leaf event under way (which may take a few more exits)
    expect(r.byLevel[1]!.exits).toBeGreaterThanOrEqual(5n);
    expect(r.byLevel[1]!.exits).toBeLessThan(20n);
  });
});
