import { describe, expect, it } from "vitest";
import { EXCEPTION_CLASS_NAMES } from "../../lib/arch/exceptions";
import type { ModelConfig } from "../../lib/kvm/config";
import { defaultModelConfig } from "../../lib/kvm/config";
import { type RunOptions, type RunResult, runWorkload } from "../../lib/run/run";
import { subscribe } from "../../lib/trace/bus";
import { attach, attributionTable, CounterCollector, StatCollector } from "../../lib/trace/collectors";
import { runTraced } from "../../lib/trace/run";
import { loadProfile } from "../../lib/workload/load";

function options(model: Partial<ModelConfig> & { depth: number }, durationMs: number, extra: Partial<RunOptions> = {}): RunOptions {
  return {
    model: defaultModelConfig({ ...model, patch: model.patch ?? [] }),
    profile: loadProfile("io-heavy"),
    durationMs,
    seed: 7,
    clockGhz: 3,
    // host preemption and kernel NEON exercise host FP saves and put/load outside nested transitions
    hostPreemptRate: 2000,
    hostNeonRate: 2000,
    engine: "exact",
    ...extra,
  };
}

/** a run with the counter collector attached from the first event, and the kvm_exit counts by `how` */
function countedRun(o: RunOptions): { r: RunResult; c: CounterCollector; how: Map<string, number> } {
  const c = new CounterCollector();
  const how = new Map<string, number>();
  const r = runWorkload({
    ...o,
    instrument: (m) => {
      attach(m, c);
      subscribe(m, "kvm_exit", (rec) => how.set(`${rec.level}:${rec.fields.how}`, (how.get(`${rec.level}:${rec.fields.how}`) ?? 0) + 1));
    },
  });
  return { r, c, how };
}

const CASES: [string, RunOptions][] = [
  ["depth 2, NV2, unpatched", options({ depth: 2 }, 4)],
  ["depth 2, NV2, patched, SVE 512", options({ depth: 2, patch: [0, 1], sveVl: 512 }, 4)],
  ["depth 3, NV2, L0 patched", options({ depth: 3, patch: [0] }, 1)],
  ["depth 2, NV2 off", options({ depth: 2, nv2: false }, 1)],
  ["depth 1", options({ depth: 1 }, 4)],
];

