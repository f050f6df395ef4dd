import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Machine } from "../../lib/engine/machine";
import { FP_POLICIES } from "../../lib/kvm/policy";
import { defaultModelConfig } from "../../lib/kvm/config";
import { FpOracle } from "../../lib/oracle/oracle";
import { LimitError } from "../../lib/util/errors";
import { type CheckConfig, checkConfig, checkRandom, runSchedule, stepAlphabet } from "../../lib/oracle/check";
import { sized } from "../tier";

/**
 * The oracle on the fast engine: memo records replay the FP observer calls their stepped handling made, so every
 * verdict must equal the exact engine's, for sound and unsound policies alike (the unsound ones violate often, so
 * both outcomes are exercised).
 */
describe("check gives the same verdicts on the fast and the exact engine", () => {
  it("over random configurations, policies and schedules: same first violation, at the same step", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.boolean(),
        fc.constantFrom(0, 256, 2048),
        fc.integer({ min: 0, max: 7 }),
        fc.constantFrom(...FP_POLICIES),
        fc.boolean(),
        fc.array(fc.nat(), { minLength: 1, maxLength: 30 }),
        (depth, nv2, sveVl, patchMask, policy, nvheIfDepth2, picks) => {
          if (!nv2 && depth > 2) return;
          const patch = Array.from({ length: depth }, (_, l) => l).filter((l) => (patchMask >> l) & 1);
          const base = checkConfig(depth, policy, { nv2, sveVl, patch, guestHyp: nvheIfDepth2 && depth === 2 ? "nvhe" : "vhe" });
          const alphabet = stepAlphabet(depth, sveVl);
          const schedule = picks.map((p) => alphabet[p % alphabet.length]!);
          const exact = runSchedule({ ...base, engine: "exact" } satisfies CheckConfig, schedule);
          const fast = runSchedule({ ...base, engine: "fast" }, schedule);
          expect(fast).toEqual(exact);
        },
      ),
      { numRuns: sized(300, 50), seed: 41 },
    );
  });

  it("random checks agree in full (violation count and shrunk counterexample) for every policy", () => {
    for (const policy of FP_POLICIES) {
      const c = checkConfig(2, policy, { sveVl: 512 });
      const exact = checkRandom({ ...c, engine: "exact" }, { steps: 3_000, seed: 5 });
      const fast = checkRandom({ ...c, engine: "fast" }, { steps: 3_000, seed: 5 });
      expect({ ...fast, engine: "exact" }).toEqual(exact);
      if (policy === "baseline" || policy === "nv-fp-elision") expect(fast.violations).toBe(0);
      else expect(fast.violations).toBeGreaterThan(0);
    }
  });

  it("the oracle's own work is bounded: past the observation budget the schedule is refused, on either engine", () => {
    for (const memo of [true, false]) {
      const m = new Machine(defaultModelConfig({ depth: 4, sveVl: 512, patch: [] }), {
        engine: memo ? "fast" : "exact",
        oracle: new FpOracle(4, 512),
        observationBudget: 200,
      });
      const go = (): void => {
        for (let i = 0; i < 20; i++) {
          m.leafFp();
          m.leafTrap({ ec: "DABT_LOW", reason: "mmio-user" });
        }
      };
      expect(go).toThrow(LimitError);
      expect(go).toThrow(/state movements/);
      expect(m.observations).toBeGreaterThan(200);
    }
  });
});
