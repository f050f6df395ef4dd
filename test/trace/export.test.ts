import { existsSync, mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Machine } from "../../lib/engine/machine";
import { subscribe } from "../../lib/trace/bus";
import { chromeTrace, formatFtrace, ftraceText, ftraceTimestamp } from "../../lib/trace/export";
import { AtomicFileSink, RingBuffer } from "../../lib/trace/sink";
import type { TraceRecord } from "../../lib/trace/tracepoints";
import { machine } from "../helpers";
import { checkChromeTrace, type Slice } from "./check-chrome";

/** the steady-state leaf FP use + HVC at depth 2 (unpatched), traced */
function hvcRecords(depth = 2): { m: Machine; recs: TraceRecord[]; start: number } {
  const m = machine({ depth, nv2: true }, "none");
  for (let i = 0; i < 3; i++) {
    m.leafFp();
    m.leafTrap({ ec: "HVC64", reason: "hvc" });
  }
  const recs: TraceRecord[] = [];
  const start = m.cycles;
  const off = subscribe(m, "*", (r) => recs.push(r));
  m.leafFp();
  m.leafTrap({ ec: "HVC64", reason: "hvc" });
  off();
  return { m, recs, start };
}

const within = (inner: Slice, outer: Slice): boolean => outer.begin <= inner.begin && inner.end <= outer.end;

describe("Chrome trace-event JSON", () => {
  it("follows the Trace Event Format: named, pid/tid'd, time-ordered, balanced B/E per thread, one track per level", () => {
    const { recs } = hvcRecords();
    const trace = chromeTrace(recs, { clockGhz: 3, depth: 2 });
    expect(trace.displayTimeUnit).toBe("ns");
    const slices = checkChromeTrace(trace);
    const threads = trace.traceEvents.filter((e) => e.ph === "M" && e.name === "thread_name").map((e) => [e.tid, e.args?.name]);
    expect(threads).toEqual([
      [1, "L0 host"],
      [2, "L1 guest hypervisor"],
      [3, "L2 leaf guest"],
    ]);
    expect(new Set(trace.traceEvents.map((e) => e.pid))).toEqual(new Set([1]));
    // instants carry their fields; kvm_exit is thread-scoped and in the kvm category
    const exit = trace.traceEvents.find((e) => e.name === "kvm_exit")!;
    expect(exit).toMatchObject({ ph: "i", s: "t", cat: "kvm", tid: 1, args: { ec: "FP_ASIMD", esr_ec: "0x7", how: "fast" } });
    expect(slices.length).toBe(recs.filter((r) => r.name === "trap_begin" || r.name === "handle_begin").length);
  });

  it("one leaf exit shows its amplification tree: trap -> handling at each level -> nested traps", () => {
    const { recs, start } = hvcRecords();
    const slices = checkChromeTrace(chromeTrace(recs, { clockGhz: 1, depth: 2 }));
    const onTrack = (tid: number): Slice[] => slices.filter((s) => s.tid === tid);
    // the leaf's track: two exceptions, nothing nested on it
    expect(onTrack(3).map((s) => [s.name, s.depth])).toEqual([
      ["FP_ASIMD fp -> L0", 0],
      ["HVC64 hvc -> L1", 0],
    ]);
    const hvc = onTrack(3)[1]!;
    // L1's track: its handling of the HVC, with its own trapped accesses and its ERET nested inside
    // (its trapped accesses: the MDSCR_EL1 read and writes, CPACR_EL1 writes, the vgic's ICH_MISR_EL2 read; see
    // test/kvm/golden.test.ts)
    const inL1 = (name: string): [string, number, string] => [name, 1, "L1: HVC64 hvc from L2"];
    expect(onTrack(2).map((s) => [s.name, s.depth, s.parent?.name])).toEqual([
      ["L1: HVC64 hvc from L2", 0, undefined],
      inL1("SYS64 R MDSCR_EL1 -> L0"),
      inL1("SYS64 W CPACR_EL1 -> L0"),
      inL1("SYS64 W MDSCR_EL1 -> L0"),
      inL1("SYS64 R ICH_MISR_EL2 -> L0"),
      inL1("SYS64 W CPACR_EL1 -> L0"),
      inL1("SYS64 W MDSCR_EL1 -> L0"),
      inL1("ERET eret -> L0"),
    ]);
    const l1 = onTrack(2)[0]!;
    expect(l1.args).toMatchObject({ how: "full" });
    // L0's track: its part of the HVC (forward), then its handling of each of L1's traps, each inside that trap
    const l0 = onTrack(1).filter((s) => within(s, hvc));
    expect(l0.map((s) => s.name)).toEqual(["L0: HVC64 hvc from L2", ...Array.from({ length: 6 }, () => "L0: SYS64 sysreg from L1"), "L0: ERET eret from L1"]);
    onTrack(2)
      .slice(1)
      .forEach((trap, i) => {
        expect(within(l0[i + 1]!, trap)).toBe(true);
        expect([l0[i + 1]!.begin, l0[i + 1]!.end]).toEqual([trap.begin, trap.end]);
      });
    // the handling levels tile the exception: L0 forwards, then L1 runs until its guest runs again
    expect([l0[0]!.begin, l0[0]!.end, l1.end]).toEqual([hvc.begin, l1.begin, hvc.end]);
    expect(within(l1, hvc)).toBe(true);
    // ts: microseconds from cycles (clock 1 GHz: 1 cycle = 1 ns)
    const first = recs[0]!;
    expect(onTrack(3)[0]!.begin).toBeCloseTo((first.ts - 0) / 1000, 9);
    expect(first.ts).toBe(start);
  });

  it("deeper nesting keeps every track balanced (depth 3)", () => {
    const m = machine({ depth: 3 }, "none");
    const recs: TraceRecord[] = [];
    const off = subscribe(m, "*", (r) => recs.push(r));
    m.leafFp();
    m.leafTrap({ ec: "DABT_LOW", reason: "mmio-user" });
    m.leafIrq("irq-timer");
    off();
    const slices = checkChromeTrace(chromeTrace(recs, { clockGhz: 3, depth: 3 }));
    expect(Math.max(...slices.filter((s) => s.tid === 3).map((s) => s.depth))).toBeGreaterThanOrEqual(1);
    const leafTraps = recs.filter((r) => r.name === "trap_begin" && r.level === 3).length;
    expect(leafTraps).toBeGreaterThanOrEqual(2);
    expect(slices.filter((s) => s.tid === 4)).toHaveLength(leafTraps);
    // L2's handling nests traps whose L1 handling nests traps handled by L0: three levels of slices across tracks
    const l2 = slices.filter((s) => s.tid === 3 && s.depth === 0);
    const l1InL2 = slices.filter((s) => s.tid === 2 && l2.some((p) => within(s, p)));
    const l0InL1 = slices.filter((s) => s.tid === 1 && l1InL2.some((p) => p.name.startsWith("L1:") && within(s, p)));
    expect(l2.length * l1InL2.length * l0InL1.length).toBeGreaterThan(0);
  });

  it("closes slices left open, so a partial record stream still gives a balanced file", () => {
    const { recs } = hvcRecords();
    const cut = recs.slice(0, recs.findIndex((r) => r.name === "kvm_nested_eret"));
    expect(() => checkChromeTrace(chromeTrace(cut, { clockGhz: 3, depth: 2 }))).not.toThrow();
  });
});

