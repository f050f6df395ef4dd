import { createHash } from "node:crypto";
import type { SweepPlan, SweepSpec } from "./grid";
import { runAt } from "./grid";
import type { ColumnInfo, SweepRow } from "./rows";

/**
 * Rows read back (a journal's on --resume, shards' results.json on merge) are checked before they are trusted: each
 * carries a checksum bound to the sweep's fingerprint, and each is checked against the plan: its run index, its
 * parameters equal to the planned point's, every metric of its column's type. The checksum is a guard against edits
 * and mix-ups (a row of another sweep, a metric changed by hand), not against someone forging rows on purpose: the
 * fingerprint is no secret.
 */

/** sha256 (16 hex digits) of the sweep's fingerprint and the row's JSON */
export function rowSum(fingerprint: string, row: SweepRow): string {
  return createHash("sha256").update(fingerprint).update("\n").update(JSON.stringify(row)).digest("hex").slice(0, 16);
}

const isSafeCount = (v: unknown): boolean => typeof v === "number" && Number.isSafeInteger(v) && v >= 0 && !Object.is(v, -0);
const isBigCount = (v: unknown): boolean => typeof v === "string" && /^[1-9][0-9]*$/.test(v) && BigInt(v) > BigInt(Number.MAX_SAFE_INTEGER);

/** Why `row` is not the row of run `run` of `plan` (with `columns`, the plan's), or undefined when it is. */
export function checkRow(plan: SweepPlan, columns: readonly ColumnInfo[], run: number, row: unknown): string | undefined {
  if (typeof row !== "object" || row === null || Array.isArray(row)) return "the row is not an object";
  const r = row as Record<string, unknown>;
  const keys = Object.keys(r);
  if (keys.length !== columns.length || keys.some((k, i) => k !== columns[i]!.name)) {
    const missing = columns.find((c) => !Object.hasOwn(r, c.name));
    const extra = keys.find((k) => !columns.some((c) => c.name === k));
    return missing ? `the row has no ${missing.name}` : extra !== undefined ? `the row has a column ${JSON.stringify(extra)} the sweep has not` : "the row's columns are out of order";
  }
  if (!Number.isSafeInteger(run) || run < 0 || run >= plan.runs) return `run ${String(run)} is outside the sweep (0..${plan.runs - 1})`;
  const at = runAt(plan, run);
  if (r.run !== run) return `the row's run ${JSON.stringify(r.run)} is not ${run}`;
  if (r.point !== at.point || r.replicate !== at.replicate) return `run ${run} is point ${at.point} replicate ${at.replicate}, not ${JSON.stringify(r.point)}/${JSON.stringify(r.replicate)}`;
  for (const c of plan.columns) {
    const want = at.params[c] ?? null;
    if (r[c] !== want) return `run ${run} has ${c} ${JSON.stringify(want)} in the plan, not ${JSON.stringify(r[c])}`;
  }
  const error = r.error;
  if (error !== null && typeof error !== "string") return `error is ${JSON.stringify(error)}, not null or a string`;
  for (const c of columns) {
    if (c.kind !== "metric" || c.name === "error") continue;
    const v = r[c.name];
    if (typeof error === "string") {
      if (v !== null) return `a run with an error has no metrics, but ${c.name} is ${JSON.stringify(v)}`;
      continue;
    }
    const ok =
      c.type === "bigint" ? isSafeCount(v) || isBigCount(v)
      : c.type === "integer" ? isSafeCount(v)
      : c.type === "number" ? typeof v === "number" && Number.isFinite(v) && v >= 0
      : c.type === "boolean" ? typeof v === "boolean"
      : typeof v === "string";
    if (!ok) return `${c.name} is ${JSON.stringify(v)}, not ${c.type === "bigint" ? "an exact count" : c.type === "integer" ? "a count" : `a ${c.type}`}`;
  }
  return undefined;
}

/**
 * What tells two sweeps apart, in words naming the input: the model, a workload file, the unit costs or the grid;
 * undefined when the specs and models are equal.
 */
export function specDifference(
  a: { readonly spec: SweepSpec; readonly model: string },
  b: { readonly spec: SweepSpec; readonly model: string },
  names: { readonly grid?: string; readonly costs?: string } = {},
): string | undefined {
  if (a.model !== b.model) return `the model (${a.model} against ${b.model}: nestlab's model sources changed)`;
  const pa = a.spec.profiles ?? {};
  const pb = b.spec.profiles ?? {};
  for (const f of [...new Set([...Object.keys(pa), ...Object.keys(pb)])].sort()) {
    const x = Object.hasOwn(pa, f) ? JSON.stringify(pa[f]) : undefined;
    const y = Object.hasOwn(pb, f) ? JSON.stringify(pb[f]) : undefined;
    if (x !== undefined && y !== undefined && x !== y) return `the workload file ${f} (its contents changed)`;
  }
  if (JSON.stringify(a.spec.costs) !== JSON.stringify(b.spec.costs)) {
    return `the unit costs (${names.costs !== undefined ? `--costs ${names.costs}` : "--costs"}${names.grid !== undefined ? ` or the costs of --grid ${names.grid}` : ""})`;
  }
  if (JSON.stringify([a.spec.axes, a.spec.zip, a.spec.seeds]) !== JSON.stringify([b.spec.axes, b.spec.zip, b.spec.seeds])) {
    return `the grid (${names.grid !== undefined ? `--grid ${names.grid} and the axis flags` : "the axis flags"}: axes, zip groups or seeds)`;
  }
  if (JSON.stringify(a.spec) !== JSON.stringify(b.spec)) return "the sweep's spec";
  return undefined;
}
