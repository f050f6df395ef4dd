import { COUNTER_FIELDS } from "../engine/counters";
import type { RunEvents, RunResult } from "../run/run";
import { toJsonValue } from "../util/json";
import { AXES, type AxisType, COST_AXES, HW_AXES, SEED_AXIS } from "./axes";

/**
 * One row of a sweep: bookkeeping (run, point, replicate), every parameter, every metric.
 *
 * Exactness (docs/counters.md "Exactness"): columns of type `bigint` are exact integers. In rows, results.json and the
 * journal they are a JSON number when the value is a safe integer (|v| <= 2^53 - 1) and a decimal string otherwise;
 * results.csv prints them in decimal; results.arrow stores them as Int64. `resultsTable` turns them into JavaScript
 * numbers for analysis (exact below 2^53, rounded to 53 bits above: fine for ratios, not for exact counts).
 */
export type Cell = number | string | boolean | null;
export type SweepRow = { readonly [column: string]: Cell };

export type ColumnType = AxisType | "bigint";
export interface ColumnInfo {
  readonly name: string;
  readonly kind: "bookkeeping" | "parameter" | "metric";
  readonly type: ColumnType;
  readonly description: string;
}

export const BOOKKEEPING_COLUMNS: readonly ColumnInfo[] = [
  { name: "run", kind: "bookkeeping", type: "integer", description: "index of the run in the whole sweep (point * seeds + replicate)" },
  { name: "point", kind: "bookkeeping", type: "integer", description: "index of the parameter point (forbidden combinations excluded)" },
  { name: "replicate", kind: "bookkeeping", type: "integer", description: "index of the seed (0..seeds-1)" },
];

const EVENT_NAMES: readonly (keyof RunEvents)[] = [
  "io", "ioUser", "ioIrq", "ipi", "s2fault", "wfi", "fpSlices", "leafTicks", "hypTicks", "hostPreempts", "hostNeon",
];
const COUNTERS = COUNTER_FIELDS.filter((f) => f !== "cycles");

const metric = (name: string, type: ColumnType, description: string): ColumnInfo => ({ name, kind: "metric", type, description });

export const METRIC_COLUMNS: readonly ColumnInfo[] = [
  metric("cycles", "bigint", "simulated total cycles of the run"),
  metric("seconds", "number", "cycles / clock"),
  metric("usefulCycles", "bigint", "native work of the leaf (the fixed work)"),
  metric("overhead", "number", "wall-clock overhead factor: cycles / usefulCycles (1 = native)"),
  metric("leafExits", "bigint", "exceptions the leaf took out of its own context"),
  ...COUNTERS.map((f) => metric(f, "bigint", `${f}, summed over the hypervisor levels (docs/counters.md "Counter fields")`)),
  metric("fpTrapCycles", "bigint", "inclusive cycles of the outermost FP traps"),
  metric("fpTrapsOutermost", "bigint", "outermost FP traps"),
  metric("fpSaveCycles", "bigint", "inclusive cycles of FP/SVE saves"),
  metric("fpRestoreCycles", "bigint", "inclusive cycles of FP/SVE restores"),
  metric("zcrCycles", "bigint", "inclusive cycles of ZCR switching"),
  ...EVENT_NAMES.map((e) => metric(`events.${e}`, "integer", `leaf and host events delivered: ${e}`)),
  metric("error", "string", "why the engine refused this run (e.g. beyond its limits); empty when it ran"),
];

/** Parameter columns for the given parameter names (as planned), with their types and descriptions. */
export function parameterColumns(columns: readonly string[]): ColumnInfo[] {
  const all = [...AXES, ...HW_AXES, ...COST_AXES, SEED_AXIS];
  return columns.map((c) => {
    const a = all.find((x) => x.column === c);
    return { name: c, kind: "parameter", type: a?.type ?? "string", description: a?.description ?? c };
  });
}

/** The metric cells of a completed run. */
export function metricCells(r: RunResult): Record<string, Cell> {
  const out: Record<string, Cell> = {};
  const big = (v: bigint): Cell => toJsonValue(v) as number | string;
  const sum = (f: (typeof COUNTERS)[number]): bigint => r.byLevel.reduce((s, l) => s + l[f], 0n);
  out.cycles = big(r.cycles);
  out.seconds = r.seconds;
  out.usefulCycles = big(r.usefulCycles);
  out.overhead = r.usefulCycles > 0n ? Number(r.cycles) / Number(r.usefulCycles) : null;
  out.leafExits = big(r.leafExits);
  for (const f of COUNTERS) out[f] = big(sum(f));
  out.fpTrapCycles = big(r.fpInclusive.trap);
  out.fpTrapsOutermost = big(r.fpInclusive.traps);
  out.fpSaveCycles = big(r.fpInclusive.save);
  out.fpRestoreCycles = big(r.fpInclusive.restore);
  out.zcrCycles = big(r.fpInclusive.zcr);
  for (const e of EVENT_NAMES) out[`events.${e}`] = r.events[e];
  out.error = null;
  return out;
}

/** The metric cells of a run the engine refused (a deterministic outcome, kept so that the row set is complete). */
export function errorCells(message: string): Record<string, Cell> {
  const out: Record<string, Cell> = {};
  for (const c of METRIC_COLUMNS) out[c.name] = null;
  out.error = message;
  return out;
}
