import * as aq from "arquero";
import { type AxisValue, isParameterColumn } from "./axes";
import { readResults } from "./output";
import { type Cell, METRIC_COLUMNS, type SweepRow } from "./rows";

/**
 * Sweep results as arquero tables, and the two analyses every sweep needs: speedup against a baseline value of one
 * axis (joined on every other parameter, seed included), and mean with a 95% confidence interval over seeds. Both are
 * arquero verbs (semijoin/lookup, groupby/rollup, derive); only the mean/sd/CI arithmetic is written out (seedStats).
 */

const BIGINT_COLUMNS = new Set(METRIC_COLUMNS.filter((c) => c.type === "bigint").map((c) => c.name));

type Row = Record<string, Cell>;
/** Named table expressions, as derive and rollup take them (arquero's ExprObject). */
type Exprs = Parameters<aq.ColumnTable["derive"]>[0];

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

const { escape, op } = aq;

/** A table's columns and its rows as a plain arquero table: no groups, filter or order (those of `t` applied). */
interface Input {
  /** the columns the helpers look at: an arquero table's, or the first row's keys for rows */
  readonly columns: readonly string[];
  readonly table: aq.ColumnTable;
}

/** `also`: columns read from every row even when the first row lacks them (the metrics asked for). */
function input(t: aq.ColumnTable | readonly SweepRow[], also: readonly string[]): Input {
  if (!Array.isArray(t)) {
    const table = (t as aq.ColumnTable).ungroup().reify();
    return { columns: table.columnNames(), table };
  }
  const rows = t as readonly SweepRow[];
  const columns = Object.keys(rows[0] ?? {});
  return { columns, table: aq.from(rows, [...columns, ...also.filter((c) => !columns.includes(c))]) };
}

/** Column names not in the table, for the steps' own columns (`__` + stem + index). */
function scratch(columns: readonly string[], stem: string, n: number): string[] {
  let prefix = `__${stem}`;
  while (columns.some((c) => c.startsWith(prefix))) prefix = `_${prefix}`;
  return Array.from({ length: n }, (_, i) => `${prefix}${i}`);
}

/**
 * Join and group keys compare parameter values as JSON values do, as these helpers always have: null, undefined,
 * NaN and +-Infinity are one "missing" value, which matches itself. arquero's joins skip null keys and its groupby
 * tells null, undefined and NaN apart, so each key column is compared through a copy with MISSING in their place (an
 * object: arquero keys it as "{}", which no number, string or boolean cell produces).
 */
const MISSING = Object.freeze({});
const keyCell = (v: unknown): unknown => (v === null || v === undefined || (typeof v === "number" && !Number.isFinite(v)) ? MISSING : v);

/** `table` with a key copy of each of `keys` (see MISSING); returns the table and the copies' names. */
function withKeys(table: aq.ColumnTable, keys: readonly string[]): { table: aq.ColumnTable; names: string[] } {
  const names = scratch(table.columnNames(), "key", keys.length);
  const exprs: Exprs = {};
  keys.forEach((c, i) => (exprs[names[i]!] = escape((d: Row) => keyCell(d[c]))));
  return { table: keys.length > 0 ? table.derive(exprs) : table, names };
}

