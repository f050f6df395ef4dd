import { KERNEL } from "../kvm/kernel";
import { readdirSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "../util/errors";
import { checkOutputDir, isRegularOrAbsent, makeDirs, removeDirs } from "../util/files";
import { runAt, specCosts, specFingerprint, type SweepPlan } from "./grid";
import { JOURNAL_FILE, JOURNAL_FORMAT, JournalWriter, readJournal } from "./journal";
import { readResultsFile, RESULT_FILES, RESULTS_FORMAT, type ResultsDocument, type ShardInfo, writeResults } from "./output";
import { BUILD_HASH, defaultWorkers, type PoolTask, runPool } from "./pool";
import { BOOKKEEPING_COLUMNS, type ColumnInfo, METRIC_COLUMNS, parameterColumns, type SweepRow } from "./rows";
import { checkRow, rowSum, specDifference } from "./verify";

/**
 * Runs a sweep plan:
 *   1. select this shard's runs (run % count === index: round-robin, so every shard gets a share of each axis);
 *   2. with --out, check the directory (a journal there is continued only with --resume, and only if it is the same
 *      sweep and shard, every journaled row checked; the results of another sweep are never replaced) before
 *      writing anything;
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
  /** called once the output directory is checked, before anything is written or run */
  readonly onStart?: () => void;
  /** the input files the sweep was planned from, to name them in errors (the CLI's --grid and --costs) */
  readonly inputs?: { readonly grid?: string; readonly costs?: string };
}

export function sweepColumns(plan: SweepPlan): ColumnInfo[] {
  return [...BOOKKEEPING_COLUMNS, ...parameterColumns(plan.columns), ...METRIC_COLUMNS];
}

