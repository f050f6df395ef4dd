import { KERNEL } from "../../kvm/kernel";
import { COST_NAMES, type CostName, COSTS } from "../../costs/table";
import { derivedRun } from "../../real/diff";
import { type FitResult, fitCosts } from "../../real/fit";
import { importTraceFile } from "../../real/read";
import type { RunOptions } from "../../run/run";
import { ConfigError } from "../../util/errors";
import { checkOutputFile, openOutputFile } from "../../util/files";
import { exactJson } from "../../util/json";
import { helpText, noPositionals, num as numArg, type OptionSpec, parseArgs } from "../args";
import type { Command } from "../command";
import { formatTable } from "../format";
import { type ConfigBlock, configText } from "../config";
import { runConfig } from "./run";
import { glossaryText } from "../glossary";
import { TRACE_MODEL_DEFAULTS } from "./diff";
import { warn } from "./import";
import { deriveFromTrace, missingTrace, TRACE_OPTION, tracedRunOptions, tracedRunOptionsFrom } from "./traced";

const FITTABLE = COST_NAMES.filter((n) => COSTS[n].basis === "assumed" || COSTS[n].basis === "calibrated");

const OPTIONS: readonly OptionSpec[] = [
  TRACE_OPTION,
  { name: "out", kind: "value", value: { type: "output-file" }, help: "write the fitted costs as a --costs JSON file (a temporary file beside it, renamed over it when complete)" },
  { name: "prior", kind: "value", value: { type: "number", min: 0, max: 10, minExclusive: true }, help: "relative prior standard deviation of each fitted cost around its default; default 0.5" },
  { name: "fit-costs", kind: "value", value: { type: "list", item: { type: "enum", values: FITTABLE } }, help: "fit only these costs (the others stay at their values); default all assumed and calibrated ones" },
  { name: "min-count", kind: "value", value: { type: "integer", min: 1, max: 1_000_000 }, help: "use only exit kinds seen at least this often on both sides; default 20" },
  { name: "iterations", kind: "value", value: { type: "integer", min: 1, max: 20 }, help: "Gauss-Newton steps (each one model run); default 3" },
  ...tracedRunOptions(TRACE_MODEL_DEFAULTS.fitDurationMs.value),
];

const num = (v: number, d = 1): string => v.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });

export function fitJson(f: FitResult, out: string | undefined, config?: ConfigBlock): unknown {
  return { ...(config ? { config } : {}), out: out ?? null, costsFile: f.costsFile, costs: f.costs, residuals: f.residuals, observables: f.observables.length, chi2Default: f.chi2Default, chi2Fitted: f.chi2Fitted, iterations: f.iterations, modelRuns: f.modelRuns, kernel: KERNEL.name };
}

export function fitText(f: FitResult, source: string, out: string | undefined, config?: ConfigBlock): string {
  const lines = [
    `fit ${source}: ${f.observables.length} observables (mean time per exit kind and per forwarded exit), ${f.modelRuns} model runs`,
    ...(config ? configText(config) : []),
    `  chi-square: defaults ${num(f.chi2Default)}, fitted ${num(f.chi2Fitted)} (over ${f.observables.length} observables)`,
    "",
    "fitted unit costs (cycles; sd: posterior standard deviation; shrink: posterior sd / prior sd)",
    formatTable(
      ["cost", "basis", "default", "fitted", "sd", "shrink", "status", "note"],
      f.costs.map((c) => [c.name, c.basis, String(c.default), String(c.written), num(c.sd), c.shrink.toFixed(2), c.status, c.atBound ? `at a bound; ${c.why}` : c.why]),
    ),
    "",
    "residuals (ns; z: (fitted - machine) / standard error)",
    formatTable(["observable", "machine", "defaults", "fitted", "se", "z"], f.residuals.map((r) => [r.key, num(r.machineNs), num(r.defaultNs), num(r.fittedNs), num(r.seNs, 2), num(r.z, 2)])),
    "",
    `unidentifiable from this trace (left at their values): ${f.costs.filter((c) => c.status === "unidentifiable").map((c) => c.name).join(", ") || "none"}`,
    out !== undefined ? `costs file (use with --costs): ${out}` : `costs file (use with --costs; --out FILE writes it): ${JSON.stringify(f.costsFile)}`,
    "The defaults in lib/costs/table.ts are unchanged.",
  ];
  return lines.join("\n") + "\n";
}

