import { EXCEPTION_CLASS_NAMES } from "../arch/exceptions";
import { COUNTER_FIELDS, type CounterField, type LevelCounters, newLevelCounters } from "./counters";

/**
 * Where the engine keeps its totals: one flat Float64Array per machine. Per level [COUNTER_FIELDS...,
 * exits by exception class...], then cycles by [level 0..depth][mechanism], then the inclusive FP figures
 * [trap, traps, save, restore, zcr]. The exact engine increments it in place and the fast engine adds a recorded sparse
 * delta to it: neither allocates per trap.
 */

/** What the cycles being charged are spent on (the attribution's second axis). */
export const MECHANISMS = ["guest", "exception", "exit", "handler", "putload", "fp"] as const;
export type Mechanism = (typeof MECHANISMS)[number];

export const MECH_INDEX: Readonly<Record<Mechanism, number>> = { guest: 0, exception: 1, exit: 2, handler: 3, putload: 4, fp: 5 };
export const NM = MECHANISMS.length;
export const MECH_GUEST = MECH_INDEX.guest;
export const MECH_EXCEPTION = MECH_INDEX.exception;
export const MECH_EXIT = MECH_INDEX.exit;
export const MECH_HANDLER = MECH_INDEX.handler;
export const MECH_PUTLOAD = MECH_INDEX.putload;
export const MECH_FP = MECH_INDEX.fp;

/** counters per level (then the exits by exception class follow) */
export const NC = COUNTER_FIELDS.length;
/** index of each counter in a level's block */
export const COUNTER_INDEX = Object.fromEntries(COUNTER_FIELDS.map((f, i) => [f, i])) as Readonly<Record<CounterField, number>>;
const fieldIndex = (f: CounterField): number => COUNTER_INDEX[f];
export const F_L0TRAPS = fieldIndex("l0Traps");
export const F_EXITS = fieldIndex("exits");
export const F_FULL_EXITS = fieldIndex("fullExits");
export const F_FAST_EXITS = fieldIndex("fastExits");
export const F_NESTED_EXCEPTIONS = fieldIndex("nestedExceptions");
export const F_NESTED_ERETS = fieldIndex("nestedErets");
export const F_DIRECT_INJECTS = fieldIndex("directInjects");
export const F_FAST_ERETS = fieldIndex("fastErets");
export const F_FP_TRAPS = fieldIndex("fpTraps");
export const F_FP_SAVES = fieldIndex("fpSaves");
export const F_FP_RESTORES = fieldIndex("fpRestores");
export const F_FP_SAVES_ELIDED = fieldIndex("fpSavesElided");
export const F_FP_LOADS_ELIDED = fieldIndex("fpLoadsElided");
export const F_FP_BYTES = fieldIndex("fpBytes");
export const F_VNCR = fieldIndex("vncrAccesses");
export const F_VCPU_PUTS = fieldIndex("vcpuPuts");
export const F_VCPU_LOADS = fieldIndex("vcpuLoads");
export const F_HOST_FP_SAVES = fieldIndex("hostFpSaves");
export const F_HOST_FP_RESTORES = fieldIndex("hostFpRestores");

/** slots of the inclusive FP figures */
export const FP_TRAP = 0;
export const FP_TRAPS = 1;
export const FP_SAVE = 2;
export const FP_RESTORE = 3;
export const FP_ZCR = 4;
/** cycles of every FP/SVE register-file transfer (the call, the bytes, FPSR/FPCR), wherever it happens */
export const FP_MOVES = 5;
/** start of the per-level FP detail: FP_DETAIL_FIELDS per level */
export const FP_DETAIL = 6;

/**
 * Per level j (the level whose KVM or kernel acted), the outermost FP frames split by kind, each with the transfer
 * cycles inside it, the FP traps that level handled, and put_fp/load_fp's own work outside any frame (their interrupt
 * masking, which the change's early return skips). Read by compare's attribution of the saving (lib/run/compare.ts).
 */
