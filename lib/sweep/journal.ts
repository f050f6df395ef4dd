import { closeSync, existsSync, fsyncSync, openSync, readFileSync, truncateSync, writeSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "../util/errors";
import type { ShardInfo } from "./output";
import type { SweepRow } from "./rows";

/**
 * The append-only journal of a sweep (DIR/journal.jsonl): a header line naming the sweep (fingerprint, shard), then
 * one JSON line per finished run, fsync'd before the next is accepted. A process killed at any moment leaves every
 * journaled row intact, plus at most one torn last line, which `--resume` drops (and rewrites) before continuing.
 */
export const JOURNAL_FILE = "journal.jsonl";
const JOURNAL_FORMAT = "nestlab-sweep-journal/1";

export interface JournalHeader {
  readonly journal: typeof JOURNAL_FORMAT;
  readonly fingerprint: string;
  readonly shard: ShardInfo | null;
  readonly runs: number;
}

export function journalPath(dir: string): string {
  return join(dir, JOURNAL_FILE);
}

/** Reads a journal: its header and the rows it holds by run index; with `repair`, a torn last line is cut off the file. */
export function readJournal(dir: string, repair: boolean): { header: JournalHeader; rows: Map<number, SweepRow> } | undefined {
  const file = journalPath(dir);
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, "utf8");
  const lines = text.split("\n");
  const rows = new Map<number, SweepRow>();
  let header: JournalHeader | undefined;
  let good = 0; // bytes of complete, valid lines
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const complete = i < lines.length - 1; // followed by a newline
    let obj: unknown;
    try {
      obj = complete ? JSON.parse(line) : undefined;
    } catch {
      obj = undefined;
    }
    if (obj === undefined) {
      if (complete && i < lines.length - 2) throw new ConfigError("resume", `${file}:${i + 1}`, "an intact sweep journal (a line in the middle is corrupt)");
      break; // the torn last line of a killed process
    }
    if (i === 0) {
      const h = obj as Partial<JournalHeader>;
      if (h.journal !== JOURNAL_FORMAT || typeof h.fingerprint !== "string") {
        throw new ConfigError("resume", file, `a journal of format ${JOURNAL_FORMAT}`);
      }
      header = h as JournalHeader;
    } else {
      const e = obj as { run?: unknown; row?: unknown };
      if (typeof e.run !== "number" || typeof e.row !== "object" || e.row === null) {
        throw new ConfigError("resume", `${file}:${i + 1}`, "an intact sweep journal (a line is not a journaled row)");
      }
      if (!rows.has(e.run)) rows.set(e.run, e.row as SweepRow);
    }
    good += Buffer.byteLength(line, "utf8") + 1;
  }
  if (!header) {
    // killed before the header reached the disk: nothing was journaled
    if (repair) truncateSync(file, 0);
    return undefined;
  }
  if (repair && good < Buffer.byteLength(text, "utf8")) truncateSync(file, good);
  return { header, rows };
}

/** An open journal to which rows are appended, each one fsync'd. */
export class JournalWriter {
  private fd: number;

  constructor(dir: string, header: JournalHeader | undefined) {
    this.fd = openSync(journalPath(dir), "a");
    if (header) this.line(header);
  }

  append(run: number, row: SweepRow): void {
    this.line({ run, row });
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  private line(obj: unknown): void {
    writeSync(this.fd, JSON.stringify(obj) + "\n");
    fsyncSync(this.fd);
  }
}
