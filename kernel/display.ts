/**
 * Display helpers for notebooks (tslab kernel, or kernel/runner.ts headless): tables, charts, progress, traces.
 *
 * Every output is one Jupyter display_data bundle written through tslab's current writer
 * (`require("tslab/dist/jupyter").lastWriteDisplayData`, which tslab points at the running cell), so a chart carries
 * its Vega-Lite spec (live in JupyterLab / VS Code), an SVG (static viewers, the report) and plain text together.
 * Outside a kernel (a plain script, a test) the text/plain part goes to stdout.
 *
 * Metadata under `nestlab` (kind, name, csv, record value) is what `npm run report` reads back from executed
 * notebooks to write report/*.csv and report/record.json.
 */
import { randomBytes } from "node:crypto";
import type { TopLevelSpec } from "vega-lite";
import { formatFtrace, titleText, type TraceRecord } from "../lib/index";
import { type ColumnKind, columnKind, columnTitle, formatBoolean, formatByKind, tablePercentDecimals } from "./format";
import { markdownToHtml } from "./markdown";
import { toSvg } from "./svg";

export { toSvg };

type Scalar = number | bigint | string | boolean | null | undefined;
type Row = { readonly [column: string]: Scalar };
/** Rows, or an arquero table (anything with `objects()` and `numRows()`). */
export type TableLike = readonly Row[] | { objects(options?: { limit?: number }): object[]; numRows(): number };

/** One display_data message as tslab's writer takes it (JSON MIME types hold objects). */
export interface DisplayBundle {
  readonly data: { readonly [mime: string]: string | object };
  readonly metadata: { readonly [key: string]: unknown };
  readonly transient?: { readonly display_id?: string };
}
type Writer = (d: DisplayBundle, update: boolean) => void;

/** The kernel's current writer, or null outside a kernel. */
function writer(): Writer | null {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const j = require("tslab/dist/jupyter") as { lastWriteDisplayData: Writer | null };
  return j.lastWriteDisplayData;
}

/** Writes one bundle (text/plain to stdout outside a kernel). */
export function display(bundle: DisplayBundle, update = false): void {
  const w = writer();
  if (w) w({ ...bundle, transient: bundle.transient ?? {} }, update);
  else {
    const t = bundle.data["text/plain"];
    process.stdout.write(`${typeof t === "string" ? t : "[display]"}\n`);
  }
}

const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** Numbers for people: integers with separators, others with `digits` significant decimals; bigint exact. */
export function formatCell(v: Scalar | object, digits = 4): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "bigint") return v.toLocaleString("en-US");
  if (typeof v === "number") {
    if (!Number.isFinite(v)) return String(v);
    if (Number.isInteger(v)) return v.toLocaleString("en-US");
    const a = Math.abs(v);
    // thousands and more to the unit ("90,388", not "90,388.3"); otherwise `digits` significant-ish decimals
    const frac = a >= 1000 ? 0 : a >= 100 ? 1 : a >= 1 ? digits - 1 : digits;
    return v.toLocaleString("en-US", { maximumFractionDigits: Math.min(frac, 20), minimumFractionDigits: 0 });
  }
  if (typeof v === "object") return JSON.stringify(v);
  return String(v);
}

function rowsOf(t: TableLike): { rows: Row[]; total: number } {
  if (Array.isArray(t)) return { rows: [...(t as readonly Row[])], total: t.length };
  const table = t as { objects(): object[]; numRows(): number };
  return { rows: table.objects() as Row[], total: table.numRows() };
}

