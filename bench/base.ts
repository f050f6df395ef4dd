import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { projectRoot } from "../lib/util/root";

/**
 * The exact engine of another commit, bundled exactly as this checkout's build is (lib/cli/build.cjs BUNDLE_OPTIONS),
 * so that `npm run bench` can alternate rounds of both in one process: the only fair comparison on a shared machine
 * whose speed drifts by tens of percent from minute to minute.
 */

/** what a round needs from an engine, in the form every commit since the first round offers */
export interface EngineApi {
  readonly Machine: new (cfg: unknown) => {
    leafFp(): void;
    leafTrap(ev: unknown): void;
    count(level: number, field: "l0Traps"): number;
    drain(): unknown;
  };
  readonly defaultModelConfig: (over: { depth: number; patch: number[] }) => unknown;
  readonly trapEvent: (ev: { ec: string; reason: string }) => unknown;
}

interface BuildModule {
  readonly BUNDLE_OPTIONS: Record<string, unknown>;
}

/** Bundles the engine API of the checkout at `root` and loads it. */
export function loadEngine(root: string, label: string): EngineApi {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require("esbuild") as typeof import("esbuild");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { BUNDLE_OPTIONS } = require(join(projectRoot(), "lib", "cli", "build.cjs")) as BuildModule;
  const events = existsSync(join(root, "lib", "engine", "events.ts")) ? "./lib/engine/events" : "./lib/engine/machine";
  const contents = [
    'export { Machine } from "./lib/engine/machine";',
    'export { defaultModelConfig } from "./lib/kvm/config";',
    `export { trapEvent } from "${events}";`,
  ].join("\n");
  const r = esbuild.buildSync({
    ...BUNDLE_OPTIONS,
    stdin: { contents, resolveDir: root, sourcefile: `${label}-engine.ts`, loader: "ts" },
    sourcemap: false,
    write: false,
  });
  const dir = mkdtempSync(join(tmpdir(), `nestlab-bench-${label}-`));
  const file = join(dir, "engine.cjs");
  writeFileSync(file, r.outputFiles[0]!.contents);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(file) as EngineApi;
}

/** A detached git worktree of `ref` (removed by the returned disposer), or an error message. */
export function worktree(ref: string): { dir: string; dispose: () => void } | string {
  const root = projectRoot();
  const dir = mkdtempSync(join(tmpdir(), "nestlab-base-"));
  try {
    execFileSync("git", ["-C", root, "worktree", "add", "--detach", dir, ref], { stdio: "pipe" });
  } catch (e) {
    rmSync(dir, { recursive: true, force: true });
    return `git worktree of ${ref} failed: ${(e as { stderr?: Buffer }).stderr?.toString().trim() ?? String(e)}`;
  }
  return {
    dir,
    dispose: () => {
      try {
        execFileSync("git", ["-C", root, "worktree", "remove", "--force", dir], { stdio: "pipe" });
      } catch {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
