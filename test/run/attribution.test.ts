import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { defaultModelConfig } from "../../lib/kvm/config";
import { runCompare, SAVING_MECHANISMS } from "../../lib/run/compare";
import { exitAttribution, exitDiff, EXIT_PARTS, registerPart } from "../../lib/run/exit";
import type { RunOptions } from "../../lib/run/run";
import { SYSREGS, type SysRegName } from "../../lib/arch/sysregs";
import { PROFILES } from "../../lib/workload/profiles";
import { sized } from "../tier";

function opts(depth: number, workload: string, over: Partial<RunOptions> & { model?: RunOptions["model"] } = {}): RunOptions {
  return { model: defaultModelConfig({ depth }), profile: PROFILES[workload]!, durationMs: 20, seed: 1, clockGhz: 3, hostPreemptRate: 0, hostNeonRate: 0, ...over };
}

const sum = (xs: readonly bigint[]): bigint => xs.reduce((s, x) => s + x, 0n);

describe("compare: the saving by mechanism and level", () => {
  it("buckets sum exactly to the total saved, and the FP detail adds up to the inclusive FP figures", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.constantFrom("io-heavy", "debian-install", "compute", "idle"),
        fc.constantFrom(0, 128, 512, 2048),
        fc.boolean(),
        fc.integer({ min: 0, max: 15 }),
        fc.constantFrom(0, 2000),
        fc.integer({ min: 1, max: 1000 }),
        (depth, workload, sveVl, nv2, mask, neon, seed) => {
          if (!nv2 && depth > 3) return;
          const patch = Array.from({ length: depth }, (_, i) => i).filter((l) => (mask >> l) & 1);
          const c = runCompare(opts(depth, workload, { model: defaultModelConfig({ depth, sveVl, nv2, patch }), seed, hostNeonRate: neon, hypHz: depth === 4 ? 0 : 250 }));
          expect(sum(c.saving.map((b) => b.saved))).toBe(c.attribution.totalSaved);
          for (const b of c.saving) expect(Object.keys(SAVING_MECHANISMS)).toContain(b.mechanism);
          for (const r of [c.baseline, c.patched]) {
            const d = r.fpDetail.byLevel;
            expect(sum(d.map((x) => x.saveMoves + x.restoreMoves + x.zcrMoves + x.trapMoves))).toBe(r.fpDetail.moves);
            expect(sum(d.map((x) => x.trap))).toBe(r.fpInclusive.trap);
            expect(sum(d.map((x) => x.traps))).toBe(r.fpInclusive.traps);
            expect(sum(d.map((x) => x.save))).toBe(r.fpInclusive.save);
            expect(sum(d.map((x) => x.restore))).toBe(r.fpInclusive.restore);
            expect(sum(d.map((x) => x.zcr))).toBe(r.fpInclusive.zcr);
            expect(r.wallEvents.fpCycles).toBeLessThanOrEqual(r.wallEvents.cycles);
          }
        },
      ),
      { numRuns: sized(60, 12), seed: 15 },
    );
  });

  it("depth 1 saves nothing; the FP buckets explain the saving, 'other' stays a small remainder", () => {
    expect(runCompare(opts(1, "io-heavy")).saving).toEqual([]);
    for (const [workload, sveVl] of [["io-heavy", 0], ["debian-install", 0], ["io-heavy", 512]] as const) {
      const c = runCompare(opts(3, workload, { durationMs: 100, model: defaultModelConfig({ depth: 3, sveVl }) }));
      const other = c.saving.find((b) => b.mechanism === "other")?.saved ?? 0n;
      const total = c.attribution.totalSaved;
      expect(total).toBeGreaterThan(0n);
      // a property of the attribution (every FP mechanism is named), not a figure: under 2% of the saving
      expect(Math.abs(Number(other))).toBeLessThan(0.02 * Number(total));
      // patched FP traps handled by a guest hypervisor: the change removes them
      expect(c.saving.some((b) => b.mechanism === "fp-trap-forwarded" && b.saved > 0n)).toBe(true);
    }
  });
});

describe("the cost of one leaf event, by the code that raised each trap", () => {
  it("rows partition every trap cycle and every L0 trap of the run", () => {
    for (const [depth, patch, nv2] of [[2, "all", true], [3, "none", true], [3, "all", true], [2, "all", false]] as const) {
      const p = patch === "all" ? Array.from({ length: depth }, (_, i) => i) : [];
      const x = exitAttribution(opts(depth, "io-heavy", { model: defaultModelConfig({ depth, patch: p, nv2 }) }), 10);
      const r = x.run;
      const rowCycles = x.rows.reduce((s, row) => s + row.cycles, 0);
      const leafOwn = r.attribution.filter((a) => a.level === depth).reduce((s, a) => s + Number(a.cycles), 0);
      expect(rowCycles + leafOwn).toBe(Number(r.cycles));
      expect(x.rows.reduce((s, row) => s + row.l0Traps, 0)).toBe(Number(r.l0Traps));
      // raised rows name guest hypervisors only; direct and wall rows the handling levels
      for (const row of x.rows) {
        if (row.kind === "raised") expect(row.level).toBeGreaterThanOrEqual(1);
        expect(row.level).toBeLessThan(depth);
      }
      expect(x.leafEvents).toBe(r.events.io + r.events.ipi + r.events.s2fault + r.events.wfi);
      expect(x.perExit.cycles * x.leafEvents).toBeCloseTo(x.cycles, 3);
    }
  });

  it("before and after the change: the leaf stream is the same, and the rows the change leaves are unchanged at depth 2", () => {
    const b = exitAttribution(opts(2, "io-heavy", { model: defaultModelConfig({ depth: 2, patch: [] }) }), 10);
    const p = exitAttribution(opts(2, "io-heavy"), 10);
    expect(p.leafEvents).toBe(b.leafEvents);
    const diff = exitDiff(b, p);
    // at depth 2 the leaf's hypervisor makes no nested transitions: its put/loads (the VMM's round trips, WFI) raise
    // the same traps before and after; only FP rows and the direct work at L0 differ
    for (const r of diff.filter((x) => x.kind === "raised" && x.phase === "putload")) expect(r.patched.l0Traps).toBe(r.baseline.l0Traps);
    expect(diff.some((r) => r.kind === "raised" && r.phase === "putload")).toBe(true);
  });

  it("every system register the model knows has a part", () => {
    for (const reg of Object.keys(SYSREGS) as SysRegName[]) expect(EXIT_PARTS).toContain(registerPart(reg));
    expect(registerPart("CNTV_CTL_EL02")).toBe("timer");
    expect(registerPart("ICH_MISR_EL2")).toBe("vgic");
    expect(registerPart("MDSCR_EL1")).toBe("debug");
    expect(registerPart("PMSELR_EL0")).toBe("pmu");
  });
});