describe("ftrace text (trace-cmd report style)", () => {
  it("prints comm-pid, cpu, seconds with nanoseconds, event and field=value pairs", () => {
    const { recs } = hvcRecords();
    const exit = recs.find((r) => r.name === "kvm_exit" && r.fields.ec === "HVC64")!;
    const line = formatFtrace(exit, 3);
    expect(line).toMatch(/^ +nestlab-0 +\[000\] +\d+\.\d{9}: kvm_exit: +level=0 ec=HVC64 esr_ec=0x16 reason=hvc how=forward from=2 owner=1$/);
    const put = recs.find((r) => r.name === "vcpu_put")!;
    expect(formatFtrace(put, 3)).toMatch(/vcpu_put: +level=0 ctx=nested fp_elided=0$/);
    expect(ftraceTimestamp(3_000_000_123, 3)).toBe("1.000000041");
    const text = ftraceText(recs, 3);
    const lines = text.trimEnd().split("\n");
    expect(lines[0]).toBe("cpus=1");
    expect(lines).toHaveLength(recs.length + 1);
  });
});

describe("bounded memory", () => {
  it("a ring buffer keeps the last N", () => {
    const r = new RingBuffer<number>(3);
    expect(r.toArray()).toEqual([]);
    [1, 2].forEach(r.push);
    expect(r.toArray()).toEqual([1, 2]);
    [3, 4, 5].forEach(r.push);
    expect(r.toArray()).toEqual([3, 4, 5]);
    expect([r.pushed, r.dropped]).toEqual([5, 2]);
    expect(() => new RingBuffer(0)).toThrow(RangeError);
  });

  it("a streamed file is complete (renamed on commit) or absent (removed on abort)", () => {
    const dir = mkdtempSync(join(tmpdir(), "nestlab-sink-"));
    const ok = new AtomicFileSink(join(dir, "ok.txt"));
    for (let i = 0; i < 50_000; i++) ok.write(`line ${i}\n`);
    expect(existsSync(join(dir, "ok.txt"))).toBe(false);
    ok.commit();
    expect(readFileSync(join(dir, "ok.txt"), "utf8").split("\n")).toHaveLength(50_001);
    expect(readdirSync(dir)).toEqual(["ok.txt"]); // no temporary file left
    const bad = new AtomicFileSink(join(dir, "bad.txt"));
    bad.write("partial");
    bad.abort();
    expect(existsSync(join(dir, "bad.txt"))).toBe(false);
    expect(readdirSync(dir)).toEqual(["ok.txt"]);
    expect(() => new AtomicFileSink(join(dir, "no", "such", "dir.json"))).toThrow(/--out .*writable/);
  });
});
