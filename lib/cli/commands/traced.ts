import type { OptionSpec, ParsedArgs } from "../args";
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
