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
  return { perLevel, attr, fp, length: fp + 5 };
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

export function readFpInclusive(acc: Float64Array, lay: FlatLayout): FpInclusive {
  const b = lay.fp;
  return { trap: acc[b + FP_TRAP]!, traps: acc[b + FP_TRAPS]!, save: acc[b + FP_SAVE]!, restore: acc[b + FP_RESTORE]!, zcr: acc[b + FP_ZCR]! };
}
