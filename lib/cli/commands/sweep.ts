import { QUIET_OPTION } from "../progress";
import { type Axis, AXES, COST_AXES, HW_AXES, SEED_AXIS } from "../../sweep/axes";
import { describeParams, FLAG_WHERE, fileWhere, type GridInput, gridSpec, planSpec, readGridFile, SWEEP_LIMITS, sweptAxes } from "../../sweep/grid";
import { resultsCsv, resultsJson } from "../../sweep/output";
import { defaultWorkers, WORKERS } from "../../sweep/pool";
import { parseShard, runSweep } from "../../sweep/sweep";
import { ConfigError } from "../../util/errors";
import { exactJson } from "../../util/json";
import type { ValueSpec } from "../../util/values";
import { loadProfile } from "../../workload/load";
import type { WorkloadProfile } from "../../workload/profiles";
import { helpText, loadCosts, noPositionals, num, type OptionSpec, type ParsedArgs, parseArgs } from "../args";
import type { Command } from "../command";

const axisOption = (a: Axis): OptionSpec => ({ name: a.name, kind: "value", value: { type: "list", item: a.value }, help: a.description });

const SEEDS: ValueSpec = { type: "integer", min: 1, max: SWEEP_LIMITS.maxSeeds };

const SWEEP_OPTIONS: readonly OptionSpec[] = [
  {
    name: "grid",
    kind: "value",
    value: { type: "file", what: "a grid (axes, zip, seeds, seed, costs)", content: "grid" },
    help: 'grid file: {"axes": {AXIS: [values]}, "zip": [{AXIS: [...], AXIS: [...]}], "seeds": K, "seed": S, "costs": {NAME: v}}',
  },
  ...AXES.map(axisOption),
  ...HW_AXES.map(axisOption),
  { name: "seeds", kind: "value", value: SEEDS, help: "runs per point, with seeds derived from --seed (the first is --seed itself); default 1" },
  { name: "seed", kind: "value", value: { type: "list", item: SEED_AXIS.value }, help: "base seed (default 1), or the explicit list of seeds" },
  {
    name: "costs",
    kind: "value",
    value: { type: "file", what: "an object mapping unit-cost names to numbers", content: "costs" },
    help: "override named unit costs for every point",
  },
  {
    name: "out",
    kind: "value",
    value: { type: "output-dir" },
    help: "write DIR/results.csv, results.json, results.arrow (and the journal DIR/journal.jsonl); DIR is new, holds no sweep files, or holds this sweep (--resume)",
  },
  { name: "workers", kind: "value", value: WORKERS, help: `worker threads; default the core count (${defaultWorkers()} here); 0 runs in the main thread` },
  { name: "resume", kind: "bool", help: "continue the sweep journaled in --out DIR (nothing lost, nothing duplicated)" },
  {
    name: "shard",
    kind: "value",
    value: { type: "syntax", accepted: "I/N with 0 <= I < N <= 100000", examples: ["0/1", "0/2", "1/2", "2/3"] },
    help: "run only the runs with index % N == I (then nestlab merge)",
  },
  { name: "json", kind: "bool", help: "print exactly one JSON object on stdout" },
  QUIET_OPTION,
  { name: "help", kind: "bool", help: "show help" },
];
const COST_OPTIONS: readonly OptionSpec[] = COST_AXES.map(axisOption);
const ALL_OPTIONS = [...SWEEP_OPTIONS, ...COST_OPTIONS];
const BOOL_AXES = new Set([...AXES, ...HW_AXES].filter((a) => a.type === "boolean").map((a) => a.name));

/** Test hook: the process SIGKILLs itself after journaling this many rows (a deterministic interruption point). */
export const KILL_AFTER_ENV = "NESTLAB_SWEEP_KILL_AFTER";

