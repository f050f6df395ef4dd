import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { defaultModelConfig } from "../../lib/kvm/config";
import { type DiffRow, diffRows } from "../../lib/real/diff";
import { modelKernelText } from "../../lib/real/model";
import { importTraceFile, importTraceText } from "../../lib/real/read";
import { parseEventLine } from "../../lib/real/parse";
import { loadProfile } from "../../lib/workload/load";
import { ConfigError } from "../../lib/util/errors";

const FIX = join(__dirname, "fixtures");
const fx = (name: string): string => join(FIX, name);

describe("event lines", () => {
  it("reads trace-cmd report (with -t, -l) and perf script (pid/tid) prefixes", () => {
    const a = parseEventLine("       CPU 0/KVM-5101  [000]  2069.100010000: kvm_exit:             TRAP: HSR_EC: 0x0016 (HVC64), PC: 0xffff800080a10000");
    expect(a).toMatchObject({ comm: "CPU 0/KVM", tid: 5101, cpu: 0, ns: 2069_100_010_000, system: "", name: "kvm_exit", precision: 9 });
    expect(a?.text).toBe("TRAP: HSR_EC: 0x0016 (HVC64), PC: 0xffff800080a10000");
    const lat = parseEventLine("       CPU 0/KVM-5101    0d..1. 2069.100010: kvm_entry: PC: 0x0");
    expect(lat).toBeUndefined(); // -l without brackets is not trace-cmd's normal line
    const flags = parseEventLine("       CPU 0/KVM-5101  [000] d..1. 2069.100010: kvm_entry: PC: 0x0");
    expect(flags).toMatchObject({ tid: 5101, ns: 2069_100_010_000, name: "kvm_entry", precision: 6 });
    const perf = parseEventLine("       CPU 0/KVM  5101/5103 [002]  2069.100011: kvm:kvm_mmio: mmio unsatisfied-read len 4 gpa 0xa000000 val 0x0");
    expect(perf).toMatchObject({ comm: "CPU 0/KVM", tid: 5103, cpu: 2, system: "kvm", name: "kvm_mmio", ns: 2069_100_011_000 });
    expect(parseEventLine("kworker/0:1-123   [003]  5.000001: sched_switch: prev_comm=x")).toMatchObject({ comm: "kworker/0:1", tid: 123, name: "sched_switch" });
    expect(parseEventLine("hello world")).toBeUndefined();
  });
});