export const fitCommand: Command = {
  name: "fit",
  summary: "fit the assumed/calibrated unit costs to a machine's L0 trace; writes a --costs file",
  options: OPTIONS,
  help: () =>
    helpText(
      "nestlab fit --trace FILE [--out COSTS.json] [--fit-costs LIST] [--prior X] [run options] [--json]",
      "Fits the unit costs the project cannot source (basis assumed or calibrated) to the mean time per exit kind\n" +
        "and per forwarded exit of the machine's L0 recording: bounded (0 to 10x the default), regularised toward\n" +
        "the defaults, with each fitted value's uncertainty, the residuals, and the costs the trace cannot identify.\n" +
        "Writes a --costs file; never changes the defaults. The model runs the configuration given, with the\n" +
        "workload derived from the trace unless --workload is given (as nestlab diff).",
      OPTIONS,
    ) + glossaryText("fit"),
  run(argv, io) {
    const p = parseArgs(argv, OPTIONS, "fit");
    if (p.flags.get("help")) {
      io.out(fitCommand.help());
      return 0;
    }
    noPositionals(p);
    const file = p.values.get("trace");
    if (file === undefined) throw missingTrace("fit");
    const o = tracedRunOptionsFrom(p, io, TRACE_MODEL_DEFAULTS.fitDurationMs.value);
    const prior = numArg(p, "prior", 0.5);
    const minCount = numArg(p, "min-count", 20);
    const iterations = numArg(p, "iterations", 3);
    let costs: CostName[] | undefined;
    const raw = p.values.get("fit-costs");
    if (raw !== undefined) {
      costs = [];
      for (const n of raw.split(",")) {
        // an unknown cost, or one named twice
        if (!(FITTABLE as readonly string[]).includes(n) || costs.includes(n as CostName)) {
          throw new ConfigError("fit-costs", raw, `a comma list of assumed or calibrated unit costs (${FITTABLE.join(", ")}), each once`);
        }
        costs.push(n as CostName);
      }
    }
    const derive = deriveFromTrace(p);
    const out = p.values.get("out");
    const target = out !== undefined ? checkOutputFile(out, "out") : undefined;
    const machine = importTraceFile(file, { field: "trace", ...(io.progress ? { progress: io.progress } : {}) });
    if (machine.format === "perf-kvm-stat") {
      throw new ConfigError("trace", file, "a trace of events (trace-cmd report or perf script): a perf kvm stat table has no exit kinds or windows to fit");
    }
    const { json, progress: _ignored, ...base } = o;
    const run: RunOptions = derive ? derivedRun(machine, base).run : base;
    const f = fitCosts(machine, { run, prior, minCount, iterations, ...(costs ? { costs } : {}), ...(io.progress ? { progress: io.progress } : {}) });
    // every input was valid and the fit is done: only now open the output (a temporary file beside it, renamed over it)
    if (out !== undefined) {
      const costsOut = openOutputFile(out, "out", target);
      try {
        costsOut.write(JSON.stringify(f.costsFile, null, 2) + "\n");
        costsOut.commit();
      } catch (e) {
        costsOut.abort();
        throw e;
      }
    }
    if (json) warn(io, machine);
    // the configuration the model ran under (its costs: where the fit started); a derived workload's file is the trace
    const config = runConfig(p, run, derive ? { profile: run.profile, name: file, fromFile: true } : undefined);
    io.out(json ? exactJson(fitJson(f, out, config)) + "\n" : fitText(f, file, out, config));
    return 0;
  },
};
