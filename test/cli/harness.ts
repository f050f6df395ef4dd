import { spawn, spawnSync, type SpawnSyncReturns } from "node:child_process";
import { createHash } from "node:crypto";
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect } from "vitest";
import { runCli } from "../../lib/cli/main";

/** Helpers of the command-line tests: in-process runs, runs of the built CLI, and snapshots of directories. */
export const ROOT = join(__dirname, "..", "..");
export const BIN = join(ROOT, "lib", "cli", "bin.cjs");

export interface CliResult {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** runCli in this process, with stdout and stderr captured */
export async function cli(...argv: string[]): Promise<CliResult> {
  let out = "";
  let err = "";
  const code = await runCli(argv, { out: (t) => void (out += t), err: (t) => void (err += t) });
  return { code, out, err };
}

/** the built CLI in a child process (bounded: a hang fails the test instead of blocking it) */
export function run(argv: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {}): CliResult & { signal: NodeJS.Signals | null; raw: SpawnSyncReturns<string> } {
  const r = spawnSync(process.execPath, [BIN, ...argv], {
    cwd: opts.cwd ?? ROOT,
    env: opts.env ?? process.env,
    encoding: "utf8",
    timeout: opts.timeoutMs ?? 60_000,
    ...(opts.input !== undefined ? { input: opts.input } : {}),
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr, signal: r.signal, raw: r };
}

/** the built CLI, started in the background */
export function start(argv: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  return spawn(process.execPath, [BIN, ...argv], { cwd: opts.cwd ?? ROOT, env: opts.env ?? process.env, stdio: ["ignore", "pipe", "pipe"] });
}

/** The bad-input contract: exit 2, nothing on stdout, exactly one line on stderr starting `nestlab: `. */
export function expectOneLine(r: CliResult, re?: RegExp): void {
  expect(r.code, r.err).toBe(2);
  expect(r.out).toBe("");
  expect(r.err.endsWith("\n"), JSON.stringify(r.err)).toBe(true);
  expect(r.err.slice(0, -1).includes("\n"), JSON.stringify(r.err)).toBe(false);
  expect(r.err.startsWith("nestlab: "), r.err).toBe(true);
  if (re) expect(r.err).toMatch(re);
}

/** Every entry under `dir`: its type, size, mode and mtime, a regular file's content hash, a symlink's target. */
export function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const r = rel ? `${rel}/${name}` : name;
      const st = lstatSync(p);
      if (st.isDirectory()) {
        out[r] = `dir ${st.mode.toString(8)}`;
        walk(p, r);
      } else if (st.isFile()) {
        const hash = st.size <= 1 << 20 ? createHash("sha256").update(readFileSync(p)).digest("hex").slice(0, 16) : `${st.ino}`;
        out[r] = `file ${st.mode.toString(8)} ${st.size} ${st.mtimeMs} ${hash}`;
      } else if (st.isSymbolicLink()) out[r] = `link -> ${readlinkSync(p)}`;
      else out[r] = `other ${st.mode.toString(8)} ${st.rdev}`;
    }
  };
  walk(dir, "");
  return out;
}

/** mknod needs CAP_MKNOD (a container may not have it): whether it works here */
export function canMknod(dir: string): boolean {
  const r = spawnSync("mknod", [join(dir, ".probe-mknod"), "c", "1", "3"], { encoding: "utf8" });
  spawnSync("rm", ["-f", join(dir, ".probe-mknod")]);
  return r.status === 0;
}

/**
 * Scratch directories for a test file: `base` made now and removed after the file's tests; `tmp()` a fresh numbered
 * directory under it for each case.
 */
export function scratch(prefix: string): { readonly base: string; tmp(): string } {
  const base = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(base, { recursive: true, force: true }));
  let n = 0;
  return {
    base,
    tmp: () => {
      const d = join(base, String(n++));
      mkdirSync(d);
      return d;
    },
  };
}
