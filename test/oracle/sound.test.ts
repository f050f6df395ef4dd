import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkConfig, checkExhaustive, checkRandom, runSchedule, stepAlphabet } from "../../lib/oracle/check";
import { sized } from "../tier";

/**
 * The sound policies lose no FP/SVE state: mainline (baseline) and the FP-elision change (nv-fp-elision), with
 * every per-level adoption, FPSIMD-only and SVE, over >= 1e6 random steps in total and exhaustively to length 4.
 * The quick tier (test/tier.ts) runs a tenth of the random steps (the first steps of the same seeded runs), one step
 * less exhaustively, an eighth of the deep-nesting steps and the first 50 fast-check runs.
 */
const configs = [
  { depth: 2, patch: [0, 1], sveVl: 0, steps: 200_000 },
  { depth: 2, patch: [0], sveVl: 512, steps: 150_000 },
  { depth: 2, patch: [1], sveVl: 128, steps: 60_000 },
  { depth: 2, patch: [0, 1], sveVl: 0, steps: 30_000, guestHyp: "nvhe" as const },
  { depth: 3, patch: [0, 1, 2], sveVl: 0, steps: 30_000 },
  { depth: 3, patch: [1], sveVl: 2048, steps: 30_000 },
].map((c) => ({ ...c, steps: sized(c.steps, c.steps / 10) }));
const randomSteps = configs.reduce((s, c) => s + c.steps, 0);
const maxLen = sized(4, 3);

describe("the sound policies show no violation", () => {
  for (const policy of ["baseline", "nv-fp-elision"] as const) {
    it(`${policy}: ${randomSteps.toLocaleString("en-US")} random steps over depths, adoptions and vector lengths`, () => {
      let steps = 0;
      configs.forEach((c, i) => {
        const r = checkRandom(checkConfig(c.depth, policy, { patch: c.patch, sveVl: c.sveVl, guestHyp: c.guestHyp ?? "vhe" }), { steps: c.steps, seed: 100 + i });
        expect(r.firstViolation).toBeNull();
        expect(r.violations).toBe(0);
        steps += r.steps;
      });
      expect(steps).toBeGreaterThanOrEqual(sized(500_000, 50_000));
    });
  }

  it(`exhaustively: every schedule up to ${maxLen} steps at depth 2 (FPSIMD) and ${maxLen - 1} steps at depth 2 with SVE`, () => {
    for (const policy of ["baseline", "nv-fp-elision"] as const) {
      const a = checkExhaustive(checkConfig(2, policy), maxLen);
      expect(a.violations).toBe(0);
      expect(a.schedules).toBe(Array.from({ length: maxLen + 1 }, (_, l) => l).reduce((s, l) => s + stepAlphabet(2, 0).length ** l, 0));
      expect(checkExhaustive(checkConfig(2, policy, { sveVl: 512 }), maxLen - 1).violations).toBe(0);
    }
  });

  it("deep nesting (fast engine): depth 4-8 with NV2 and 3-5 without, every level patched or a subset", () => {
    // (depth 8 with SVE is left to the CLI: the baseline moves FP/SVE state ~150,000 times per leaf event there, and
    // the oracle sees each movement: 4,000 steps take ~12 s)
    const deep = [
      { depth: 4, nv2: true, sveVl: 512 },
      { depth: 5, nv2: true, sveVl: 0 },
      { depth: 8, nv2: true, sveVl: 0 },
      { depth: 6, nv2: true, sveVl: 2048 },
      { depth: 3, nv2: false, sveVl: 256 },
      { depth: 5, nv2: false, sveVl: 0 },
    ];
    for (const policy of ["baseline", "nv-fp-elision"] as const) {
      deep.forEach((c, i) => {
        const all = Array.from({ length: c.depth }, (_, l) => l);
        for (const patch of [all, all.filter((l) => (i + l) % 2 === 0)]) {
          const r = checkRandom(checkConfig(c.depth, policy, { nv2: c.nv2, sveVl: c.sveVl, patch }), { steps: sized(4_000, 500), seed: 300 + i });
          expect(r.engine).toBe("fast");
          expect(r.violations).toBe(0);
        }
      });
    }
    // and the unsound variants are still caught that deep
    expect(checkRandom(checkConfig(8, "elide-always"), { steps: 500, seed: 1 }).violations).toBeGreaterThan(0);
    expect(checkRandom(checkConfig(6, "no-zcr-reset", { nv2: false, sveVl: 512 }), { steps: 2_000, seed: 1 }).violations).toBeGreaterThan(0);
  });

  it("property (fast-check): mixed adoption at depth 3 never loses state", () => {
    const alphabet = stepAlphabet(3, 512);
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...alphabet), { maxLength: 40 }), fc.subarray([0, 1, 2]), (sched, patch) => {
        expect(runSchedule(checkConfig(3, "nv-fp-elision", { patch, sveVl: 512 }), sched).at).toBe(-1);
      }),
      { numRuns: sized(300, 50), seed: 5 },
    );
  });
});
