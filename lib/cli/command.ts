import type { OptionSpec } from "./args";
import type { ValueSpec } from "../util/values";

/** What a command may do with the outside world (so tests can run commands in-process). */
export interface CommandIO {
  out(text: string): void;
  err(text: string): void;
  /** progress of long work (done of total), shown on stderr by the CLI */
  progress?: (done: number, total: number, what: string, provisional?: boolean) => void;
}

/** A command's positional arguments: how many, and what each is (the fuzz suite generates them from this). */
export interface PositionalSpec {
  /** the name errors and help give them ("op", "directory") */
  readonly field: string;
  readonly min: number;
  readonly max: number;
  readonly value: ValueSpec;
}

/** A command's sub-command (`profile show NAME`): its word, what it does, and its own positional arguments. */
export interface SubcommandSpec {
  readonly name: string;
  readonly summary: string;
  readonly positionals?: PositionalSpec;
}

/**
 * One command of the registry (lib/cli/main.ts COMMANDS). Its options and positionals are declared data: parsing,
 * help and the command-line fuzz suite (test/fuzz) all read them, so a new command is covered by declaring them.
 */
export interface Command {
  readonly name: string;
  readonly summary: string;
  /** every option the command accepts */
  readonly options: readonly OptionSpec[];
  /** positional arguments; none when absent */
  readonly positionals?: PositionalSpec;
  /** sub-commands: the first positional argument is one of their names, the rest are that sub-command's positionals */
  readonly subcommands?: readonly SubcommandSpec[];
  help(): string;
  /** the exit code: 0 ran, 2 bad input (thrown as ConfigError/LimitError), 3 `check` found a violation */
  run(argv: readonly string[], io: CommandIO): number | Promise<number>;
}
