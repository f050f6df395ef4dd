import * as aq from "arquero";
import { type AxisValue, isParameterColumn } from "./axes";
import { readResults } from "./output";
import { type Cell, METRIC_COLUMNS, type SweepRow } from "./rows";

/**
 * Sweep results as arquero tables, and the two analyses every sweep needs: speedup against a baseline value of one
 * axis (joined on every other parameter, seed included), and mean with a 95% confidence interval over seeds.
 */

const BIGINT_COLUMNS = new Set(METRIC_COLUMNS.filter((c) => c.type === "bigint").map((c) => c.name));

type Row = Record<string, Cell>;

/**
 * One row per run, columns as in results.csv. Exact integer metrics (`bigint` columns: numbers or decimal strings in
 * the rows) become JavaScript numbers: exact below 2^53, rounded above (use results.json for exact counts).
 */
export function resultsTable(rows: readonly SweepRow[]): aq.ColumnTable {
  const first = rows[0];
  if (!first) return aq.table({});
  const cols: Record<string, Cell[]> = {};
  for (const name of Object.keys(first)) {
    const big = BIGINT_COLUMNS.has(name);
    cols[name] = rows.map((r) => {
      const v = r[name] ?? null;
      return big && typeof v === "string" ? Number(v) : v;
    });
  }
  return aq.table(cols);
}

/** results.json of a sweep output directory as a table. */
export function loadResultsTable(dir: string): aq.ColumnTable {
  return resultsTable(readResults(dir).rows);
}

function objects(t: aq.ColumnTable | readonly SweepRow[]): Row[] {
  return Array.isArray(t) ? (t as Row[]) : ((t as aq.ColumnTable).objects() as Row[]);
}

function columnsOf(t: aq.ColumnTable | readonly SweepRow[]): string[] {
  if (Array.isArray(t)) return Object.keys((t as Row[])[0] ?? {});
  return (t as aq.ColumnTable).columnNames();
}

const keyOf = (r: Row, keys: readonly string[]): string => JSON.stringify(keys.map((k) => r[k] ?? null));
const asNumber = (v: Cell | undefined): number => (typeof v === "number" ? v : typeof v === "string" ? Number(v) : NaN);

export interface SpeedupOptions {
  /** the axis column compared, e.g. "patch" */
  readonly axis: string;
  /** its baseline value, e.g. "none" */
  readonly baseline: AxisValue;
  /** the metric compared (default "cycles": speedup = baseline cycles / cycles) */
  readonly metric?: string;
}

/**
 * Speedup of every non-baseline row against the baseline row with the same values of all other parameters (seed
 * included). Columns: the parameters, `baseline<Metric>`, the metric, `speedup` (baseline / value) and `reduction`
 * (1 - value / baseline). Rows without a baseline partner are dropped. E.g. patch=all vs patch=none:
 * `speedupTable(t, { axis: "patch", baseline: "none" })`.
 */
export function speedupTable(t: aq.ColumnTable | readonly SweepRow[], o: SpeedupOptions): aq.ColumnTable {
  const metric = o.metric ?? "cycles";
  const params = columnsOf(t).filter(isParameterColumn);
  if (!params.includes(o.axis)) throw new Error(`speedupTable: '${o.axis}' is not a parameter column (${params.join(", ")})`);
  const keys = params.filter((c) => c !== o.axis);
  const rows = objects(t);
  const base = new Map<string, number>();
  for (const r of rows) if (r[o.axis] === o.baseline) base.set(keyOf(r, keys), asNumber(r[metric]));
  const bname = `baseline${metric.charAt(0).toUpperCase()}${metric.slice(1)}`;
  const out: Record<string, Cell[]> = {};
  for (const c of [...params, bname, metric, "speedup", "reduction"]) out[c] = [];
  for (const r of rows) {
    if (r[o.axis] === o.baseline) continue;
    const b = base.get(keyOf(r, keys));
    if (b === undefined) continue;
    const v = asNumber(r[metric]);
    for (const c of params) out[c]!.push(r[c] ?? null);
    out[bname]!.push(b);
    out[metric]!.push(v);
    out.speedup!.push(b / v);
    out.reduction!.push(1 - v / b);
  }
  return aq.table(out);
}

/** Two-sided 95% quantiles of Student's t for 1..30 degrees of freedom; 1.96 beyond. */
const T95 = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131,
  2.12, 2.11, 2.101, 2.093, 2.086, 2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042];

export function t95(df: number): number {
  return df < 1 ? NaN : (T95[df - 1] ?? 1.96);
}

export interface SeedSummaryOptions {
  /** metrics to summarize (default cycles, seconds, overhead, or speedup when the table has it) */
  readonly metrics?: readonly string[];
  /** the replicate column averaged over (default "seed") */
  readonly over?: string;
}

/**
 * Mean and 95% confidence interval (Student's t) of each metric over seeds, grouped by every other parameter.
 * Columns: the parameters, `n`, and per metric `<m>Mean`, `<m>Sd`, `<m>Ci95` (half-width: the interval is mean +/-
 * ci95; NaN with one seed). Groups keep the order of their first row.
 */
export function seedSummary(t: aq.ColumnTable | readonly SweepRow[], o: SeedSummaryOptions = {}): aq.ColumnTable {
  const cols = columnsOf(t);
  const over = o.over ?? "seed";
  const metrics = o.metrics ?? (cols.includes("speedup") ? ["speedup", "reduction"] : ["cycles", "seconds", "overhead"]);
  const keys = cols.filter((c) => isParameterColumn(c) && c !== over);
  const groups = new Map<string, { first: Row; values: number[][] }>();
  for (const r of objects(t)) {
    const k = keyOf(r, keys);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { first: r, values: metrics.map(() => []) }));
    metrics.forEach((m, i) => g!.values[i]!.push(asNumber(r[m])));
  }
  const out: Record<string, Cell[]> = {};
  for (const c of [...keys, "n", ...metrics.flatMap((m) => [`${m}Mean`, `${m}Sd`, `${m}Ci95`])]) out[c] = [];
  for (const g of groups.values()) {
    for (const c of keys) out[c]!.push(g.first[c] ?? null);
    out.n!.push(g.values[0]?.length ?? 0);
    metrics.forEach((m, i) => {
      const xs = g.values[i]!;
      const n = xs.length;
      const mean = xs.reduce((s, x) => s + x, 0) / n;
      const sd = n > 1 ? Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1)) : NaN;
      out[`${m}Mean`]!.push(mean);
      out[`${m}Sd`]!.push(sd);
      out[`${m}Ci95`]!.push(n > 1 ? (t95(n - 1) * sd) / Math.sqrt(n) : NaN);
    });
  }
  return aq.table(out);
}
