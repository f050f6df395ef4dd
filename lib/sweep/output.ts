import { readFileSync } from "node:fs";
import { join } from "node:path";
import type * as Aq from "arquero";
import { ConfigError } from "../util/errors";
import { writeFileAtomic } from "../util/files";
import { toJsonValue } from "../util/json";
import type { SkippedPoint, SweepSpec } from "./grid";
import type { Cell, ColumnInfo, SweepRow } from "./rows";

/** arquero, loaded on first use: it costs ~150 ms of CPU at start-up, and most commands never need it */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const aq = (): typeof Aq => require("arquero") as typeof Aq;

/**
 * The result set of a sweep (or of one shard): results.json holds everything (spec, columns, skipped combinations,
 * rows); results.csv and results.arrow hold the rows. The files carry nothing that depends on how the sweep was
 * executed (workers, timing, resumes), so a sweep gives byte-identical files on any worker count, and merged shards
 * give the files of one unsharded run.
 */
export const RESULTS_FORMAT = "nestlab-sweep/1";
export const RESULT_FILES = ["results.csv", "results.json", "results.arrow"] as const;

export interface ShardInfo {
  readonly index: number;
  readonly count: number;
}

export interface ResultsDocument {
  readonly format: typeof RESULTS_FORMAT;
  readonly fingerprint: string;
  readonly spec: SweepSpec;
  /** runs of the whole sweep (all shards) */
  readonly runs: number;
  /** present only in a shard's results */
  readonly shard?: ShardInfo;
  readonly skipped: readonly SkippedPoint[];
  readonly columns: readonly ColumnInfo[];
  readonly rows: readonly SweepRow[];
}

/** Written atomically by lib/util/files.ts (a unique temporary file created exclusively, fsync, rename, directory fsync). */
export { writeFileAtomic };

export function resultsJson(doc: ResultsDocument): string {
  // one line per top-level field, per skipped combination, per column and per row: diffable, and cheap to stream
  const lines = Object.entries(toJsonValue(doc) as Record<string, unknown>).map(([k, v]) =>
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

/** Reads a results.json written by `sweep` or `merge` (e.g. to load results into a notebook, or to merge shards). */
export function readResults(dir: string): ResultsDocument {
  const file = join(dir, "results.json");
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new ConfigError("dir", dir, "a sweep output directory holding results.json");
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new ConfigError("dir", file, "a results.json written by nestlab sweep (the file is not valid JSON)");
  }
  const d = doc as Partial<ResultsDocument> | null;
  if (!d || d.format !== RESULTS_FORMAT || !Array.isArray(d.rows) || !Array.isArray(d.columns) || typeof d.fingerprint !== "string") {
    throw new ConfigError("dir", file, `a results.json of format ${RESULTS_FORMAT}`);
  }
  return d as ResultsDocument;
}
