import { readFileSync } from "node:fs";
import { join } from "node:path";
import { kernelLine } from "../kvm/kernel";
import { projectRoot } from "../util/root";
import { ConfigError, LimitError, OutputClosed } from "../util/errors";
import type { Command, CommandIO } from "./command";
import { microCommand } from "./commands/micro";
import { compareCommand, runCommand } from "./commands/run";
import { statCommand, traceCommand } from "./commands/trace";
import { mergeCommand, sweepCommand } from "./commands/sweep";
import { checkCommand } from "./commands/check";

/**
 * The nestlab command line. Contract (docs/cli.md): `--json` prints exactly one JSON object on stdout; bad input prints
 * one line on stderr naming the field and the accepted values and exits 2 with nothing written; internal errors exit 1.
 */
export const COMMANDS: readonly Command[] = [microCommand, runCommand, compareCommand, traceCommand, statCommand, sweepCommand, mergeCommand, checkCommand];

export function version(): string {
  const pkg = JSON.parse(readFileSync(join(projectRoot(), "package.json"), "utf8")) as { version: string };
  return pkg.version;
}

function usage(): string {
  const lines = ["usage: nestlab <command> [options]", "", "commands:"];
  for (const c of COMMANDS) lines.push(`  ${c.name.padEnd(10)} ${c.summary}`);
  lines.push("", "nestlab <command> --help for a command's options; nestlab --version");
  return lines.join("\n") + "\n";
}

export function stderrProgress(): CommandIO["progress"] {
  const started = Date.now();
  let last = 0;
  let shown = false;
  return (done, total, what) => {
    const now = Date.now();
    if (now - started < 500 && done < total) return;
    if (now - last < 200 && done < total) return;
    if (done >= total && !shown) return;
    last = now;
    shown = true;
    const pct = total > 0 ? Math.floor((100 * done) / total) : 100;
    const elapsed = (now - started) / 1000;
    const eta = done > 0 && done < total ? ` eta ${((elapsed * (total - done)) / done).toFixed(1)}s` : "";
    process.stderr.write(`nestlab: ${what} ${done}/${total} (${pct}%)${eta}\n`);
  };
}

export async function runCli(argv: readonly string[], io: CommandIO): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    if (cmd === undefined || cmd === "--help" || cmd === "help") {
      io.out(usage());
      return cmd === undefined ? 2 : 0;
    }
    if (cmd === "--version") {
      io.out(`nestlab ${version()}\nmodel: ${kernelLine()}\n`);
      return 0;
    }
    const command = COMMANDS.find((c) => c.name === cmd);
    if (!command) throw new ConfigError("command", cmd, COMMANDS.map((c) => c.name).join(", "));
    return await command.run(rest, io);
  } catch (e) {
    // the reader of stdout went away (`| head`): stop quietly, as the pipeline asked
    if (e instanceof OutputClosed) return 0;
    if (e instanceof ConfigError || e instanceof LimitError) {
      io.err(`nestlab: ${e.message}\n`);
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
  return runCli(argv, {
    out: (t) => {
      if (closed) throw new OutputClosed();
      process.stdout.write(t);
    },
    err: (t) => void process.stderr.write(t),
    progress: stderrProgress(),
  });
}
