import { closeSync, constants, fsyncSync, openSync, truncateSync, writeSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "../util/errors";
import { INPUT_MAX_BYTES, isRegularOrAbsent, readInputFile, RESULTS_MAX_BYTES } from "../util/files";
import type { SweepSpec } from "./grid";
import type { ShardInfo } from "./output";
import type { SweepRow } from "./rows";
import { rowSum } from "./verify";

/**
 * The append-only journal of a sweep (DIR/journal.jsonl): a header line naming the sweep (fingerprint, model, spec,
 * shard), then one JSON line per finished run, `{"run": N, "row": {...}, "sum": CHECKSUM}`, fsync'd before the next
 * is accepted. A process killed at any moment leaves every journaled row intact, plus at most one torn last line,
 * which `--resume` drops (and rewrites) before continuing. Every other line is checked (lib/sweep/verify.ts): a line
 * whose checksum or contents do not fit the sweep is refused, naming the file and line.
 */
export const JOURNAL_FILE = "journal.jsonl";
export const JOURNAL_FORMAT = "nestlab-sweep-journal/2";

export interface JournalHeader {
  readonly journal: typeof JOURNAL_FORMAT;
  readonly fingerprint: string;
  readonly model: string;
  readonly spec: SweepSpec;
  readonly shard: ShardInfo | null;
  readonly runs: number;
}

/** One journaled row, as read: its line number (1-based) and its line's text. */
export interface JournalEntry {
  readonly line: number;
  readonly run: number;
  readonly row: SweepRow;
  readonly sum: unknown;
  readonly text: string;
}

export function journalPath(dir: string): string {
  return join(dir, JOURNAL_FILE);
}

const bad = (file: string, line: number, why: string): ConfigError =>
  new ConfigError("resume", `${file}:${line}`, "", `invalid --resume: ${file} line ${line}: ${why}`);

/**
 * Reads a journal: its header and its row lines; with `repair`, a torn last line (no newline, or not JSON) is cut off
 * the file. The journal must be a regular file. Rows are not checked against a plan here (lib/sweep/sweep.ts does).
 */
export function readJournal(dir: string, repair: boolean): { file: string; header: JournalHeader; entries: JournalEntry[] } | undefined {
  const file = journalPath(dir);
  const kind = isRegularOrAbsent(file);
  if (!kind.exists) return undefined;
  if (!kind.regular) throw new ConfigError("out", dir, "", `invalid --out '${dir}': its ${JOURNAL_FILE} is ${kind.what}, not a sweep journal`);
  const text = readInputFile(file, "resume", "a sweep journal", Math.max(RESULTS_MAX_BYTES, INPUT_MAX_BYTES));
  const lines = text.split("\n");
  const entries: JournalEntry[] = [];
  let header: JournalHeader | undefined;
  let good = 0; // bytes of complete, valid lines
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const complete = i < lines.length - 1; // followed by a newline
    const last = i >= lines.length - 2; // the last line with text (the final "" follows a newline)
    let obj: unknown;
    try {
      obj = complete ? JSON.parse(line) : undefined;
    } catch {
      obj = undefined;
    }
    if (obj === undefined) {
      if (complete && !last) throw bad(file, i + 1, "the line is not JSON (a journal is only ever torn at its end)");
      break; // the torn last line of a killed process
    }
    if (i === 0) {
      const h = obj as Partial<JournalHeader> & { journal?: unknown };
      if ((h.journal as unknown) === "nestlab-sweep-journal/1") {
        throw new ConfigError("resume", file, "", `invalid --resume: ${file} is the journal of an older nestlab (nestlab-sweep-journal/1): finish that sweep with the version that started it, or start it afresh in a new directory`);
      }
      if (
        typeof h !== "object" || h === null || h.journal !== JOURNAL_FORMAT || typeof h.fingerprint !== "string" || typeof h.model !== "string" ||
        typeof h.spec !== "object" || h.spec === null || typeof h.runs !== "number"
      ) {
        throw bad(file, 1, `not the header of a journal of format ${JOURNAL_FORMAT}`);
      }
      header = h as JournalHeader;
    } else {
      const e = obj as { run?: unknown; row?: unknown; sum?: unknown };
      if (typeof e !== "object" || e === null || Array.isArray(e) || typeof e.run !== "number" || typeof e.row !== "object" || e.row === null || Object.keys(e).length !== 3) {
        throw bad(file, i + 1, 'not a journaled row ({"run": N, "row": {...}, "sum": CHECKSUM})');
      }
      entries.push({ line: i + 1, run: e.run, row: e.row as SweepRow, sum: e.sum, text: line });
    }
    good += Buffer.byteLength(line, "utf8") + 1;
  }
  if (!header) {
    // killed before the header reached the disk: nothing was journaled
    if (repair) truncateSync(file, 0);
    return undefined;
  }
  if (repair && good < Buffer.byteLength(text, "utf8")) truncateSync(file, good);
  return { file, header, entries };
}

/** An open journal to which rows are appended, each one fsync'd. */
export class JournalWriter {
  private fd: number;

  constructor(
    dir: string,
    header: JournalHeader | undefined,
    private readonly fingerprint: string,
  ) {
    // never through a symlink: the directory was checked to hold a regular journal or none
    this.fd = openSync(journalPath(dir), constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW, 0o666);
    if (header) this.line(header);
  }

  append(run: number, row: SweepRow): void {
    this.line({ run, row, sum: rowSum(this.fingerprint, row) });
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  private line(obj: unknown): void {
    const buf = Buffer.from(JSON.stringify(obj) + "\n", "utf8");
    let off = 0;
    while (off < buf.length) off += writeSync(this.fd, buf, off, buf.length - off);
    fsyncSync(this.fd);
  }
}