describe("nestlab import: fixtures written by hand to the kernel's formats (labelled synthetic)", () => {
  it("trace-cmd report: two vcpu threads on two CPUs, interleaved and unknown events, a lost-events note", () => {
    const s = importTraceFile(fx("nv2-l0.synthetic.trace-cmd.txt"));
    expect(s.format).toBe("trace-cmd");
    expect(s.vcpus.map((v) => [v.tid, v.exits])).toEqual([[5101, 11], [5102, 3]]);
    expect(s.cpus).toEqual([0, 1]);
    expect(s.exits).toBe(14);
    expect(s.timedExits).toBe(14);
    expect([s.nestedExceptions, s.directInjects, s.nestedErets]).toEqual([4, 1, 3]);
    expect(s.unknownEvents).toEqual([{ name: "sched_switch", count: 1 }]);
    expect(s.unusedKvmEvents.map((e) => e.name).sort()).toEqual(["kvm_timer_update_irq", "kvm_vcpu_wakeup"]);
    expect(s.lostEvents).toBe(3);
    expect(s.warnings.join("\n")).toMatch(/3 events lost/);
    const kind = (k: string) => s.kinds.find((x) => x.kind === k);
    // exit to entry, per thread: 2069.100012000 -> .100012400
    expect(kind("hyp SYS64 MDSCR_EL1 R handled")).toMatchObject({ count: 1, meanNs: 400 });
    expect(kind("hyp SYS64 ICH_MISR_EL2 R handled")).toMatchObject({ count: 2, meanNs: 500 });
    expect(kind("hyp ERET eret")).toMatchObject({ count: 3, meanNs: 1000 });
    expect(kind("hyp IRQ direct")).toMatchObject({ count: 1, meanNs: 800 });
    expect(kind("nested SYS64 ICC_SGI1R_EL1 W forward")?.count).toBe(1);
    expect(kind("hyp DABT_LOW mmio-kernel handled")?.meanNs).toBe(600);
    expect(kind("hyp WFx wfi handled")?.meanNs).toBe(20500);
    // windows: the DABT_LOW forwarded at .100030000 ends with the entry after the nested ERET at .100061000
    const dabt = s.windows.find((w) => w.reason === "DABT_LOW fault");
    expect(dabt).toMatchObject({ count: 1, meanNs: 31000, hypExitsPerWindow: 5 });
    expect(s.windows.find((w) => w.reason === "HVC64")).toMatchObject({ count: 1, meanNs: 7000, hypExitsPerWindow: 3 });
    expect(s.sysregs.find((r) => r.reg === "ICC_SGI1R_EL1")).toMatchObject({ encoding: "3,0,12,11,5", access: "write", handling: "forwarded", ctx: "nested" });
  });

  it("perf script: system:event names, pid/tid, microsecond timestamps (named), an MMIO through the VMM", () => {
    const s = importTraceFile(fx("nv2-l0.synthetic.perf-script.txt"));
    expect(s.format).toBe("perf-script");
    expect(s.vcpus).toEqual([{ tid: 5103, comm: "CPU 0/KVM", exits: 3 }]);
    expect(s.userspaceExits).toBe(1);
    expect(s.kinds.map((k) => [k.kind, k.meanNs])).toEqual([
      ["unknown DABT_LOW mmio-kernel handled", 2000],
      ["unknown DABT_LOW mmio-user user", 11000],
      ["unknown WFx wfi handled", 100000],
    ]);
    expect(s.unknownEvents).toEqual([{ name: "probe:unknown_thing", count: 1 }]);
    expect(s.timestampDigits).toBe(6);
    expect(s.warnings.join("\n")).toMatch(/microseconds/);
  });

  it("perf kvm stat report: exits by reason with the table's times; rates unknown", () => {
    const s = importTraceFile(fx("kvm-stat.synthetic.txt"));
    expect(s.format).toBe("perf-kvm-stat");
    expect(s.exits).toBe(110308);
    expect(s.reasons.map((r) => r.reason)).toEqual(["DABT_LOW", "SYS64", "WFx", "IRQ"]);
    const d = s.reasons[0]!;
    expect(d).toMatchObject({ count: 66186, meanNs: 6240, minNs: 2190, maxNs: 3364650, perSecond: null, p50Ns: null });
    expect(d.sdNs).toBeCloseTo(0.0034 * 6240 * Math.sqrt(66186), 6);
    expect(s.totalTimeNs).toBeCloseTo(1021638780, 3);
    expect(s.truncated).toBe(false);
  });

  it("entry-to-exit times: from a trace of events per thread, and what a perf kvm stat table's times are", () => {
    // a trace of events times each exit both ways: exit to entry (L0's handling, `reasons`) and, from the thread's
    // previous kvm_entry, entry to exit (`entryToExit`: the guest's run up to the exit, as perf kvm stat times it on
    // arm64: tools/perf/arch/arm64/util/kvm-stat.c event_begin is kvm:kvm_entry, event_end the kvm:kvm_exit)
    const s = importTraceFile(fx("nv2-l0.synthetic.trace-cmd.txt"));
    expect(s.reasonTimes).toBe("exit-to-entry");
    // thread 5101: kvm_entry at 2069.100000000, its HVC64 kvm_exit at .100010000
    expect(s.entryToExit.find((r) => r.reason === "HVC64")).toMatchObject({ count: 1, meanNs: 10000 });
    // each thread's first event is a kvm_entry, so every exit has an entry-to-exit time
    expect(s.entryToExit.reduce((n, r) => n + r.count, 0)).toBe(s.exits);
    for (const r of s.entryToExit) expect(r.count, r.reason).toBe(s.reasons.find((x) => x.reason === r.reason)?.count);
    // a perf kvm stat table has only entry-to-exit times
    const k = importTraceFile(fx("kvm-stat.synthetic.txt"));
    expect(k.reasonTimes).toBe("entry-to-exit");
    expect(k.entryToExit).toEqual(k.reasons);
  });

  it("diff compares a perf kvm stat table's times with the model's entry-to-exit times, never its exit-to-entry ones", () => {
    const table = importTraceFile(fx("kvm-stat.synthetic.txt"));
    const events = importTraceFile(fx("nv2-l0.synthetic.trace-cmd.txt"));
    const model = importTraceText(
      modelKernelText({ model: defaultModelConfig({ depth: 2 }), profile: loadProfile("io-heavy"), durationMs: 2, seed: 1, clockGhz: 3, hostPreemptRate: 0, hostNeonRate: 0 }).text,
      "model",
    );
    const time = (rows: readonly DiffRow[]) => rows.filter((r) => r.section === "time per exit");
    const fromTable = time(diffRows(table, model));
    expect(fromTable.length).toBeGreaterThan(0);
    for (const r of fromTable) {
      expect(r.key).toMatch(/ mean \(entry to exit\)$/);
      const reason = r.key.replace(/ mean \(entry to exit\)$/, "");
      expect(r.model).toBe(model.entryToExit.find((x) => x.reason === reason)!.meanNs);
    }
    const fromEvents = time(diffRows(events, model));
    expect(fromEvents.length).toBeGreaterThan(0);
    for (const r of fromEvents.filter((x) => x.key.endsWith(" mean"))) {
      expect(r.model).toBe(model.reasons.find((x) => x.reason === r.key.replace(/ mean$/, ""))!.meanNs);
    }
  });

  it("a truncated file: the cut line is dropped with a named warning, the rest is read", () => {
    const s = importTraceFile(fx("truncated.synthetic.txt"));
    expect(s.truncated).toBe(true);
    expect(s.warnings.some((w) => w.includes("truncated.synthetic.txt: truncated"))).toBe(true);
    expect(s.exits).toBe(14);
    expect(s.timedExits).toBe(13);
  });

  it("malformed input names the file and the line", () => {
    expect(() => importTraceFile(fx("malformed.synthetic.txt"))).toThrow(ConfigError);
    expect(() => importTraceFile(fx("malformed.synthetic.txt"))).toThrow(/malformed\.synthetic\.txt', line 4: kvm_exit: text does not follow the kernel's format/);
    expect(() => importTraceFile(fx("notatrace.txt"))).toThrow(/notatrace\.txt', line 1: not an event line/);
    expect(() => importTraceFile(fx("missing.txt"))).toThrow(/invalid file '.*missing\.txt': accepted a readable file: .* \(no such file or directory\)/);
    expect(() => importTraceText("", "empty")).toThrow(/'empty', line 0: no events/);
  });

  it("streams: the same summary from the file and from its text; CRLF line ends are accepted", () => {
    const text = readFileSync(fx("nv2-l0.synthetic.trace-cmd.txt"), "utf8");
    const a = importTraceFile(fx("nv2-l0.synthetic.trace-cmd.txt"));
    const b = importTraceText(text, fx("nv2-l0.synthetic.trace-cmd.txt"));
    expect(b).toEqual(a);
    const c = importTraceText(text.replace(/\n/g, "\r\n"), fx("nv2-l0.synthetic.trace-cmd.txt"));
    expect(c).toEqual(a);
  });
});

describe("round trip: model -> kernel-format text -> import -> the model's own counts", () => {
  for (const [depth, nv2] of [[2, true], [3, true], [2, false]] as const) {
    it(`depth ${depth}, NV2 ${nv2 ? "on" : "off"}`, () => {
      const { text, run } = modelKernelText({
        model: defaultModelConfig({ depth, nv2, patch: [] }),
        profile: loadProfile("io-heavy"),
        durationMs: depth === 3 ? 0.5 : 3,
        seed: 7,
        clockGhz: 3,
        hostPreemptRate: 0,
        hostNeonRate: 0,
        engine: "exact",
      });
      const s = importTraceText(text, "model");
      const l0 = run.byLevel[0]!;
      expect(s.exits).toBe(Number(l0.fullExits));
      expect(s.nestedExceptions).toBe(Number(l0.nestedExceptions));
      expect(s.nestedErets).toBe(Number(l0.nestedErets));
      expect(s.directInjects).toBe(Number(l0.directInjects));
      // every exit class L0 took through its run loop, counted alike (fast exits never reach kvm_exit)
      expect(s.exits).toBe(Number(l0.exits) - Number(l0.fastExits));
      expect(s.timedExits).toBe(s.exits);
      expect(s.unknownEvents).toEqual([]);
      // a few ms of the model's run: only the short-recording warning (its rates extrapolate a few ms to a second)
      expect(s.warnings.filter((w) => !w.startsWith("model: the recording spans "))).toEqual([]);
      expect(s.warnings).toHaveLength(1);
    });
  }

  it("the same input gives byte-identical text", () => {
    const o = { model: defaultModelConfig({ depth: 2, patch: [0, 1] }), profile: loadProfile("debian-install"), durationMs: 1, seed: 3, clockGhz: 3, hostPreemptRate: 0, hostNeonRate: 0 };
    expect(modelKernelText(o).text).toBe(modelKernelText(o).text);
  });
});
