import { ConfigError } from "../util/errors";
import { planSpec, specFingerprint } from "./grid";
import { modelIdentity } from "./identity";
import { readResultsFile, RESULTS_FORMAT, type ResultsDocument, type ResultsFile } from "./output";
import type { SweepRow } from "./rows";
import { sweepColumns } from "./sweep";
import { checkRow, rowSum, specDifference } from "./verify";

/**
 * Combines the results of the shards of one sweep into the result set one unsharded run gives: the same spec
 * (fingerprint), every shard exactly once, rows ordered by run index. Refused, with the reason: shards of different
 * sweeps (the input that differs is named: the grid, the unit costs, a workload file, the model), results of another
 * model than this nestlab's, a results.json whose spec does not match its fingerprint, and any row that is not the
 * planned row of its run or whose checksum does not match (named by file and line).
 */
export function mergeResults(files: readonly { readonly source: string; readonly results: ResultsFile }[]): ResultsDocument {
  const first = files[0];
  if (!first) throw new ConfigError("directory", "", "", "merge needs one or more sweep output directories: nestlab merge DIR... --out DIR");
  const bad = (source: string, why: string): ConfigError => new ConfigError("directory", source, why, `cannot merge '${source}': ${why}`);
  const model = modelIdentity();
  const head = first.results.doc;
  for (const { source, results } of files) {
    const doc = results.doc;
    if (doc.fingerprint !== specFingerprint(doc.spec, doc.model)) throw bad(source, `${results.file} does not match its fingerprint (the file was edited)`);
    if (doc.model !== model) {
      throw bad(source, `its results come from another model (${doc.model}; this nestlab is ${model}): merge with the nestlab that ran the sweep`);
    }
    if (doc.fingerprint !== head.fingerprint) {
      throw bad(source, `it is a shard of another sweep than '${first.source}' (they differ in ${specDifference(head, doc) ?? "their spec"})`);
    }
  }
  const plan = planSpec(head.spec, head.model);
  const columns = sweepColumns(plan);
  const count = head.shard?.count ?? 1;
  const seen = new Map<number, string>();
  const rows = new Map<number, SweepRow>();
  for (const { source, results } of files) {
    const doc = results.doc;
    if (doc.runs !== plan.runs || JSON.stringify(doc.columns) !== JSON.stringify(columns) || JSON.stringify(doc.skipped) !== JSON.stringify(plan.skipped)) {
      throw bad(source, `${results.file} does not hold what its spec plans (runs, columns or skipped combinations were edited)`);
    }
    const c = doc.shard?.count ?? 1;
    const i = doc.shard?.index ?? 0;
    if (c !== count) throw bad(source, `expected shards of the same split (${count} shards from '${first.source}', this one of ${c})`);
    const dup = seen.get(i);
    if (dup !== undefined) throw bad(source, `expected each shard once (shard ${i}/${c} is also '${dup}')`);
    seen.set(i, source);
    const expected = Math.max(0, Math.ceil((plan.runs - i) / c));
    doc.rows.forEach((r, k) => {
      const line = results.lineOf(k);
      const where = `${results.file} ${line !== undefined ? `line ${line}` : `rows[${k}]`}`;
      const run = i + k * c;
      const why =
        results.sums[k] !== rowSum(doc.fingerprint, r) ? "its checksum does not match the row (the row was edited, or comes from another sweep)"
        : run >= plan.runs ? `the shard has ${doc.rows.length} rows, not ${expected}`
        : checkRow(plan, columns, run, r);
      if (why !== undefined) throw new ConfigError("directory", source, "", `cannot merge '${source}': ${where}: ${why}`);
      rows.set(run, r);
    });
    if (doc.rows.length !== expected) throw bad(source, `shard ${i}/${c} has ${doc.rows.length} rows of ${expected} (it is incomplete)`);
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !seen.has(i));
  if (missing.length) {
    throw new ConfigError("directory", missing.join(","), "", `cannot merge the directories given: shard(s) ${missing.map((i) => `${i}/${count}`).join(", ")} missing (all ${count} shards of the sweep are needed)`);
  }
  const { shard: _shard, rows: _rows, ...rest } = head;
  return { ...rest, format: RESULTS_FORMAT, rows: [...rows.keys()].sort((a, b) => a - b).map((r) => rows.get(r)!) };
}

/** Reads and merges the results of the given directories. */
export function mergeDirs(dirs: readonly string[]): ResultsDocument {
  return mergeResults(dirs.map((d) => ({ source: d, results: readResultsFile(d) })));
}
