import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { mergeDirs } from "../../sweep/merge";
import { writeResults } from "../../sweep/output";
import { ConfigError } from "../../util/errors";
import { exactJson } from "../../util/json";
import { helpText, type OptionSpec, parseArgs } from "../args";
import type { Command } from "../command";

const MERGE_OPTIONS: readonly OptionSpec[] = [
  { name: "out", kind: "value", value: { type: "output-dir" }, help: "write the merged DIR/results.csv, results.json, results.arrow" },
  { name: "json", kind: "bool", help: "print exactly one JSON object on stdout" },
  { name: "help", kind: "bool", help: "show help" },
];

export const mergeCommand: Command = {
  name: "merge",
  summary: "combine the outputs of a sharded sweep into one result set",
  options: MERGE_OPTIONS,
  positionals: { field: "directory", min: 1, max: Number.POSITIVE_INFINITY, value: { type: "results-dir" } },
  help: () =>
    helpText(
      "nestlab merge DIR... --out DIR",
      "Combines the outputs of `nestlab sweep --shard I/N --out DIR` (all N shards of one grid) into the result set\nof one unsharded sweep: the same files, byte for byte.",
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
    if (existsSync(join(out, "journal.jsonl"))) {
      throw new ConfigError("out", out, "a directory that does not hold a sweep journal (merge into a new directory)");
    }
    const doc = mergeDirs(p.positionals);
    mkdirSync(out, { recursive: true });
    writeResults(out, doc);
    const summary = { fingerprint: doc.fingerprint, out, rows: doc.rows.length, shards: p.positionals.length };
    io.out(p.flags.get("json") ? exactJson(summary) + "\n" : `merged ${p.positionals.length} shard(s) of sweep ${doc.fingerprint}: ${doc.rows.length} runs\n  wrote ${out}/results.csv, results.json, results.arrow\n`);
    return 0;
  },
};