export const FP_DETAIL_FIELDS = ["save", "saveMoves", "restore", "restoreMoves", "zcr", "zcrMoves", "trap", "trapMoves", "traps", "putFp"] as const;
export type FpDetailField = (typeof FP_DETAIL_FIELDS)[number];
export const FPD_SAVE = 0;
export const FPD_RESTORE = 2;
export const FPD_ZCR = 4;
export const FPD_TRAP = 6;
export const FPD_TRAPS = 8;
export const FPD_PUTFP = 9;
const NFPD = FP_DETAIL_FIELDS.length;
/** the detail kind (FPD_*) of an inclusive slot (FP_SAVE, FP_RESTORE, FP_ZCR) */
export const FPD_OF_SLOT: readonly number[] = [FPD_TRAP, -1, FPD_SAVE, FPD_RESTORE, FPD_ZCR];

/** One level's FP detail (cycles, and `traps` a count). */
export type FpDetailRow = { [K in FpDetailField]: number };

/** Inclusive cycles of FP work: outermost FP traps (and how many), FP saves, restores and ZCR switching. */
export interface FpInclusive {
  trap: number;
  traps: number;
  save: number;
  restore: number;
  zcr: number;
}

export interface FlatLayout {
  /** entries per level (counters, then exits by class) */
  readonly perLevel: number;
  /** start of cycles by [level][mechanism] */
  readonly attr: number;
  /** start of the inclusive FP figures */
  readonly fp: number;
  readonly length: number;
}

export function flatLayout(depth: number): FlatLayout {
  const perLevel = NC + EXCEPTION_CLASS_NAMES.length;
  const attr = depth * perLevel;
  const fp = attr + (depth + 1) * NM;
  return { perLevel, attr, fp, length: fp + FP_DETAIL + depth * NFPD };
}

// Readers: the totals as the library's types (fresh copies).

/** exact totals by level */
export function readCounters(acc: Float64Array, lay: FlatLayout, depth: number): LevelCounters[] {
  const out: LevelCounters[] = [];
  for (let j = 0; j < depth; j++) {
    const c = newLevelCounters();
    const base = j * lay.perLevel;
    for (let f = 0; f < NC; f++) c[COUNTER_FIELDS[f]!] = acc[base + f]!;
    for (let e = 0; e < EXCEPTION_CLASS_NAMES.length; e++) c.exitsByClass[EXCEPTION_CLASS_NAMES[e]!] = acc[base + NC + e]!;
    // a level's cycles are its row of cycles by mechanism (kept once, not twice, on the hot path)
    let cycles = 0;
    for (let mech = 0; mech < NM; mech++) cycles += acc[lay.attr + j * NM + mech]!;
    c.cycles = cycles;
    out.push(c);
  }
  return out;
}

/** cycles by [level][mechanism], level = whose software ran (0..depth, depth = the leaf) */
export function readAttribution(acc: Float64Array, lay: FlatLayout, depth: number): number[][] {
  const out: number[][] = [];
  for (let l = 0; l <= depth; l++) out.push(Array.from(acc.subarray(lay.attr + l * NM, lay.attr + (l + 1) * NM)));
  return out;
}

/** index of level j's FP detail field f (an FPD_* offset) */
export function fpDetailIndex(lay: FlatLayout, j: number, f: number): number {
  return lay.fp + FP_DETAIL + j * NFPD + f;
}

/** the FP detail: all transfer cycles, and per level the frames by kind, FP traps handled and put_fp's own work */
export function readFpDetail(acc: Float64Array, lay: FlatLayout, depth: number): { moves: number; byLevel: FpDetailRow[] } {
  const byLevel: FpDetailRow[] = [];
  for (let j = 0; j < depth; j++) {
    const row = {} as FpDetailRow;
    FP_DETAIL_FIELDS.forEach((f, i) => (row[f] = acc[fpDetailIndex(lay, j, i)]!));
    byLevel.push(row);
  }
  return { moves: acc[lay.fp + FP_MOVES]!, byLevel };
}

export function readFpInclusive(acc: Float64Array, lay: FlatLayout): FpInclusive {
  const b = lay.fp;
  return { trap: acc[b + FP_TRAP]!, traps: acc[b + FP_TRAPS]!, save: acc[b + FP_SAVE]!, restore: acc[b + FP_RESTORE]!, zcr: acc[b + FP_ZCR]! };
}
