/**
 * Numbers as people read them: times scaled to a readable unit, fractions as percentages, counts with separators,
 * column names in words. Used by the notebooks' tables and conclusions, the report and the README's generated
 * blocks. Data files (CSV, JSON, Arrow) keep raw values: fractions stay fractions there.
 */
import { fieldTitle, isPercentColumn } from "../lib/charts/style";
import { t95 } from "../lib/sweep/table";
import { formatDuration, formatPercent } from "../lib/util/format";

export { formatDuration, formatPercent, significant } from "../lib/util/format";

/** An integer count with separators. */
export function formatCount(v: number | bigint): string {
  return typeof v === "bigint" ? v.toLocaleString("en-US") : Math.round(v).toLocaleString("en-US");
}

/**
 * What a figure was run with, for a caption: "300 ms of leaf work per run, seeds 1–5" (`seeds`: the seeds, or one
 * seed). Figures of different run lengths and seeds differ in their last digits: every caption says which it is.
 */
export function formatRun(durationMs: number, seeds: readonly number[] | number): string {
  const list = typeof seeds === "number" ? [seeds] : [...seeds];
  const consecutive = list.length > 2 && list.every((x, i) => i === 0 || x === list[i - 1]! + 1);
  const s = list.length === 1 ? `seed ${list[0]}` : consecutive ? `seeds ${list[0]}–${list[list.length - 1]}` : `seeds ${list.join(", ")}`;
  return `${durationMs.toLocaleString("en-US")} ms of leaf work per run, ${s}`;
}

/** Mean, 95% confidence interval half-width (Student's t) and range of a sample (NaN interval below two values). */
export interface Summary {
  readonly n: number;
  readonly mean: number;
  readonly sd: number;
  readonly ci95: number;
  readonly min: number;
  readonly max: number;
}

export function summarize(xs: readonly number[]): Summary {
  const n = xs.length;
  const mean = n > 0 ? xs.reduce((s, x) => s + x, 0) / n : Number.NaN;
  const sd = n > 1 ? Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1)) : Number.NaN;
  return { n, mean, sd, ci95: n > 1 ? (t95(n - 1) * sd) / Math.sqrt(n) : Number.NaN, min: Math.min(...xs), max: Math.max(...xs) };
}

/** "2.90% (95% CI 2.88% to 2.92%, 5 seeds)" for a sample of fractions. */
export function formatPercentCi(s: Summary, digits = 2): string {
  if (!(s.n > 1) || !Number.isFinite(s.ci95)) return formatPercent(s.mean, digits);
  return `${formatPercent(s.mean, digits)} (95% CI ${formatPercent(s.mean - s.ci95, digits)} to ${formatPercent(s.mean + s.ci95, digits)}, ${s.n} seeds)`;
}

/** What kind of value a column holds, from its name: fractions read as percent, durations, whole counts, or plain. */
export type ColumnKind = "percent" | "points" | "seconds" | "milliseconds" | "nanoseconds" | "count" | "plain";

export function columnKind(column: string): ColumnKind {
  // a difference of two percentages (e.g. reductionSpan, highest - lowest) is in percentage points, not a percent
  if (isPercentColumn(column)) return /(Span|Pp)$/.test(column) ? "points" : "percent";
  // cycles and bytes are whole: a mean over exits is shown to the cycle ("301,597", not "301,596.8")
  if (/(^|[a-z])(cycles|bytes|Cycles|Bytes)([A-Z]|$)/.test(column) && !/Ci95$|(^|[a-z])(Per|per)[A-Z]/.test(column)) return "count";
  if (/([a-z]S|^s)econds$/.test(column)) return "seconds";
  if (/(^ns|Ns)$/.test(column)) return "nanoseconds";
  if (/(^ms|[a-z]Ms)$/.test(column)) return "milliseconds";
  return "plain";
}

/**
 * Decimals for a column of percentages: the same for every cell of the column (no "0.0090%" above "0.02%"), at least
 * two, and enough that the smallest non-zero value shows two significant digits (a span of 0.004% is not "0.00%"),
 * at most six.
 */
export function percentDecimals(fractions: readonly number[]): number {
  const small = fractions.filter((v) => Number.isFinite(v) && v !== 0).map((v) => Math.abs(v * 100));
  if (small.length === 0) return 2;
  const least = Math.min(...small);
  return Math.min(6, Math.max(2, 1 - Math.floor(Math.log10(least))));
}

/**
 * A difference of two fractions in percentage points: "0.25 pp", two decimals as the percentages it is taken from;
 * a non-zero difference below 0.005 points is "< 0.01 pp" (not "0.00 pp").
 */