/** Parses `I/N` (0 <= I < N). */
export function parseShard(raw: string): ShardInfo {
  const m = /^(0|[1-9][0-9]{0,5})\/([1-9][0-9]{0,5})$/.exec(raw);
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

const OUT_ACCEPTED = "a directory: new, without sweep files, or holding this sweep to --resume";

/**
 * Checks an output directory for a sweep and returns the journaled rows to keep (each checked against the plan and
 * its checksum). Writes nothing. Refused: a path that is not (and cannot become) a writable directory; sweep files
 * that are not regular files; without --resume, any sweep files; with --resume, a journal of another sweep or shard,
 * a bad journal line, or the results of another sweep.
 */
export function checkOutDir(
  dir: string,
  plan: SweepPlan,
  resume: boolean,
  shard: ShardInfo | undefined,
  inputs: { readonly grid?: string; readonly costs?: string } = {},
): Map<number, SweepRow> {
  if (!checkOutputDir(dir, "out", OUT_ACCEPTED)) return new Map();
  const refuse = (why: string): ConfigError => new ConfigError("out", dir, "", `invalid --out '${dir}': ${why}`);
  const present: string[] = [];
  for (const f of [JOURNAL_FILE, ...RESULT_FILES]) {
    const k = isRegularOrAbsent(join(dir, f));
    if (k.exists && !k.regular) throw refuse(`its ${f} is ${k.what}, not a file nestlab wrote`);
    if (k.exists) present.push(f);
  }
  if (present.length === 0) return new Map();
  if (!resume) {
    throw refuse(
      present.includes(JOURNAL_FILE)
        ? "it holds a sweep (add --resume to continue it, or choose another directory)"
        : `it holds the results of a sweep (${present.join(", ")}): choose another directory`,
    );
  }
  const differs = (what: { spec: SweepPlan["spec"]; model: string }): string =>
    specDifference(what, { spec: plan.spec, model: plan.model }, inputs) ?? "its recorded spec (the file was edited)";
  const j = readJournal(dir, false); // read only: a torn last line is cut when the sweep really starts
  if (present.includes("results.json")) {
    const r = readResultsFile(dir, "out");
    if (r.doc.fingerprint !== plan.fingerprint) {
      throw refuse(`it holds the results of another sweep (fingerprint ${r.doc.fingerprint}, this one ${plan.fingerprint}: they differ in ${differs(r.doc)}); choose another directory`);
    }
    if (!j) throw refuse("it holds the complete results of this sweep and no journal: nothing to resume");
  }
  if (!j) throw refuse(`it holds sweep files (${present.join(", ")}) but no journal: nothing to resume; choose another directory`);
  const h = j.header;
  const resumeErr = (why: string): ConfigError => new ConfigError("resume", dir, "", `invalid --resume '${dir}': ${why}`);
  if (h.fingerprint !== specFingerprint(h.spec, h.model)) throw resumeErr(`the header of ${j.file} does not match its fingerprint (the file was edited)`);
  if (h.fingerprint !== plan.fingerprint || h.runs !== plan.runs) {
    throw resumeErr(`the sweep journaled there differs from this one in ${differs(h)}; resume with the inputs it started with, or start afresh in another directory`);
  }
  const hs = h.shard;
  if ((hs?.index ?? 0) !== (shard?.index ?? 0) || (hs?.count ?? 1) !== (shard?.count ?? 1)) {
    throw resumeErr(`it was journaled with --shard ${hs ? `${hs.index}/${hs.count}` : "none"}: resume with the same --shard`);
  }
  const columns = sweepColumns(plan);
  const mine = new Set(shardRuns(plan.runs, shard));
  const rows = new Map<number, SweepRow>();
  const texts = new Map<number, string>();
  for (const e of j.entries) {
    const bad = (why: string): ConfigError => new ConfigError("resume", `${j.file}:${e.line}`, "", `invalid --resume: ${j.file} line ${e.line}: ${why}`);
    if (e.sum !== rowSum(plan.fingerprint, e.row)) throw bad("its checksum does not match the row (the line was edited, or comes from another sweep)");
    const why = checkRow(plan, columns, e.run, e.row);
    if (why !== undefined) throw bad(why);
    if (!mine.has(e.run)) throw bad(`run ${e.run} is not one of this shard's runs`);
    const seen = texts.get(e.run);
    if (seen !== undefined) {
      if (seen !== e.text) throw bad(`run ${e.run} is journaled twice with different rows`);
      continue; // the same line twice: harmless
    }
    texts.set(e.run, e.text);
    rows.set(e.run, e.row);
  }
  return rows;
}

/**
 * The temporary result files a killed sweep left (`.results.csv.PID.RANDOM.tmp`, lib/util/files.ts tempName) are
 * removed when it is resumed, if their process is gone.
 */
function removeStaleTemps(dir: string): void {
  for (const name of readdirSync(dir)) {
    const m = /^\.results\.(csv|json|arrow)\.(\d+)\.[0-9a-f]{12}\.tmp$/.exec(name);
    if (!m) continue;
    try {
      process.kill(Number(m[2]), 0);
      continue; // its writer is alive
    } catch (e) {
      // EPERM: alive, another user's; ESRCH: gone, removed below
      if ((e as NodeJS.ErrnoException).code !== "ESRCH") continue;
    }
    try {
      unlinkSync(join(dir, name));
    } catch {
      // removed already
    }
  }
}

export async function runSweep(plan: SweepPlan, o: SweepOptions = {}): Promise<ResultsDocument> {
  const shard = o.shard && o.shard.count > 1 ? o.shard : undefined;
  const mine = shardRuns(plan.runs, shard);
  const mineSet = new Set(mine);
  const rows = new Map<number, SweepRow>();
  let journal: JournalWriter | undefined;
  if (o.out !== undefined) {
    const kept = checkOutDir(o.out, plan, o.resume ?? false, shard, o.inputs);
    for (const [run, row] of kept) if (mineSet.has(run)) rows.set(run, row);
    const made = makeDirs(o.out, "out", OUT_ACCEPTED);
    if (o.resume) removeStaleTemps(o.out);
    try {
      const had = readJournal(o.out, true); // cuts a torn last line before appending
      const header = { journal: JOURNAL_FORMAT, fingerprint: plan.fingerprint, model: plan.model, spec: plan.spec, shard: shard ?? null, runs: plan.runs } as const;
      journal = new JournalWriter(o.out, had ? undefined : header, plan.fingerprint);
    } catch (e) {
      removeDirs(made);
      throw e;
    }
    o.onStart?.();
  } else {
    o.onStart?.();
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
    const init = { columns: plan.columns, base: specCosts(plan.spec), profiles: plan.spec.profiles ?? {}, build: BUILD_HASH };
    await runPool(tasks, init, o.workers ?? defaultWorkers(), (row, run) => {
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
    model: plan.model,
    kernel: KERNEL.name,
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
