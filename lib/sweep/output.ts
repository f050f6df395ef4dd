import { statSync } from "node:fs";
import { join } from "node:path";
import type * as Aq from "arquero";
import { ConfigError } from "../util/errors";
import { readInputFile, reason, RESULTS_MAX_BYTES, writeFileAtomic } from "../util/files";
import { toJsonValue } from "../util/json";
import type { SkippedPoint, SweepSpec } from "./grid";
import type { Cell, ColumnInfo, SweepRow } from "./rows";
import { rowSum } from "./verify";

/** arquero, loaded on first use: it costs ~150 ms of CPU at start-up, and most commands never need it */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const aq = (): typeof Aq => require("arquero") as typeof Aq;

/**
 * The result set of a sweep (or of one shard): results.json holds everything (fingerprint, the model's identity,
 * spec, columns, skipped combinations, rows, and a checksum per row bound to the fingerprint: `rowSums`);
 * results.csv and results.arrow hold the rows. The files carry nothing that depends on how the sweep was executed
 * (workers, timing, resumes), so a sweep gives byte-identical files on any worker count, and merged shards give the
 * files of one unsharded run.
 */
export const RESULTS_FORMAT = "nestlab-sweep/2";
export const RESULT_FILES = ["results.csv", "results.json", "results.arrow"] as const;

export interface ShardInfo {
  readonly index: number;
  readonly count: number;
}

export interface ResultsDocument {
  readonly format: typeof RESULTS_FORMAT;
  readonly fingerprint: string;
  /** the model's identity (lib/sweep/identity.ts) */
  readonly model: string;
  /** the kernel release the model pins, as outputs name it (lib/kvm/kernel.ts; also the first part of `model`) */
  readonly kernel: string;
  readonly spec: SweepSpec;
  /** runs of the whole sweep (all shards) */
  readonly runs: number;
  /** present only in a shard's results */
  readonly shard?: ShardInfo;
  readonly skipped: readonly SkippedPoint[];
  readonly columns: readonly ColumnInfo[];
  readonly rows: readonly SweepRow[];
}

export function resultsJson(doc: ResultsDocument): string {
  // one line per top-level field, per skipped combination, per column, per row and per row checksum: diffable, and
  // cheap to stream
  const withSums = { ...doc, rowSums: doc.rows.map((r) => rowSum(doc.fingerprint, r)) };
  const lines = Object.entries(toJsonValue(withSums) as Record<string, unknown>).map(([k, v]) =>
    Array.isArray(v) && k !== "zip"
      ? ` ${JSON.stringify(k)}: [${v.length ? "\n" + v.map((x) => "  " + JSON.stringify(x)).join(",\n") + "\n " : ""}]`
      : ` ${JSON.stringify(k)}: ${JSON.stringify(v)}`,
  );
  return `{\n${lines.join(",\n")}\n}\n`;
}

function csvCell(v: Cell): string {
  if (v === null) return "";
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function resultsCsv(columns: readonly ColumnInfo[], rows: readonly SweepRow[]): string {
  const lines = [columns.map((c) => csvCell(c.name)).join(",")];
  for (const r of rows) lines.push(columns.map((c) => csvCell(r[c.name] ?? null)).join(","));
  return lines.join("\n") + "\n";
}

/** Arrow IPC (file format): `bigint` columns as Int64 (exact), other numbers as inferred by arquero/flechette. */
export function resultsArrow(columns: readonly ColumnInfo[], rows: readonly SweepRow[]): Uint8Array {
  const data: Record<string, unknown[]> = {};
  for (const c of columns) {
    data[c.name] = rows.map((r) => {
      const v = r[c.name] ?? null;
      return c.type === "bigint" && v !== null ? BigInt(v) : v;
    });
  }
  return aq().toArrowIPC(aq().table(data), { format: "file" });
}

/** Writes results.csv, results.json and results.arrow into `dir`, each atomically. */
export function writeResults(dir: string, doc: ResultsDocument): void {
  writeFileAtomic(join(dir, "results.arrow"), resultsArrow(doc.columns, doc.rows));
  writeFileAtomic(join(dir, "results.csv"), resultsCsv(doc.columns, doc.rows));
  // results.json last: its presence marks a complete result set
  writeFileAtomic(join(dir, "results.json"), resultsJson(doc));
}

/** A results.json as read, with what its rows are checked against: their checksums and line numbers. */
export interface ResultsFile {
  readonly file: string;
  readonly doc: ResultsDocument;
  /** the checksum stored for each row (rowSums) */
  readonly sums: readonly unknown[];
  /** the line of rows[i] in the file (1-based), when the file is laid out as nestlab writes it */
  lineOf(i: number): number | undefined;
}

/**
 * Reads the results.json of a sweep output directory (a regular file, read without blocking), checking its shape;
 * `field` names the option or argument in errors.
 */
export function readResultsFile(dir: string, field = "directory"): ResultsFile {
  const file = join(dir, "results.json");
  const bad = (why: string): ConfigError => new ConfigError(field, dir, "", `invalid ${field === "directory" ? "directory" : "--" + field} '${dir}': ${why}`);
  try {
    if (!statSync(dir).isDirectory()) throw bad("not a directory (a sweep output directory holds results.json)");
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw bad(`${reason(e)} (a sweep output directory holding results.json is needed)`);
  }
  let text: string;
  try {
    text = readInputFile(file, field, "a sweep's results.json", RESULTS_MAX_BYTES);
  } catch (e) {
    if (e instanceof ConfigError) throw bad(`${file}: ${/\(([^()]*)\)$/.exec(e.accepted)?.[1] ?? e.accepted}`);
    throw e;
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw bad(`${file} is not valid JSON`);
  }
  const d = doc as (Partial<ResultsDocument> & { rowSums?: unknown }) | null;
  if (typeof d !== "object" || d === null || Array.isArray(d)) throw bad(`${file} is not a results document`);
  if ((d.format as unknown) === "nestlab-sweep/1") throw bad(`${file} was written by an older nestlab (nestlab-sweep/1): run the sweep again`);
  if (
    d.format !== RESULTS_FORMAT || !Array.isArray(d.rows) || !Array.isArray(d.columns) || typeof d.fingerprint !== "string" ||
    typeof d.model !== "string" || typeof d.spec !== "object" || d.spec === null || typeof d.runs !== "number" || !Array.isArray(d.skipped) ||
    !Array.isArray(d.rowSums) || d.rowSums.length !== d.rows.length
  ) {
    throw bad(`${file} is not a results.json of format ${RESULTS_FORMAT}`);
  }
  const { rowSums, ...rest } = d;
  const start = text.indexOf('\n "rows": [\n');
  const firstRowLine = start < 0 ? undefined : text.slice(0, start + 1).split("\n").length + 1;
  return {
    file,
    doc: rest as ResultsDocument,
    sums: rowSums as unknown[],
    lineOf: (i) => (firstRowLine === undefined ? undefined : firstRowLine + i),
  };
}

/** Reads a results.json written by `sweep` or `merge` (e.g. to load results into a notebook, or to merge shards). */
export function readResults(dir: string): ResultsDocument {
  return readResultsFile(dir).doc;
}
