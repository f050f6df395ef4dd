import { readFileSync } from "node:fs";
import { join } from "node:path";
import { kernelLine } from "../kvm/kernel";
import { modelIdentity } from "../sweep/identity";
import { projectRoot } from "../util/root";
import { ConfigError, LimitError, OutputClosed } from "../util/errors";
import { didYouMean, echo, nearest, printable } from "../util/text";
import type { Command, CommandIO } from "./command";
import { type ProgressPrinter, progressPrinter, QUIET_OPTION } from "./progress";
import { microCommand } from "./commands/micro";
import { compareCommand, runCommand } from "./commands/run";
import { statCommand, traceCommand } from "./commands/trace";
import { mergeCommand, sweepCommand } from "./commands/sweep";
import { checkCommand } from "./commands/check";
import { importCommand } from "./commands/import";
import { diffCommand } from "./commands/diff";
import { fitCommand } from "./commands/fit";
import { explainCommand } from "./commands/explain";
import { profileCommand } from "./commands/profile";
import { candidatesCommand } from "./commands/candidates";

/**
 * The nestlab command line. Contract (docs/cli.md): `--json` prints exactly one JSON object on stdout; bad input prints
 * one line on stderr naming the field and the accepted values and exits 2 with nothing written; `check` exits 3 when
 * it finds a violation; internal errors exit 1. Help is asked for (`--help`: stdout, exit 0); a missing command is an
 * error like any other (one line, exit 2).
 */
export const COMMANDS: readonly Command[] = [
  ...[microCommand, runCommand, compareCommand, traceCommand, statCommand, sweepCommand, mergeCommand, checkCommand],
  // what it would take to reach a target (docs/explain.md)
  explainCommand,
  // what eliding each part of a nested transition would save, and kernel changes as data (docs/changes.md)
  candidatesCommand,
  // real machines' L0 traces (docs/traces.md)
  ...[importCommand, diffCommand, fitCommand],
  // the workload profiles (docs/runs.md "Workload profiles")
  profileCommand,
];

export function version(): string {
  const pkg = JSON.parse(readFileSync(join(projectRoot(), "package.json"), "utf8")) as { version: string };
  return pkg.version;
}

function usage(): string {
  const lines = ["usage: nestlab <command> [options]", "", "commands:"];
  for (const c of COMMANDS) lines.push(`  ${c.name.padEnd(10)} ${c.summary}`);
  lines.push(
    "",
    "nestlab <command> --help for a command's options; nestlab --version",
    "exit status: 0 done, 2 bad input (one line on stderr), 3 `check` found a violation, 1 internal error",
  );
  return lines.join("\n") + "\n";
}

const NAMES = (): string[] => COMMANDS.map((c) => c.name);

function findCommand(name: string): Command | undefined {
  return COMMANDS.find((c) => c.name === name);
}

/** A word where a command was expected: an unknown command (with the nearest), or an option before any command. */
function badCommand(word: string): ConfigError {
  if (word.startsWith("-")) {
    return new ConfigError("command", word, "", `unknown option '${echo(word)}' before a command: accepted --help, --version, or a command (${NAMES().join(", ")})`);
  }
  return new ConfigError("command", word, `${NAMES().join(", ")}${didYouMean(nearest(word, NAMES()))}`);
}

/** The top-level words (`--help`, `--version`, `help [COMMAND]`) take nothing more. */
function nothingMore(what: string, rest: readonly string[]): void {
  const extra = rest[0];
  if (extra !== undefined) throw new ConfigError("command", extra, "", `unexpected argument '${echo(extra)}' after ${what} (it takes none)`);
}

/** The progress printer on this process's stderr (lib/cli/progress.ts): one updating line on a terminal, else lines. */
export function stderrProgress(): ProgressPrinter {
  return progressPrinter({ tty: process.stderr.isTTY === true, write: (t) => void process.stderr.write(t) });
}

/**
 * `--quiet` silences progress. Every command that reports progress declares it (QUIET_OPTION); whether it is on is read
 * from argv: a literal `--quiet` there is the flag (as a would-be value it is refused as a missing value, `--quiet=X`
 * and a repeat are refused by the parser), so a command that runs has it on exactly when argv holds it.
 */
function quietIo(command: Command, argv: readonly string[], io: CommandIO): CommandIO {
  if (!command.options.some((o) => o.name === QUIET_OPTION.name) || !argv.includes(`--${QUIET_OPTION.name}`)) return io;
  return { out: io.out, err: io.err };
}

export async function runCli(argv: readonly string[], io: CommandIO): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    if (cmd === undefined) {
      throw new ConfigError("command", "", "", `a command is needed: nestlab <command> [options], a command among ${NAMES().join(", ")} (nestlab --help describes them)`);
    }
    if (cmd === "--help" || cmd === "-h") {
      nothingMore(cmd, rest);
      io.out(usage());
      return 0;
    }
    if (cmd === "help") {
      const [name, ...more] = rest;
      nothingMore(`help ${name ?? ""}`.trim(), name === undefined ? [] : more);
      if (name === undefined) {
        io.out(usage());
        return 0;
      }
      const command = findCommand(name);
      if (!command) throw badCommand(name);
      io.out(command.help());
      return 0;
    }
    if (cmd === "--version") {
      nothingMore(cmd, rest);
      io.out(`nestlab ${version()}\nmodel: ${kernelLine()}\nmodel identity: ${modelIdentity()}\n`);
      return 0;
    }
    const command = findCommand(cmd);
    if (!command) throw badCommand(cmd);
    return await command.run(rest, quietIo(command, rest, io));
  } catch (e) {
    // the reader of stdout went away (`| head`): stop quietly, as the pipeline asked
    if (e instanceof OutputClosed) return 0;
    if (e instanceof ConfigError || e instanceof LimitError) {
      // one line: whatever a message echoes (values, file names) cannot break it or recolour the terminal
      io.err(`nestlab: ${printable(e.message)}\n`);
      return 2;
    }
    io.err(`nestlab: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 1;
  }
}

/**
 * The process's entry. A closed stdout (EPIPE: `nestlab trace | head -c 10`) ends the command quietly with exit 0: the
 * stream's 'error' is handled (no stack trace) and the next write stops the command (OutputClosed; a trace's temporary
 * file is removed on the way out). A closed stderr is ignored (nothing could be reported on it).
 */
export function main(argv: readonly string[]): Promise<number> {
  let closed = false;
  process.stdout.on("error", () => {
    closed = true;
  });
  process.stderr.on("error", () => undefined);
  const printer = stderrProgress();
  return runCli(argv, {
    out: (t) => {
      if (closed) throw new OutputClosed();
      // a terminal's progress line left open (work that ended short of its total) is ended before the output
      printer.interrupt();
      process.stdout.write(t);
    },
    err: (t) => {
      // an error or warning after a terminal's progress line starts a line of its own
      printer.interrupt();
      process.stderr.write(t);
    },
    progress: printer.progress,
  });
}
