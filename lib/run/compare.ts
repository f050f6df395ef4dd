import { MECHANISMS, type Mechanism } from "../engine/layout";
import { type RunOptions, type RunResult, runWorkload } from "./run";

/**
 * `compare`: the same fixed-work run (same seed, same leaf stream) with --patch none and with the given adoption.
 * The attribution says where the difference comes from: per level and mechanism (cycles executed by that level's
 * software), and the FP mechanism itself (saves and restores elided, FP traps avoided and their inclusive cost).
 */
export interface CompareResult {
  readonly baseline: RunResult;
  readonly patched: RunResult;
  /** baseline cycles / patched cycles */
  readonly speedup: number;
  /** 1 - patched / baseline (wall clock, at the same clock) */
  readonly wallReduction: number;
  readonly attribution: Attribution;
}

export interface Attribution {
  /** cycles saved (baseline - patched) by level of the software that ran and mechanism */
  readonly byLevelMechanism: readonly { level: number; mechanism: Mechanism; saved: bigint }[];
  /** per hypervisor level: FP saves, restores, FP traps and bytes avoided */
  readonly fpByLevel: readonly { level: number; fpSavesAvoided: bigint; fpRestoresAvoided: bigint; fpTrapsAvoided: bigint; fpBytesAvoided: bigint; nestedTransitions: bigint }[];
  readonly l0TrapsAvoided: bigint;
  /** outermost FP traps avoided, and the average inclusive cost of one such trap in the baseline */
  readonly fpTrapsAvoided: bigint;
  readonly cyclesPerFpTrap: number;
  /** inclusive cycles of FP traps / saves / restores / ZCR switching saved */
  readonly fpTrapCyclesSaved: bigint;
  readonly fpSaveCyclesSaved: bigint;
  readonly fpRestoreCyclesSaved: bigint;
  readonly zcrCyclesSaved: bigint;
  readonly totalSaved: bigint;
}

export function compareRuns(baseline: RunResult, patched: RunResult): CompareResult {
  const key = (l: number, m: Mechanism): string => `${l}|${m}`;
  const b = new Map(baseline.attribution.map((a) => [key(a.level, a.mechanism), a.cycles]));
  const p = new Map(patched.attribution.map((a) => [key(a.level, a.mechanism), a.cycles]));
  const byLevelMechanism: { level: number; mechanism: Mechanism; saved: bigint }[] = [];
  for (let level = 0; level <= baseline.depth; level++) {
    for (const mechanism of MECHANISMS) {
      const saved = (b.get(key(level, mechanism)) ?? 0n) - (p.get(key(level, mechanism)) ?? 0n);
      if (saved !== 0n) byLevelMechanism.push({ level, mechanism, saved });
    }
  }
  const fpByLevel = baseline.byLevel.map((bl, level) => {
    const pl = patched.byLevel[level]!;
    return {
      level,
      fpSavesAvoided: bl.fpSaves - pl.fpSaves,
      fpRestoresAvoided: bl.fpRestores - pl.fpRestores,
      fpTrapsAvoided: bl.fpTraps - pl.fpTraps,
      fpBytesAvoided: bl.fpBytes - pl.fpBytes,
      nestedTransitions: pl.nestedExceptions + pl.nestedErets,
    };
  });
  const bf = baseline.fpInclusive;
  const pf = patched.fpInclusive;
  return {
    baseline,
    patched,
    speedup: Number(baseline.cycles) / Number(patched.cycles),
    wallReduction: 1 - Number(patched.cycles) / Number(baseline.cycles),
    attribution: {
      byLevelMechanism,
      fpByLevel,
      l0TrapsAvoided: baseline.l0Traps - patched.l0Traps,
      fpTrapsAvoided: bf.traps - pf.traps,
      cyclesPerFpTrap: bf.traps > 0n ? Number(bf.trap) / Number(bf.traps) : 0,
      fpTrapCyclesSaved: bf.trap - pf.trap,
      fpSaveCyclesSaved: bf.save - pf.save,
      fpRestoreCyclesSaved: bf.restore - pf.restore,
      zcrCyclesSaved: bf.zcr - pf.zcr,
      totalSaved: baseline.cycles - patched.cycles,
    },
  };
}

export function runCompare(o: RunOptions): CompareResult {
  const baseline = runWorkload({ ...o, model: { ...o.model, patch: [] } });
  const patched = runWorkload(o);
  return compareRuns(baseline, patched);
}
