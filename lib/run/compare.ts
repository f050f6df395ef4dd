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
  /** the saving split by mechanism and level: buckets that sum exactly to attribution.totalSaved */
  readonly saving: readonly SavingBucket[];
}

/**
 * The mechanisms the saving is split into (docs/runs.md "compare"). `level` is the level whose KVM or kernel acted:
 * for FP frames the level of the outermost frame (an FP trap: the level that handled it), for the wall-time events
 * none. The buckets are disjoint: transfer cycles are taken out of the frames that contain them.
 */
export const SAVING_MECHANISMS = {
  "fp-moves": "FP/SVE register-file transfers (bytes saved and restored, with the call and FPSR/FPCR)",
  "fp-trap-l0": "FP traps handled on L0's fast path, besides the restore",
  "fp-trap-forwarded": "FP traps forwarded to a guest hypervisor, with their nested round trips, besides the restore",
  "fp-save": "FP saves (put_fp, load_fp, NEON, context switch), besides the transfer: the FP access they need",
  "fp-restore": "the VMM's FP state restored on its way back to user space, besides the transfer",
  zcr: "the lazy ZCR switch and trapped ZCR_EL2 accesses, besides the restore",
  "put-fp": "put_fp's interrupt masking, which the early return skips",
  "wall-events": "ticks and host events outside FP work: a shorter run takes fewer of them",
  other: "the remainder: state-dependent differences in the rest of the handling",
} as const;
export type SavingMechanism = keyof typeof SAVING_MECHANISMS;

export interface SavingBucket {
  readonly mechanism: SavingMechanism;
  /** the level whose KVM acted, or null (wall-time events, other) */
  readonly level: number | null;
  readonly saved: bigint;
}

export interface Attribution {
  /** cycles saved (baseline - patched) by level of the software that ran and mechanism */
  readonly byLevelMechanism: readonly { level: number; mechanism: Mechanism; saved: bigint }[];
  /** per hypervisor level: FP saves, restores, FP traps and bytes avoided */
  readonly fpByLevel: readonly { level: number; fpSavesAvoided: bigint; fpRestoresAvoided: bigint; fpTrapsAvoided: bigint; fpBytesAvoided: bigint; nestedTransitions: bigint }[];
  readonly l0TrapsAvoided: bigint;
  /**
   * outermost FP traps avoided (FP traps raised outside any other FP work: a first FP use by the leaf, a VMM or a
   * guest hypervisor's kernel), and the average inclusive cost of one such trap in the baseline
   */
  readonly fpTrapsAvoided: bigint;
  /**
   * every FP trap avoided, summed over the levels that handled them (fpByLevel's fpTrapsAvoided): the outermost ones and
   * those raised inside other FP work (a guest hypervisor's put_fp saving its guest's registers, the restore of an FP
   * trap it handles), so it is at least fpTrapsAvoided
   */
  readonly fpTrapsHandledAvoided: bigint;
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
  const totalSaved = baseline.cycles - patched.cycles;
  return {
    saving: savingBuckets(baseline, patched, totalSaved),
    baseline,
    patched,
    speedup: Number(baseline.cycles) / Number(patched.cycles),
    wallReduction: 1 - Number(patched.cycles) / Number(baseline.cycles),
    attribution: {
      byLevelMechanism,
      fpByLevel,
      l0TrapsAvoided: baseline.l0Traps - patched.l0Traps,
      fpTrapsAvoided: bf.traps - pf.traps,
      fpTrapsHandledAvoided: fpByLevel.reduce((t, l) => t + l.fpTrapsAvoided, 0n),
      cyclesPerFpTrap: bf.traps > 0n ? Number(bf.trap) / Number(bf.traps) : 0,
      fpTrapCyclesSaved: bf.trap - pf.trap,
      fpSaveCyclesSaved: bf.save - pf.save,
      fpRestoreCyclesSaved: bf.restore - pf.restore,
      zcrCyclesSaved: bf.zcr - pf.zcr,
      totalSaved,
    },
  };
}

/** The saving by mechanism and level (SAVING_MECHANISMS), non-zero buckets only; `other` closes the sum. */
export function savingBuckets(baseline: RunResult, patched: RunResult, totalSaved: bigint): SavingBucket[] {
  const out: SavingBucket[] = [];
  const push = (mechanism: SavingMechanism, level: number | null, saved: bigint): void => {
    if (saved !== 0n) out.push({ mechanism, level, saved });
  };
  const pairs = baseline.fpDetail.byLevel.map((b, j) => [b, patched.fpDetail.byLevel[j]!] as const);
  const d = (f: (r: RunResult["fpDetail"]["byLevel"][number]) => bigint, j: number): bigint => f(pairs[j]![0]) - f(pairs[j]![1]);
  for (let j = 0; j < pairs.length; j++) push("fp-moves", j, d((r) => r.saveMoves + r.restoreMoves + r.zcrMoves + r.trapMoves, j));
  for (let j = 0; j < pairs.length; j++) push(j === 0 ? "fp-trap-l0" : "fp-trap-forwarded", j, d((r) => r.trap - r.trapMoves, j));
  for (let j = 0; j < pairs.length; j++) push("fp-save", j, d((r) => r.save - r.saveMoves, j));
  for (let j = 0; j < pairs.length; j++) push("fp-restore", j, d((r) => r.restore - r.restoreMoves, j));
  for (let j = 0; j < pairs.length; j++) push("zcr", j, d((r) => r.zcr - r.zcrMoves, j));
  for (let j = 0; j < pairs.length; j++) push("put-fp", j, d((r) => r.putFp, j));
  const wall = (r: RunResult): bigint => r.wallEvents.cycles - r.wallEvents.fpCycles;
  push("wall-events", null, wall(baseline) - wall(patched));
  const named = out.reduce((s, b) => s + b.saved, 0n);
  push("other", null, totalSaved - named);
  return out;
}

/** compare's baseline model: o.compareBaseline (the model without the --change list), else the model with --patch none */
export function compareBaseline(o: RunOptions): RunOptions["model"] {
  return o.compareBaseline ?? { ...o.model, patch: [] };
}

/** Part i of n equal parts of one progress (named `what`): its done/total becomes the whole's; undefined without one. */
export function progressPart(p: RunOptions["progress"], i: number, n: number, what: string): RunOptions["progress"] {
  return p && ((d, t) => p(i * t + d, n * t, what));
}

/** Both runs; progress (when asked for) covers the two: the baseline's work is the first half, the patched run's the second. */
export function runCompare(o: RunOptions): CompareResult {
  const baseline = runWorkload({ ...o, model: compareBaseline(o), progress: progressPart(o.progress, 0, 2, "compare baseline run") });
  const patched = runWorkload({ ...o, progress: progressPart(o.progress, 1, 2, "compare patched run") });
  return compareRuns(baseline, patched);
}