export function formatPoints(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const pp = v * 100;
  if (pp !== 0 && Math.abs(pp) < 0.005) return pp > 0 ? "< 0.01 pp" : "> -0.01 pp";
  return `${pp.toFixed(2)} pp`;
}

/** Columns holding a hardware or model switch: shown as on/off (other true/false columns as yes/no). */
const SWITCH_COLUMNS = /^(nv2|nv|ecv|vhe|fgt|sve|el2Vtimer|e2h|[a-z]+Enabled)$/;

/** A boolean cell for people: "on"/"off" for switches such as NV2, else "yes"/"no" (never "true"/"false"). */
export function formatBoolean(column: string, v: boolean): string {
  return SWITCH_COLUMNS.test(column) ? (v ? "on" : "off") : v ? "yes" : "no";
}

/**
 * Decimals for a percent column of a table: a value column (a saving, a share) takes the two decimals the prose and
 * the other tables use, so one quantity reads the same everywhere ("2.20%", never "2.198%" beside "2.19%"); a 95% CI
 * column (`...Ci95`) takes percentDecimals, enough for its smallest half-width.
 */
export function tablePercentDecimals(column: string, fractions: readonly number[]): number {
  return /Ci95$/.test(column) ? percentDecimals(fractions) : 2;
}

/** A table's percentage: `decimals` decimals; a non-zero value that would round to zero is "< 0.01%" (not "0.00%"). */
export function formatPercentCell(v: number, decimals: number): string {
  if (!Number.isFinite(v)) return String(v);
  const p = v * 100;
  const least = 10 ** -decimals;
  if (p !== 0 && Math.abs(p) < least / 2) return p > 0 ? `< ${least.toFixed(decimals)}%` : `> -${least.toFixed(decimals)}%`;
  return `${p.toFixed(decimals)}%`;
}

/**
 * A value of a column of that kind, for people (numbers not of a special kind: see kernel/display formatCell).
 * `decimals`: a percent column's decimals (percentDecimals over the column), else formatPercent's own.
 */
export function formatByKind(kind: ColumnKind, v: number, decimals?: number): string {
  switch (kind) {
    case "percent":
      return decimals === undefined ? formatPercent(v) : formatPercentCell(v, decimals);
    case "points":
      return formatPoints(v);
    case "count":
      return formatCount(v);
    case "seconds":
      return formatDuration(v);
    case "milliseconds":
      return formatDuration(v / 1e3);
    case "nanoseconds":
      return formatDuration(v / 1e9);
    default:
      return String(v);
  }
}

const ACRONYMS: { readonly [word: string]: string } = { l0: "L0", fp: "FP", sve: "SVE", vl: "VL", erets: "ERETs", eret: "ERET", nv2: "NV2", mmio: "MMIO", io: "I/O", hvc: "HVC", vmm: "VMM", ecv: "ECV", el2: "EL2", cpu: "CPU", ci95: "95% CI ±" };

/** Short table headers for the common columns (charts use the longer FIELD_TITLES). */
const TABLE_TITLES: { readonly [column: string]: string } = {
  depth: "depth",
  sveVl: "SVE VL (bits)",
  ioRate: "I/O exits/s",
  nv2: "NV2",
  speedup: "speedup",
  wallReduction: "wall-clock time saved",
  reduction: "wall-clock time saved",
  patch: "patched levels",
  seed: "seed",
  seeds: "seeds",
};

/** A column's header in words: short titles for common columns, the charts' titles, else camelCase split into words. */
export function columnTitle(column: string): string {
  const short = TABLE_TITLES[column];
  if (short !== undefined) return short;
  const known = fieldTitle(column);
  if (known !== column) return known.replace(/ \(%\)$/, "");
  const ci = /^(.+)Ci95$/.exec(column);
  if (ci) return `${columnTitle(ci[1]!)}, 95% CI ±`;
  const mean = /^(.+)Mean$/.exec(column);
  if (mean) return `${columnTitle(mean[1]!)}, mean`;
  // a duration's cells carry their unit ("1.2 µs"): the header names the quantity, not the unit the data keep
  // ("timeNs": "time", not "time (time)")
  const timed = (base: string): string => (/\b(time|duration)\b/.test(base) ? base : `${base} (time)`);
  if (columnKind(column) === "seconds") return timed(columnTitle(column.replace(/Seconds$/, "")));
  if (columnKind(column) === "nanoseconds" && column !== "ns") return timed(columnTitle(column.replace(/Ns$/, "")));
  if (columnKind(column) === "milliseconds" && column !== "ms") return timed(columnTitle(column.replace(/Ms$/, "")));
  return column
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .split(/\s+/)
    .map((w) => ACRONYMS[w.toLowerCase()] ?? w.toLowerCase())
    .join(" ");
}
