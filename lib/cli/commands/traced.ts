import { ConfigError } from "../../util/errors";
import { accepted, type OptionSpec, type ParsedArgs } from "../args";
import type { CommandIO } from "../command";
import { RUN_OPTIONS, runOptionsFrom } from "./run";

/** The run options of `run` without --engine (tracing steps every operation), with a short default duration. */
export function tracedRunOptions(defaultMs: number): OptionSpec[] {
  return RUN_OPTIONS.filter((s) => s.name !== "engine").map((s) =>
    s.name === "duration-ms" ? { ...s, help: `length of the leaf's work stream in native work time; default ${defaultMs}` } : s,
  );
}

/** runOptionsFrom with the exact engine and the traced commands' default duration. */
export function tracedRunOptionsFrom(p: ParsedArgs, io: CommandIO, defaultMs: number): ReturnType<typeof runOptionsFrom> {
  return { ...runOptionsFrom(p, io, defaultMs), engine: "exact" };
}

/** The machine's L0 recording read by diff and fit (and import's FILE). */
export const TRACE_OPTION: OptionSpec = {
  name: "trace",
  kind: "value",
  value: { type: "file", what: "an L0 recording (trace-cmd report text, perf script output or a perf kvm stat report)", content: "trace" },
  help: "the machine's L0 recording (see nestlab import)",
};

/** --trace is required: its absence is named like any bad value */
export function missingTrace(command: string): ConfigError {
  return new ConfigError("trace", "", accepted(TRACE_OPTION), `${command} needs --trace FILE: ${accepted(TRACE_OPTION)}`);
}

/**
 * diff and fit: without --workload the leaf's rates come from the trace, so --io-rate and --timer-hz are refused;
 * true when the workload is to be derived.
 */
export function deriveFromTrace(p: ParsedArgs): boolean {
  if (p.values.has("workload")) return false;
  for (const n of ["io-rate", "timer-hz"]) {
    const v = p.values.get(n);
    if (v !== undefined) throw new ConfigError(n, v, "only with --workload (without it the rates come from the trace)");
  }
  return true;
}
