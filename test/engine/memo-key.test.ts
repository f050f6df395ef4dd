import { BUILTIN_CHANGES } from "../../lib/changes/builtin";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  CONFIG_IN_MEMO_KEY,
  type ConfigKeyClassification,
  configMemoKey,
  LEVEL_BITS,
  LEVEL_STATE_IN_KEY,
  packLevel,
  type StateKeyClassification,
  unpackLevel,
} from "../../lib/engine/memo";
import { initialLevelState, type LevelState } from "../../lib/engine/types";
import { defaultModelConfig, type ModelConfig } from "../../lib/kvm/config";

/** A level state from random choices of every keyed field (patched, not in the key, stays as given). */
const arbLevel = fc.record({
  ctx: fc.constantFrom("hyp", "nested", "guest"),
  guestOwnsFp: fc.boolean(),
  foreignFp: fc.boolean(),
  bound: fc.constantFrom("none", "host", "vcpu"),
  inNestedEret: fc.boolean(),
  inNestedException: fc.boolean(),
  patched: fc.boolean(),
  lrInUse: fc.boolean(),
  timerMap: fc.constantFrom("hyp", "nested", "guest"),
  hostMode: fc.boolean(),
  zcrAtGuestVl: fc.boolean(),
  neonInWindow: fc.boolean(),
  debugOwner: fc.constantFrom("free", "guest"),
}) satisfies fc.Arbitrary<LevelState>;

const keyed = (Object.keys(LEVEL_STATE_IN_KEY) as (keyof LevelState)[]).filter((f) => {
  const p = LEVEL_STATE_IN_KEY[f];
  return typeof p === "string" || Array.isArray(p);
});

describe("the memo key, derived from the types", () => {
  it("a new ModelConfig or LevelState field does not compile until it is classified", () => {
    type MoreConfig = ModelConfig & { readonly newFeature: boolean };
    // @ts-expect-error: newFeature is not classified
    const c: ConfigKeyClassification<MoreConfig> = { ...CONFIG_IN_MEMO_KEY };
    type MoreState = LevelState & { newFlag: boolean };
    // @ts-expect-error: newFlag is not classified
    const s: StateKeyClassification<MoreState> = { ...LEVEL_STATE_IN_KEY };
    expect([c, s]).toBeDefined();
    // classified either way, they compile
    const c2: ConfigKeyClassification<MoreConfig> = { ...CONFIG_IN_MEMO_KEY, newFeature: { notInKey: "read by no handling" } };
    const s2: StateKeyClassification<MoreState> = { ...LEVEL_STATE_IN_KEY, newFlag: "flag" };
    expect([c2, s2]).toBeDefined();
  });

  it("packing keeps every keyed field of a level and nothing else, in LEVEL_BITS bits", () => {
    fc.assert(
      fc.property(arbLevel, arbLevel, (a, b) => {
        const v = packLevel(a);
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThan(2 ** LEVEL_BITS);
        // unpacking into another state copies every keyed field and leaves the others
        const into = { ...b };
        unpackLevel(into, v);
        for (const f of keyed) expect(into[f]).toBe(a[f]);
        expect(into.patched).toBe(b.patched);
        // two states pack alike exactly when their keyed fields are equal
        const same = keyed.every((f) => a[f] === b[f]);
        expect(packLevel(a) === packLevel(b)).toBe(same);
      }),
      { numRuns: 500 },
    );
  });

  it("each keyed configuration field changes the memo table's key", () => {
    const base = defaultModelConfig({ depth: 2 });
    const changed: Record<keyof ModelConfig, ModelConfig> = {
      depth: { ...base, depth: 3 },
      nv2: { ...base, nv2: false },
      ecv: { ...base, ecv: false },
      guestHyp: { ...base, guestHyp: "nvhe" },
      patch: { ...base, patch: [0] },
      sveVl: { ...base, sveVl: 512 },
      el2Vtimer: { ...base, el2Vtimer: true },
      physOffset: { ...base, physOffset: true },
      fgt: { ...base, fgt: false },
      nv2p1: { ...base, nv2p1: true },
      vpmu: { ...base, vpmu: false },
      lrs: { ...base, lrs: 2 },
      costs: { ...base, costs: { ...base.costs, hvcHandler: 61 } },
      fpPolicy: { ...base, fpPolicy: "elide-always" },
      changes: { ...base, changes: [{ change: BUILTIN_CHANGES.get("nv-pmu-elision")!, levels: [0] }] },
    };
    for (const [f, cfg] of Object.entries(changed) as [keyof ModelConfig, ModelConfig][]) {
      if (CONFIG_IN_MEMO_KEY[f] === "key") expect(configMemoKey(cfg), f).not.toBe(configMemoKey(base));
    }
    expect(initialLevelState(0, 2, true).patched).toBe(true);
  });
});