const asNumber = (v: unknown): number => (typeof v === "number" ? v : typeof v === "string" ? Number(v) : NaN);
/** A cell as the output tables hold it (a row without the column gives null). */
const orNull = (c: string): Exprs[string] => escape((d: Row) => d[c] ?? null);

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
  const { columns, table } = input(t, [metric]);
  const params = columns.filter(isParameterColumn);
  if (!params.includes(o.axis)) throw new Error(`speedupTable: '${o.axis}' is not a parameter column (${params.join(", ")})`);
  const { axis, baseline } = o;
  const keyed = withKeys(table, params.filter((c) => c !== axis));
  const on: [string[], string[]] = [keyed.names, keyed.names];
  const base = keyed.table.filter(escape((d: Row) => d[axis] === baseline));
  const bname = `baseline${metric.charAt(0).toUpperCase()}${metric.slice(1)}`;
  const value = escape((d: Row) => asNumber(d[metric]));
  // lookup, not join: it keeps the order of the compared rows and takes the last of repeated baseline rows (a
  // semijoin first drops the rows without a partner)
  return keyed.table
    .filter(escape((d: Row) => d[axis] !== baseline))
    .semijoin(base, on)
    .lookup(base, on, { [bname]: value })
    .derive({
      ...Object.fromEntries(params.map((c) => [c, orNull(c)])),
      [metric]: value,
    })
    .derive({
      speedup: escape((d: Row) => (d[bname] as number) / (d[metric] as number)),
      reduction: escape((d: Row) => 1 - (d[metric] as number) / (d[bname] as number)),
    })
    .select([...params, bname, metric, "speedup", "reduction"])
    .reify();
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
  const over = o.over ?? "seed";
  const first = Array.isArray(t) ? Object.keys((t as readonly SweepRow[])[0] ?? {}) : (t as aq.ColumnTable).columnNames();
  const metrics = o.metrics ?? (first.includes("speedup") ? ["speedup", "reduction"] : ["cycles", "seconds", "overhead"]);
  const { columns, table } = input(t, metrics);
  const keys = columns.filter((c) => isParameterColumn(c) && c !== over);
  const statNames = (m: string): [string, string, string] => [`${m}Mean`, `${m}Sd`, `${m}Ci95`];
  const outColumns = [...keys, "n", ...metrics.flatMap(statNames)];
  // no rows, no groups (an ungrouped rollup would give one row)
  if (table.numRows() === 0) return aq.table(Object.fromEntries(outColumns.map((c) => [c, []])));

  const keyed = withKeys(table, keys);
  const [row, firstRow, count] = scratch(keyed.table.columnNames(), "row", 3) as [string, string, string];
  const xs = scratch(keyed.table.columnNames(), "x", metrics.length);
  const st = scratch(keyed.table.columnNames(), "stats", metrics.length);
  const numbers: Exprs = { [row]: op.row_number() };
  metrics.forEach((m, i) => (numbers[xs[i]!] = escape((d: Row) => asNumber(d[m]))));
  const rows = keyed.table.derive(numbers);
  // groups in order of their first row; each metric's numbers in row order (array_agg leaves out NaN: see seedStats)
  const rollup: Exprs = { [firstRow]: op.min(row), [count]: op.count() };
  xs.forEach((x) => (rollup[x] = op.array_agg(x)));
  let out = (keys.length > 0 ? rows.groupby(keyed.names) : rows).rollup(rollup);
  // the parameters as the group's first row has them
  if (keys.length > 0) out = out.lookup(rows, [[firstRow], [row]], keys).derive(Object.fromEntries(keys.map((c) => [c, orNull(c)])));
  // n: the group's rows (0 when no metric is asked for, as before)
  const stats: Exprs = { n: escape((d: Row) => (metrics.length > 0 ? d[count] : 0)) };
  xs.forEach((x, i) => (stats[st[i]!] = escape((d: Row) => seedStats(d[x] as unknown as number[], d[count] as number))));
  const summary: Exprs = {};
  metrics.forEach((m, i) => {
    const [mean, sd, ci95] = statNames(m);
    summary[mean] = escape((d: Row) => (d[st[i]!] as unknown as SeedStats).mean);
    summary[sd] = escape((d: Row) => (d[st[i]!] as unknown as SeedStats).sd);
    summary[ci95] = escape((d: Row) => (d[st[i]!] as unknown as SeedStats).ci95);
  });
  return out.derive(stats).derive(summary).select(outColumns).reify();
}

interface SeedStats {
  readonly mean: number;
  readonly sd: number;
  readonly ci95: number;
}

/**
 * Mean, sd and 95% CI half-width of one group's `n` values, of which `xs` are the numbers in row order (a value that
 * is no number, or is NaN, makes all three NaN). Written out rather than arquero's op.mean / op.stdev: those update a
 * running mean (Welford), which rounds differently from this sum / n in row order; the two differ in the last bits
 * for about half of real sweep groups, and these numbers are the ones the tables have always given.
 */
function seedStats(xs: readonly number[], n: number): SeedStats {
  if (xs.length !== n) return { mean: NaN, sd: NaN, ci95: NaN };
  const mean = xs.reduce((s, x) => s + x, 0) / n;
  const sd = n > 1 ? Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1)) : NaN;
  return { mean, sd, ci95: n > 1 ? (t95(n - 1) * sd) / Math.sqrt(n) : NaN };
}
