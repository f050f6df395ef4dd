import { echo } from "./text";

/** Bad user input: the CLI prints `message` on one line and exits 2. */
export class ConfigError extends Error {
  constructor(
    readonly field: string,
    readonly value: string,
    readonly accepted: string,
    message?: string,
  ) {
    super(message ?? `invalid ${POSITIONAL.has(field) ? field : "--" + field} '${echo(value)}': accepted ${accepted}`);
    this.name = "ConfigError";
  }
}

/** fields given as positional arguments rather than --options */
const POSITIONAL = new Set(["command", "op", "directory", "file", "profile"]);

/** Input that is well-formed but beyond what an engine can do (e.g. too many traps for the exact engine). */
export class LimitError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = "LimitError";
  }
}

/** The reader of our output went away (a closed pipe): the command stops quietly (docs/cli.md "Exit codes"). */
export class OutputClosed extends Error {
  constructor() {
    super("output closed by its reader");
    this.name = "OutputClosed";
  }
}
