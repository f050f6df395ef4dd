import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { ConfigError } from "../util/errors";
import { runAt, specCosts, type SweepPlan } from "./grid";
import { JournalWriter, readJournal } from "./journal";
import { RESULTS_FORMAT, type ResultsDocument, type ShardInfo, writeResults } from "./output";
import { BUILD_HASH, defaultWorkers, type PoolTask, runPool } from "./pool";
import { BOOKKEEPING_COLUMNS, type ColumnInfo, METRIC_COLUMNS, parameterColumns, type SweepRow } from "./rows";

/**
 * Runs a sweep plan:
 *   1. select this shard's runs (run % count === index: round-robin, so every shard gets a share of each axis);
 *   2. with --out, check the directory (a journal there is continued only with --resume, and only if it is the same
 *      sweep and shard) before writing anything;
 *   3. run what the journal does not hold yet on the worker pool, journaling each row (fsync'd) as it arrives;
 *   4. order the rows by run index (never by completion) and write results.{csv,json,arrow} atomically.
 */
export interface SweepProgress {
  /** runs finished, of this shard's total (journaled runs of a resumed sweep included) */
  readonly done: number;
  readonly total: number;
  /** runs taken from the journal of an interrupted sweep */
  readonly resumed: number;
  readonly elapsedMs: number;
  /** estimated time to completion, from the rate of this session's runs */
  readonly etaMs: number | undefined;
}

export interface SweepOptions {
  /** worker threads (default os.availableParallelism(); 0 runs in this thread) */
  readonly workers?: number;
  /** directory for the journal and results.{csv,json,arrow} */
  readonly out?: string;
  /** continue the sweep journaled in `out` */
  readonly resume?: boolean;
  readonly shard?: ShardInfo;
  readonly onProgress?: (p: SweepProgress) => void;
  /** called after each new row is stored (journaled, with `out`); `stored` counts this session's rows */
  readonly onRow?: (row: SweepRow, stored: number) => void;
}

export function sweepColumns(plan: SweepPlan): ColumnInfo[] {
  return [...BOOKKEEPING_COLUMNS, ...parameterColumns(plan.columns), ...METRIC_COLUMNS];
}

/** Parses `I/N` (0 <= I < N). */
export function parseShard(raw: string): ShardInfo {
  const m = /^(\d+)\/(\d+)$/.exec(raw);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || !(count >= 1 && count <= 100_000) || !(index < count)) {
    throw new ConfigError("shard", raw, "I/N with 0 <= I < N (e.g. 0/4 .. 3/4)");
  }
  return { index, count };
}

export function shardRuns(runs: number, shard: ShardInfo | undefined): number[] {
  const out: number[] = [];
  const s = shard ?? { index: 0, count: 1 };
  for (let r = s.index; r < runs; r += s.count) out.push(r);
  return out;
}

/** Checks an output directory for a sweep; returns the journaled rows to keep. Writes nothing. */
export function checkOutDir(dir: string, plan: SweepPlan, resume: boolean, shard: ShardInfo | undefined): Map<number, SweepRow> {
  if (!existsSync(dir)) return new Map();
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    throw new ConfigError("out", dir, "a directory (new, empty, or holding a sweep to --resume)");
  }
  if (!resume) {
    if (entries.some((e) => e === "journal.jsonl" || e === "results.json")) {
      throw new ConfigError("out", dir, "a new or empty directory (this one holds a sweep: add --resume to continue it, or choose another)");
    }
    return new Map();
  }
  // read only: a torn last line is cut when the sweep really starts
  const j = readJournal(dir, false);
  if (!j) return new Map();
  const same = j.header.fingerprint === plan.fingerprint && j.header.runs === plan.runs;
  if (!same) throw new ConfigError("resume", dir, `the same grid as the sweep journaled there (fingerprint ${j.header.fingerprint}; this grid: ${plan.fingerprint})`);
  const hs = j.header.shard;
  if ((hs?.index ?? 0) !== (shard?.index ?? 0) || (hs?.count ?? 1) !== (shard?.count ?? 1)) {
    throw new ConfigError("resume", dir, `the same --shard as the journaled sweep (${hs ? `${hs.index}/${hs.count}` : "none"})`);
  }
  return j.rows;
}

export async function runSweep(plan: SweepPlan, o: SweepOptions = {}): Promise<ResultsDocument> {
  const shard = o.shard && o.shard.count > 1 ? o.shard : undefined;
  const mine = shardRuns(plan.runs, shard);
  const mineSet = new Set(mine);
  const rows = new Map<number, SweepRow>();
  let journal: JournalWriter | undefined;
  if (o.out !== undefined) {
    const kept = checkOutDir(o.out, plan, o.resume ?? false, shard);
    for (const [run, row] of kept) if (mineSet.has(run)) rows.set(run, row);
    mkdirSync(o.out, { recursive: true });
    const had = readJournal(o.out, true); // cuts a torn last line before appending
    journal = new JournalWriter(o.out, had ? undefined : { journal: "nestlab-sweep-journal/1", fingerprint: plan.fingerprint, shard: shard ?? null, runs: plan.runs });
  }
  const resumed = rows.size;
  const tasks: PoolTask[] = mine.filter((r) => !rows.has(r)).map((run) => ({ run, ...runAt(plan, run) }));
  const started = Date.now();
  let stored = 0;
  const progress = (): void => {
    if (!o.onProgress) return;
    const elapsedMs = Date.now() - started;
    const left = mine.length - rows.size;
    o.onProgress({ done: rows.size, total: mine.length, resumed, elapsedMs, etaMs: stored > 0 ? (elapsedMs / stored) * left : undefined });
  };
  progress();
  try {
    await runPool(tasks, { columns: plan.columns, base: specCosts(plan.spec), build: BUILD_HASH }, o.workers ?? defaultWorkers(), (row, run) => {
      journal?.append(run, row);
      rows.set(run, row);
      stored++;
      o.onRow?.(row, stored);
      progress();
    });
  } finally {
    journal?.close();
  }
  const doc: ResultsDocument = {
    format: RESULTS_FORMAT,
    fingerprint: plan.fingerprint,
    spec: plan.spec,
    runs: plan.runs,
    ...(shard ? { shard } : {}),
    skipped: plan.skipped,
    columns: sweepColumns(plan),
    rows: mine.map((r) => rows.get(r)!),
  };
  if (o.out !== undefined) writeResults(o.out, doc);
  return doc;
}