/** Boolean axes also read as flags: `--nv2` is `--nv2 on`, `--no-nv2` is `--nv2 off`. */
function normalizeBoolAxes(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const name = a.startsWith("--") && !a.includes("=") ? a.slice(2) : undefined;
    if (name !== undefined && name.startsWith("no-") && BOOL_AXES.has(name.slice(3))) out.push(`--${name.slice(3)}=off`);
    else if (name !== undefined && BOOL_AXES.has(name) && (argv[i + 1] === undefined || argv[i + 1]!.startsWith("--"))) out.push(`--${name}=on`);
    else out.push(a);
  }
  return out;
}

/** Workload profile files, each read once (the flags are checked alone first, then with the grid file). */
function profileReader(): (file: string) => WorkloadProfile {
  const read = new Map<string, WorkloadProfile>();
  return (file) => {
    let p = read.get(file);
    if (!p) read.set(file, (p = loadProfile(file)));
    return p;
  };
}

/** The grid asked for: list-valued flags, a grid file, or both (an axis may come from only one of them). */
function gridFrom(p: ParsedArgs, readProfile: (file: string) => WorkloadProfile): { grid: GridInput; file: string | undefined } {
  const axes: Record<string, string[]> = {};
  for (const a of [...AXES, ...HW_AXES, ...COST_AXES]) {
    const raw = p.values.get(a.name);
    // the items exactly as given: ' 12' is no number (one grammar: lib/util/values.ts)
    if (raw !== undefined) axes[a.name] = raw.split(",");
  }
  const flags: { -readonly [K in keyof GridInput]: GridInput[K] } = { axes };
  const seedRaw = p.values.get("seed");
  if (seedRaw !== undefined) {
    const seeds = seedRaw.split(",").map((s) => {
      const v = SEED_AXIS.parse(s);
      if (v === undefined) throw new ConfigError("seed", s, `${SEED_AXIS.accepted}, or a comma list of them`);
      return v as number;
    });
    flags.seed = seeds.length > 1 ? seeds : seeds[0]!;
  }
  if (p.values.has("seeds")) flags.seeds = num(p, "seeds", 1);
  gridSpec(flags, FLAG_WHERE, undefined, readProfile); // the flags' errors name the flags
  const file = p.values.get("grid");
  if (file === undefined) return { grid: flags, file };
  const g = readGridFile(file);
  const fileAxes = (typeof g.axes === "object" && g.axes !== null && !Array.isArray(g.axes) ? g.axes : {}) as Record<string, unknown>;
  const inZip = new Set((Array.isArray(g.zip) ? g.zip : []).flatMap((z) => (typeof z === "object" && z !== null ? Object.keys(z) : [])));
  for (const name of Object.keys(axes)) {
    if (Object.hasOwn(fileAxes, name) || inZip.has(name)) throw new ConfigError(name, axes[name]!.join(","), `an axis not also given by --grid ${file}`);
  }
  const merged: GridInput = {
    ...g,
    axes: { ...fileAxes, ...axes },
    ...(flags.seed !== undefined ? { seed: flags.seed } : {}),
    ...(flags.seeds !== undefined ? { seeds: flags.seeds } : {}),
  };
  return { grid: merged, file };
}

