import { KERNEL } from "../../kvm/kernel";
import { join } from "node:path";
import { mergeDirs } from "../../sweep/merge";
import { readResultsFile, RESULT_FILES, writeResults } from "../../sweep/output";
import { JOURNAL_FILE } from "../../sweep/journal";
import { ConfigError } from "../../util/errors";
import { checkOutputDir, isRegularOrAbsent, makeDirs } from "../../util/files";
import { exactJson } from "../../util/json";
import { helpText, type OptionSpec, parseArgs } from "../args";
import type { Command } from "../command";

const MERGE_OPTIONS: readonly OptionSpec[] = [
  { name: "out", kind: "value", value: { type: "output-dir" }, help: "write the merged DIR/results.csv, results.json, results.arrow (DIR new, or without sweep files)" },
  { name: "json", kind: "bool", help: "print exactly one JSON object on stdout" },
  { name: "help", kind: "bool", help: "show help" },
];

const OUT_ACCEPTED = "a directory: new, or without sweep files";

/**
 * Checks --out before anything is read or written: a (creatable) directory holding no sweep journal and no results,
 * except the results of this very merge (merging again rewrites the same bytes).
 */
function checkMergeOut(out: string): (fingerprint: string) => void {
  if (!checkOutputDir(out, "out", OUT_ACCEPTED)) return () => undefined;
  const refuse = (why: string): ConfigError => new ConfigError("out", out, "", `invalid --out '${out}': ${why}`);
  const present: string[] = [];
  for (const f of [JOURNAL_FILE, ...RESULT_FILES]) {
    const k = isRegularOrAbsent(join(out, f));
    if (k.exists && !k.regular) throw refuse(`its ${f} is ${k.what}, not a file nestlab wrote`);
    if (k.exists) present.push(f);
  }
  if (present.includes(JOURNAL_FILE)) throw refuse("it holds a sweep journal (merge into a new directory)");
  if (present.length === 0) return () => undefined;
  if (!present.includes("results.json")) throw refuse(`it holds sweep files (${present.join(", ")}): merge into a new directory`);
  const existing = readResultsFile(out, "out").doc;
  if (existing.shard) throw refuse("it holds the results of one shard: merge into a new directory");
  return (fingerprint) => {
    if (existing.fingerprint !== fingerprint) {
      throw refuse(`it holds the results of another sweep (fingerprint ${existing.fingerprint}, the shards' ${fingerprint}): merge into a new directory`);
    }
  };
}

export const mergeCommand: Command = {
  name: "merge",
  summary: "combine the outputs of a sharded sweep into one result set",
  options: MERGE_OPTIONS,
  positionals: { field: "directory", min: 1, max: Number.POSITIVE_INFINITY, value: { type: "results-dir" } },
  help: () =>
    helpText(
      "nestlab merge DIR... --out DIR",
      "Combines the outputs of `nestlab sweep --shard I/N --out DIR` (all N shards of one grid) into the result set\n" +
        "of one unsharded sweep: the same files, byte for byte. Every row is checked against the sweep's plan and its\n" +
        "checksum; shards of different sweeps or models are refused, naming what differs.",
      MERGE_OPTIONS,
    ),
  run(argv, io) {
    const p = parseArgs(argv, MERGE_OPTIONS, "merge");
    if (p.flags.get("help")) {
      io.out(mergeCommand.help());
      return 0;
    }
    const out = p.values.get("out");
    if (out === undefined) throw new ConfigError("out", "", "", "merge needs --out DIR, the directory for the merged results");
    if (p.positionals.length === 0) throw new ConfigError("directory", "", "", "merge needs the output directories of the shards: nestlab merge DIR... --out DIR");
    const sameMerge = checkMergeOut(out);
    const doc = mergeDirs(p.positionals);
    sameMerge(doc.fingerprint);
    makeDirs(out, "out", OUT_ACCEPTED);
    writeResults(out, doc);
    const summary = { fingerprint: doc.fingerprint, out, rows: doc.rows.length, shards: p.positionals.length, kernel: KERNEL.name };
    io.out(p.flags.get("json") ? exactJson(summary) + "\n" : `merged ${p.positionals.length} shard(s) of sweep ${doc.fingerprint}: ${doc.rows.length} runs\n  wrote ${out}/results.csv, results.json, results.arrow\n`);
    return 0;
  },
};