function csvOf(columns: readonly string[], rows: readonly Row[]): string {
  const q = (v: Scalar): string => {
    if (v === null || v === undefined) return "";
    const s = String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [columns.map((c) => q(c)).join(","), ...rows.map((r) => columns.map((c) => q(r[c])).join(","))].join("\n") + "\n";
}

export interface ShowOptions {
  /** rows shown (default 20); the CSV in the metadata keeps them all */
  readonly limit?: number;
  readonly digits?: number;
  readonly caption?: string;
  /** file name stem for the report's CSV (default: the output's position) */
  readonly name?: string;
  /** more columns holding fractions shown as percent (reduction columns are found by name) */
  readonly percent?: readonly string[];
  /** header text per column (default: the column's title in words, kernel/format columnTitle) */
  readonly labels?: { readonly [column: string]: string };
}

/**
 * A table as HTML (first `limit` rows): headers in words, counts with separators, fractions of reduction columns as
 * percent (one precision per column), cycle and byte counts whole, durations in a readable unit (the header names the
 * quantity, the cell its unit), numbers right-aligned and text left-aligned, long text wrapped at spaces only (a table
 * wider than the page scrolls in its box); a text
 * fallback; the full table, raw, as CSV for the report.
 */
export function show(table: TableLike, o: ShowOptions = {}): void {
  const { rows, total } = rowsOf(table);
  const limit = o.limit ?? 20;
  const columns = rows[0] ? Object.keys(rows[0]) : [];
  const shown = rows.slice(0, limit);
  const numeric = columns.map((c) => shown.every((r) => r[c] === null || r[c] === undefined || typeof r[c] === "number" || typeof r[c] === "bigint"));
  const kinds: ColumnKind[] = columns.map((c) => ((o.percent ?? []).includes(c) ? "percent" : columnKind(c)));
  // one precision per percent column, so that a column's cells read alike: two decimals for values, as in the prose
  // (a 95% CI column as many as its smallest half-width needs)
  const decimals = columns.map((c, i) => (kinds[i] === "percent" ? tablePercentDecimals(c, shown.map((r) => r[c]).filter((v): v is number => typeof v === "number")) : undefined));
  // plain columns of non-integers: one number of decimals per column, from its largest value (`digits` significant
  // digits there, none from a thousand up), so that "12.2" and "101.7" line up instead of "12.226" and "101.7"
  const plainDecimals = columns.map((c, i) => {
    if (kinds[i] !== "plain") return undefined;
    const xs = shown.map((r) => r[c]).filter((v): v is number => typeof v === "number" && Number.isFinite(v));
    if (xs.length === 0 || xs.every((v) => Number.isInteger(v))) return undefined;
    const top = Math.max(...xs.map((v) => Math.abs(v)));
    return top === 0 ? 0 : Math.min(6, Math.max(0, (o.digits ?? 4) - 1 - Math.floor(Math.log10(top))));
  });
  const fmt = (r: Row, i: number): string => {
    const v = r[columns[i]!];
    if (typeof v === "boolean") return formatBoolean(columns[i]!, v);
    if (typeof v === "number" && Number.isFinite(v) && kinds[i] !== "plain") return formatByKind(kinds[i]!, v, decimals[i]);
    const pd = plainDecimals[i];
    if (typeof v === "number" && Number.isFinite(v) && pd !== undefined) return v.toLocaleString("en-US", { minimumFractionDigits: pd, maximumFractionDigits: pd });
    return formatCell(v, o.digits);
  };
  const titles = columns.map((c) => o.labels?.[c] ?? columnTitle(c));
  const align = (i: number): string => (numeric[i] ? "num" : "text");
  const cellHtml = (r: Row): string => columns.map((_c, i) => `<td class="${align(i)}">${esc(fmt(r, i))}</td>`).join("");
  const more = total > shown.length ? `<p><em>${(total - shown.length).toLocaleString("en-US")} more rows (${total.toLocaleString("en-US")} in all)</em></p>` : "";
  const html =
    `<div class="nestlab-table-wrap" style="max-width:100%;overflow-x:auto">` +
    `<table class="nestlab-table">${o.caption ? `<caption>${esc(o.caption)}</caption>` : ""}` +
    `<thead><tr>${titles.map((t, i) => `<th class="${align(i)}" title="${esc(columns[i]!)}">${esc(t)}</th>`).join("")}</tr></thead>` +
    `<tbody>${shown.map((r) => `<tr>${cellHtml(r)}</tr>`).join("")}</tbody></table></div>${more}`;
  const style =
    `<style>.nestlab-table td.num,.nestlab-table th.num{text-align:right}.nestlab-table td.text,.nestlab-table th.text{text-align:left}.nestlab-table th{white-space:normal}` +
    `.nestlab-table td.text{white-space:normal;overflow-wrap:normal;word-break:normal;max-width:40em}</style>`;
  const cells = shown.map((r) => columns.map((_c, i) => fmt(r, i)));
  const widths = columns.map((_c, i) => Math.max(titles[i]!.length, ...cells.map((r) => r[i]!.length)));
  const line = (xs: readonly string[]): string => xs.map((x, i) => (numeric[i] ? x.padStart(widths[i]!) : x.padEnd(widths[i]!))).join("  ").trimEnd();
  const text = [line(titles), ...cells.map(line)].join("\n") + (total > shown.length ? `\n... ${total - shown.length} more rows` : "");
  display({
    data: { "text/html": style + html, "text/plain": text },
    metadata: { nestlab: { kind: "table", name: o.name ?? null, csv: csvOf(columns, rows) } },
  });
}

/**
 * A notebook's conclusion, written from its own numbers: Markdown shown as a highlighted block (kind "conclusion" in
 * the report). `conclude(\`At depth 3 the patch saves ${formatPercent(r)} ...\`)`
 */
export function conclude(markdown: string): void {
  const html = `<div class="nestlab-conclusion" style="border-left:4px solid #0072B2;background:#f2f7fb;padding:4px 12px">${markdownToHtml(markdown)}</div>`;
  display({ data: { "text/markdown": markdown, "text/html": html, "text/plain": markdown }, metadata: { nestlab: { kind: "conclusion" } } });
}

export interface PlotOptions {
  /** file name stem for the report's CSV of the chart's data (default: the output's position) */
  readonly name?: string;
}

/**
 * One output carrying the chart three ways: application/vnd.vegalite.v5+json (interactive), image/svg+xml (rendered
 * here) and text/plain. Await it: `await plot(speedupByDepthChart(rows))`.
 */
export async function plot(spec: TopLevelSpec, o: PlotOptions = {}): Promise<void> {
  const svg = await toSvg(spec);
  const title = titleText(spec);
  const data = spec.data;
  const values = data !== null && typeof data === "object" && !Array.isArray(data) ? (data as { values?: unknown }).values : undefined;
  const rows = Array.isArray(values) ? (values as Row[]) : [];
  const columns = rows[0] ? Object.keys(rows[0]) : [];
  display({
    data: { "application/vnd.vegalite.v5+json": spec, "image/svg+xml": svg, "text/plain": `<Vega-Lite chart: ${title}, ${rows.length} data rows>` },
    metadata: { nestlab: { kind: "chart", name: o.name ?? null, title, csv: rows.length > 0 ? csvOf(columns, rows) : null } },
  });
}

export interface Progress {
  /** done of total; `what` is an optional label (e.g. the current point) */
  update(done: number, total: number, what?: string): void;
  /** the final state (100%, elapsed time) */
  finish(message?: string): void;
  /** a runSweep onProgress callback: `runSweep(plan, { onProgress: p.sweep })` */
  readonly sweep: (p: { done: number; total: number; etaMs?: number }) => void;
}

/**
 * An updating display (one output overwritten in place, by display_id, as tslab.newDisplay() does), throttled to ~5
 * updates per second so that a long sweep does not flood the notebook. It is marked `nestlab.kind: "progress"`: the
 * report (kernel/report.ts) leaves progress out, since a finished bar tells a reader nothing.
 */
export function progress(label = "progress"): Progress {
  const live = writer() !== null;
  const id = `nestlab-progress-${randomBytes(8).toString("hex")}`;
  let shown = false;
  const start = Date.now();
  let last = 0;
  const render = (done: number, total: number, note: string): void => {
    const pct = total > 0 ? Math.min(100, (100 * done) / total) : 0;
    const text = `${label}: ${done}/${total} (${pct.toFixed(0)}%)${note ? ` ${note}` : ""}`;
    const html =
      `<div class="nestlab-progress"><span>${esc(label)}</span> <progress value="${done}" max="${Math.max(total, 1)}"></progress> ` +
      `<span>${done}/${total} (${pct.toFixed(0)}%)${note ? ` ${esc(note)}` : ""}</span></div>`;
    if (live) {
      display({ data: { "text/html": html, "text/plain": text }, metadata: { nestlab: { kind: "progress" } }, transient: { display_id: id } }, shown);
      shown = true;
    } else process.stdout.write(`${text}\n`);
  };
  const update = (done: number, total: number, what?: string): void => {
    const now = Date.now();
    if (done < total && now - last < 200) return;
    last = now;
    render(done, total, what ?? "");
  };
  return {
    update,
    finish: (message?: string) => render(1, 1, message ?? `done in ${((Date.now() - start) / 1000).toFixed(1)} s`),
    sweep: (p) => update(p.done, p.total, p.etaMs !== undefined && p.done < p.total ? `eta ${(p.etaMs / 1000).toFixed(0)} s` : ""),
  };
}

export interface TraceViewOptions {
  /** records shown (default 200) */
  readonly limit?: number;
  readonly clockGhz?: number;
}

/**
 * A small trace view: event counts by level and name, then the first records as a table (time, level, event,
 * fields) with the ftrace-like text as the plain fallback.
 */
export function showTrace(records: readonly TraceRecord[], o: TraceViewOptions = {}): void {
  const limit = o.limit ?? 200;
  const ghz = o.clockGhz ?? 3.0;
  const counts = new Map<string, number>();
  for (const r of records) counts.set(`L${r.level} ${r.name}`, (counts.get(`L${r.level} ${r.name}`) ?? 0) + 1);
  const summary = [...counts.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([k, n]) => `<tr><td>${esc(k)}</td><td style="text-align:right">${n.toLocaleString("en-US")}</td></tr>`);
  const head = records.slice(0, limit);
  const rows = head.map((r) => {
    const fields = Object.entries(r.fields as Readonly<Record<string, unknown>>)
      .map(([k, v]) => `${k}=${typeof v === "bigint" ? v.toString() : String(v)}`)
      .join(" ");
    return `<tr><td style="text-align:right">${(r.ts / (ghz * 1000)).toFixed(3)}</td><td>L${r.level}</td><td>${esc(r.name)}</td><td><code>${esc(fields)}</code></td></tr>`;
  });
  const html =
    `<details open><summary>${records.length.toLocaleString("en-US")} trace records</summary>` +
    `<table class="nestlab-table"><thead><tr><th>level event</th><th>count</th></tr></thead><tbody>${summary.join("")}</tbody></table></details>` +
    `<table class="nestlab-table"><thead><tr><th>time (us)</th><th>level</th><th>event</th><th>fields</th></tr></thead><tbody>${rows.join("")}</tbody></table>` +
    (records.length > head.length ? `<p><em>${records.length - head.length} more records</em></p>` : "");
  display({ data: { "text/html": html, "text/plain": head.map((r) => formatFtrace(r, ghz)).join("\n") }, metadata: { nestlab: { kind: "trace" } } });
}

const jsonSafe = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? x.toString() : x)));

/**
 * Records what an experiment ran with (config, seeds, grid) for report/record.json; shows it as text.
 * `record("compare", { config, seed })`
 */
export function record(name: string, value: unknown): void {
  const v = jsonSafe(value);
  const items =
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.entries(v as Record<string, unknown>).map(([k, x]) => `<li><code>${esc(k)}</code>: ${esc(typeof x === "string" ? x : JSON.stringify(x))}</li>`).join("")
      : `<li>${esc(JSON.stringify(v))}</li>`;
  display({
    data: {
      "text/html": `<details class="nestlab-record"><summary>Run parameters (recorded as <code>${esc(name)}</code> in report/record.json)</summary><ul>${items}</ul></details>`,
      "text/plain": `parameters ${name}: ${JSON.stringify(v)}`,
    },
    metadata: { nestlab: { kind: "record", name, value: v } },
  });
}
