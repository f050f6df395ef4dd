import { ConfigError } from "../util/errors";
import { readResults, RESULTS_FORMAT, type ResultsDocument } from "./output";
import type { SweepRow } from "./rows";

/**
 * Combines the results of the shards of one sweep into the result set one unsharded run gives: the same spec
 * (fingerprint), every shard exactly once, rows ordered by run index. Inputs that are not shards of one complete
 * sweep are refused with the reason.
 */
export function mergeResults(docs: readonly { readonly source: string; readonly doc: ResultsDocument }[]): ResultsDocument {
  const first = docs[0];
  if (!first) throw new ConfigError("merge", "(none)", "one or more sweep output directories", "merge needs one or more sweep output directories");
  const bad = (source: string, why: string): ConfigError => new ConfigError("merge", source, why, `cannot merge '${source}': ${why}`);
  const count = first.doc.shard?.count ?? 1;
  const seen = new Map<number, string>();
  const rows = new Map<number, SweepRow>();
  for (const { source, doc } of docs) {
    if (doc.fingerprint !== first.doc.fingerprint || doc.runs !== first.doc.runs) {
      throw bad(source, `expected shards of one sweep (fingerprint ${first.doc.fingerprint} from '${first.source}', this one ${doc.fingerprint})`);
    }
    const c = doc.shard?.count ?? 1;
    const i = doc.shard?.index ?? 0;
    if (c !== count) throw bad(source, `expected shards of the same split (${count} shards from '${first.source}', this one of ${c})`);
    const dup = seen.get(i);
    if (dup !== undefined) throw bad(source, `expected each shard once (shard ${i}/${c} is also '${dup}')`);
    seen.set(i, source);
    for (const r of doc.rows) {
      const run = r.run;
      if (typeof run !== "number" || run % count !== i || rows.has(run)) throw bad(source, `expected the rows of shard ${i}/${c} once (run ${String(run)})`);
      rows.set(run, r);
    }
  }
  const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !seen.has(i));
  if (missing.length) {
    throw new ConfigError("merge", missing.join(","), "", `cannot merge: shard(s) ${missing.map((i) => `${i}/${count}`).join(", ")} missing (all ${count} shards of the sweep are needed)`);
  }
  if (rows.size !== first.doc.runs) {
    throw new ConfigError("merge", String(rows.size), "", `cannot merge: ${rows.size} rows of ${first.doc.runs} (a shard is incomplete)`);
  }
  const { shard: _shard, rows: _rows, ...head } = first.doc;
  return { ...head, format: RESULTS_FORMAT, rows: [...rows.keys()].sort((a, b) => a - b).map((r) => rows.get(r)!) };
}

/** Reads and merges the results of the given directories. */
export function mergeDirs(dirs: readonly string[]): ResultsDocument {
  return mergeResults(dirs.map((d) => ({ source: d, doc: readResults(d) })));
}