describe("counters by (level, event, reason) equal the run's totals (exact engine)", () => {
  for (const [what, o] of CASES) {
    it(what, () => {
      const { r, c, how } = countedRun(o);
      const d = r.depth;
      const n = (x: number): bigint => BigInt(x);
      expect(n(c.total("trap_begin"))).toBe(r.l0Traps);
      expect(n(c.total("trap_end"))).toBe(r.l0Traps);
      expect(n(c.get(d, "trap_begin"))).toBe(r.leafExits);
      expect(n(c.total("fp_trap"))).toBe(r.fpTraps);
      expect(n(c.total("fp_save", "vcpu"))).toBe(r.fpSaves);
      expect(n(c.total("fp_restore", "vcpu"))).toBe(r.fpRestores);
      expect(n(c.total("kvm_inject_nested_exception"))).toBe(r.nestedExceptions);
      expect(n(c.total("kvm_nested_eret"))).toBe(r.nestedErets);
      for (const t of r.byLevel) {
        const j = t.level;
        expect(n(c.get(j, "kvm_exit")), `L${j} exits`).toBe(t.exits);
        for (const ec of EXCEPTION_CLASS_NAMES) expect(n(c.get(j, "kvm_exit", ec)), `L${j} ${ec}`).toBe(t.exitsByClass[ec] ?? 0n);
        expect(n((how.get(`${j}:full`) ?? 0) + (how.get(`${j}:forward`) ?? 0)), `L${j} full exits`).toBe(t.fullExits);
        expect(n(how.get(`${j}:fast`) ?? 0), `L${j} fast exits`).toBe(t.fastExits);
        expect(n(c.get(j, "handle_end"))).toBe(t.exits);
        expect(n(c.get(j, "kvm_entry"))).toBe(t.exits);
        expect(n(c.get(j, "kvm_inject_nested_exception"))).toBe(t.nestedExceptions);
        expect(n(c.get(j, "kvm_nested_eret"))).toBe(t.nestedErets);
        expect(n(c.get(j, "fp_trap"))).toBe(t.fpTraps);
        expect(n(c.get(j, "fp_save", "vcpu"))).toBe(t.fpSaves);
        expect(n(c.get(j, "fp_save", "host"))).toBe(t.hostFpSaves);
        expect(n(c.get(j, "fp_restore", "vcpu"))).toBe(t.fpRestores);
        expect(n(c.get(j, "fp_restore", "host"))).toBe(t.hostFpRestores);
        expect(n(c.get(j, "vcpu_put"))).toBe(t.vcpuPuts);
        expect(n(c.get(j, "vcpu_load"))).toBe(t.vcpuLoads);
        expect(n(c.get(j, "vncr_access"))).toBe(t.vncrAccesses);
      }
      // rows are a flat, ordered view of the same counts
      const rows = c.rows();
      expect(rows.reduce((s, x) => s + (x.event === "kvm_exit" ? x.count : 0), 0)).toBe(c.total("kvm_exit"));
      expect(Object.isFrozen(rows)).toBe(true);
    });
  }

  it("tracing changes nothing: the traced run's totals equal the untraced exact and fast runs'", () => {
    const o = options({ depth: 2 }, 3);
    const traced = runTraced(o, "*", () => undefined);
    const exact = runWorkload(o);
    const fast = runWorkload({ ...o, engine: "fast" });
    for (const r of [exact, fast]) {
      expect(r.cycles).toBe(traced.cycles);
      expect(r.byLevel).toEqual(traced.byLevel);
    }
  });
});

describe("kvm_stat-like summary", () => {
  it("exits by level and reason add up to the level's exits, shares to 1, and L0's cycles fit in the run", () => {
    const o = options({ depth: 2 }, 3);
    const s = new StatCollector();
    const r = runTraced(o, "*", s.add);
    const sum = s.summary();
    for (const t of r.byLevel) {
      const rows = sum.exits.filter((x) => x.level === t.level);
      expect(BigInt(rows.reduce((a, x) => a + x.count, 0))).toBe(t.exits);
      expect(rows.reduce((a, x) => a + x.share, 0)).toBeCloseTo(1, 9);
      expect(rows.reduce((a, x) => a + x.cycleShare, 0)).toBeCloseTo(1, 9);
      for (const x of rows) {
        expect(x.minCycles).toBeLessThanOrEqual(x.avgCycles);
        expect(x.avgCycles).toBeLessThanOrEqual(x.maxCycles);
      }
    }
    // L0's handling never nests in itself: its exit-handling time is part of the run's
    expect(BigInt(sum.levels[0]!.cycles) < r.cycles).toBe(true);
    expect(sum.events.find((e) => e.level === 0 && e.event === "kvm_exit")?.count).toBe(Number(r.l0Traps));
  });
});

describe("cycle attribution by (level, mechanism)", () => {
  it("is an arquero table whose cycles add up to the run's total", () => {
    const r = runWorkload({ ...options({ depth: 3 }, 20), engine: "fast" });
    const t = attributionTable(r.attribution, r.depth);
    expect(t.columnNames()).toEqual(["level", "role", "mechanism", "cycles", "share"]);
    const rows = t.objects() as { level: number; role: string; mechanism: string; cycles: number; share: number }[];
    expect(BigInt(rows.reduce((s, x) => s + x.cycles, 0))).toBe(r.cycles);
    expect(rows.reduce((s, x) => s + x.share, 0)).toBeCloseTo(1, 9);
    expect(new Set(rows.map((x) => x.role))).toEqual(new Set(["host", "guest hypervisor", "leaf"]));
    expect(rows.find((x) => x.level === 3)?.mechanism).toBe("guest");
  });
});