export const sweepCommand: Command = {
  name: "sweep",
  summary: "fixed-work runs over a parameter grid, on worker threads; resumable and shardable",
  options: ALL_OPTIONS,
  help: () =>
    helpText(
      "nestlab sweep [--grid FILE] [--AXIS v1,v2,...] [--seeds K] [--out DIR] [--workers N] [--resume] [--shard I/N]",
      [
        "Runs `nestlab run` at every point of a grid (cartesian axes, plus zipped axes from a grid file) and seed.",
        "Combinations the model forbids (e.g. --patch 1 at depth 1, nvhe at depth != 2) are skipped and listed on stderr.",
        "Without --out, prints results.csv (or, with --json, results.json) on stdout.",
        "Unit-cost axes: --cost.NAME v1,v2 (set) and --cost-scale.NAME f1,f2 (scale), NAME a unit-cost name.",
      ].join("\n"),
      SWEEP_OPTIONS,
    ),
  async run(argv, io) {
    const p = parseArgs(normalizeBoolAxes(argv), ALL_OPTIONS, "sweep");
    if (p.flags.get("help")) {
      io.out(sweepCommand.help());
      return 0;
    }
    noPositionals(p);
    const readProfile = profileReader();
    const { grid, file } = gridFrom(p, readProfile);
    const costsFile = p.values.get("costs");
    const spec = gridSpec(grid, file === undefined ? FLAG_WHERE : fileWhere(file), loadCosts(costsFile), readProfile);
    const plan = planSpec(spec);
    const workers = num(p, "workers", Math.min(defaultWorkers(), WORKERS.max));
    const out = p.values.get("out");
    const resume = p.flags.get("resume") ?? false;
    if (resume && out === undefined) throw new ConfigError("resume", "--resume", "--resume together with --out DIR (the directory holding the journal)");
    const shardRaw = p.values.get("shard");
    const shard = shardRaw === undefined ? undefined : parseShard(shardRaw);
    if (plan.points.length === 0) {
      throw new ConfigError(file === undefined ? "depth" : "grid", file ?? "(grid)", "a grid with at least one combination the model allows", `every combination of the grid is forbidden (first: ${plan.skipped[0]?.reason ?? "none"})`);
    }
    const json = p.flags.get("json") ?? false;
    // listed once the output directory is checked: a refused directory is one error line
    const listSkipped = (): void => {
      if (plan.skipped.length === 0) return;
      const names = sweptAxes(spec);
      io.err(`nestlab: skipped ${plan.skipped.length} combination(s) the model forbids:\n`);
      for (const s of plan.skipped) io.err(`  ${describeParams(s.params, names)}: ${s.reason.replace(/^invalid /, "")}\n`);
    };
    const killAfter = Number(process.env[KILL_AFTER_ENV] ?? "0");
    const doc = await runSweep(plan, {
      workers,
      ...(out !== undefined ? { out } : {}),
      resume,
      ...(shard ? { shard } : {}),
      onStart: listSkipped,
      inputs: { ...(file !== undefined ? { grid: file } : {}), ...(costsFile !== undefined ? { costs: costsFile } : {}) },
      // the runs this invocation does (resumed ones are done already), so the printer's ETA is theirs
      onProgress: (s) => io.progress?.(s.done - s.resumed, s.total - s.resumed, s.resumed > 0 ? `sweep runs (${s.resumed} resumed from the journal)` : "sweep runs"),
      ...(killAfter > 0 ? { onRow: (_row, stored) => void (stored >= killAfter && process.kill(process.pid, "SIGKILL")) } : {}),
    });
    const failed = doc.rows.filter((r) => r.error !== null).length;
    if (failed) io.err(`nestlab: ${failed} run(s) beyond the engine's limits are recorded with their reason in the error column\n`);
    if (out === undefined) {
      io.out(json ? resultsJson(doc) : resultsCsv(doc.columns, doc.rows));
      return 0;
    }
    const summary = {
      fingerprint: doc.fingerprint,
      out,
      files: ["results.csv", "results.json", "results.arrow"],
      rows: doc.rows.length,
      runs: doc.runs,
      points: plan.points.length,
      seeds: spec.seeds.length,
      skipped: plan.skipped.length,
      ...(shard ? { shard: `${shard.index}/${shard.count}` } : {}),
      errors: failed,
      kernel: doc.kernel,
    };
    io.out(
      json
        ? exactJson(summary) + "\n"
        : `sweep ${doc.fingerprint}: ${doc.rows.length} runs${shard ? ` (shard ${shard.index}/${shard.count} of ${doc.runs})` : ""} = ${plan.points.length} points x ${spec.seeds.length} seeds; ${plan.skipped.length} forbidden combinations skipped\n  wrote ${out}/results.csv, results.json, results.arrow\n`,
    );
    return 0;
  },
};

export { mergeCommand } from "./merge";
