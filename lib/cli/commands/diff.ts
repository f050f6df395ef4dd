import { formatDuration } from "../../util/format";
import { type DiffResult, diffTrace } from "../../real/diff";
import { importTraceFile } from "../../real/read";
import { ConfigError } from "../../util/errors";
import { exactJson } from "../../util/json";
import { helpText, noPositionals, type OptionSpec, parseArgs } from "../args";
import type { Command } from "../command";
import { formatTable } from "../format";
import { glossaryText } from "../glossary";
import { warn } from "./import";
import { runConfig } from "./run";
import { type ConfigBlock, configText } from "../config";
import { deriveFromTrace, missingTrace, TRACE_OPTION, tracedRunOptions, tracedRunOptionsFrom } from "./traced";

/** the model's default run length for diff and fit (ms of leaf work): long enough for hundreds of forwarded exits */
export const TRACE_MODEL_DEFAULTS = {
  diffDurationMs: { value: 50, help: "default --duration-ms of `nestlab diff` (the model's run, ms of leaf work)" },
  fitDurationMs: { value: 20, help: "default --duration-ms of `nestlab fit` (each of its model runs)" },
} as const;

const OPTIONS: readonly OptionSpec[] = [TRACE_OPTION, ...tracedRunOptions(TRACE_MODEL_DEFAULTS.diffDurationMs.value)];

const num = (v: number | null): string =>
  v === null ? "-" : Math.abs(v) >= 100 ? Math.round(v).toLocaleString("en-US") : v.toLocaleString("en-US", { maximumFractionDigits: 3 });

export function diffJson(d: DiffResult, config: unknown): unknown {
  return {
    machine: d.machine.source,
    format: d.machine.format,
    config,
    workload: d.workload ?? null,
    rows: d.rows,
    notIdentifiable: d.notIdentifiable,
    warnings: d.machine.warnings,
  };
}

export function diffText(d: DiffResult, config?: ConfigBlock): string {
  const out: string[] = [`diff ${d.machine.source} (machine) vs the model (${formatDuration(d.model.seconds, 4)} simulated)`, ...(config ? configText(config) : [])];
  if (d.workload) {
    out.push(`  workload: ${d.workload.profile.name}`);
    const p = d.workload.profile;
    out.push(`    ioRate ${num(p.ioRate)}/s, ipiRate ${num(p.ipiRate)}/s, wfiRate ${num(p.wfiRate)}/s, timerHz ${num(p.timerHz)} (per second of work time)`);
    for (const f of d.workload.fromTrace) out.push(`    from the trace: ${f}`);
    for (const f of d.workload.fromTemplate) out.push(`    from the template: ${f}`);
  }
  let section = "";
  const rows: string[][] = [];
  for (const r of d.rows) {
    if (r.section !== section) {
      section = r.section;
      rows.push([`[${section}]`, "", "", "", ""]);
    }
    rows.push([r.key, r.unit, num(r.machine), num(r.model), r.ratio === null ? "-" : r.ratio.toFixed(3)]);
  }
  out.push("", formatTable(["", "unit", "machine", "model", "model/machine"], rows));
  if (d.machine.warnings.length > 0) out.push("", "warnings:", ...d.machine.warnings.map((w) => `  - ${w}`));
  out.push("", "not compared (an L0 trace cannot show it):", ...d.notIdentifiable.map((w) => `  - ${w}`));
  return out.join("\n") + "\n";
}

export const diffCommand: Command = {
  name: "diff",
  summary: "a machine's L0 trace beside the model's figures for the same configuration",
  options: OPTIONS,
  help: () =>
    helpText(
      "nestlab diff --trace FILE [--workload NAME|FILE] [run options] [--json]",
      "Reads the machine's L0 recording, runs the model for the configuration given (depth, NV2, ...) and prints\n" +
        "machine vs model for what L0 can see: exits per second by reason, time per exit, nested exceptions and\n" +
        "ERETs per nested-context exit, forwarded exits' whole handling, time per exit kind, with the ratio.\n" +
        "Without --workload the leaf's rates (I/O, IPIs, WFI, timer) are derived from the trace (io-heavy fills what\n" +
        "L0 cannot see); with it, that profile runs as given.",
      OPTIONS,
    ) + glossaryText("diff"),
  run(argv, io) {
    const p = parseArgs(argv, OPTIONS, "diff");
    if (p.flags.get("help")) {
      io.out(diffCommand.help());
      return 0;
    }
    noPositionals(p);
    const file = p.values.get("trace");
    if (file === undefined) throw missingTrace("diff");
    const o = tracedRunOptionsFrom(p, io, TRACE_MODEL_DEFAULTS.diffDurationMs.value);
    const derive = deriveFromTrace(p);
    const machine = importTraceFile(file, { field: "trace", ...(io.progress ? { progress: io.progress } : {}) });
    if (machine.format === "perf-kvm-stat" && derive) {
      throw new ConfigError("trace", file, "a trace of events to derive the workload from, or --workload with a perf kvm stat table");
    }
    const { json, ...run } = o;
    const d = diffTrace(machine, { run, derive });
    if (json) warn(io, machine);
    // the shared block (lib/cli/config.ts; its keys include the ones diff printed before); a workload derived from
    // the trace is shown with its fields, as a file's is, the trace being the file it came from
    const config = runConfig(p, o, d.workload ? { profile: d.workload.profile, name: file, fromFile: true } : undefined);
    io.out(json ? exactJson(diffJson(d, config)) + "\n" : diffText(d, config));
    return 0;
  },
};
