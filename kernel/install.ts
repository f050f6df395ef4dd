/**
 * `npm run kernel:install`: registers the nestlab kernelspec (name `nestlab`, "TypeScript (nestlab)") in the user's
 * Jupyter data directory, without IPython or `jupyter kernelspec`: a kernelspec is just a folder holding kernel.json.
 * The kernel is tslab's, started by kernel/launch.cjs from the project root (absolute paths: run it again after
 * moving the project or changing Node).
 *
 *   npm run kernel:install [-- --data-dir DIR]   (default: $JUPYTER_DATA_DIR, else the platform's user data dir)
 */
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export const KERNEL_NAME = "nestlab";
export const KERNEL_DISPLAY_NAME = "TypeScript (nestlab)";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const PROJECT_ROOT = (require("./tslab.cjs") as { ROOT: string }).ROOT;

export interface KernelSpec {
  readonly argv: readonly string[];
  readonly display_name: string;
  readonly language: string;
  readonly interrupt_mode: "signal";
  readonly metadata: { readonly nestlab: { readonly root: string } };
}

/** kernel.json: node (this one, by absolute path) runs the launcher, which starts `tslab kernel` from the root. */
export function kernelSpec(root: string = PROJECT_ROOT, node: string = process.execPath): KernelSpec {
  return {
    argv: [node, join(root, "kernel", "launch.cjs"), "kernel", "--config-path", "{connection_file}"],
    display_name: KERNEL_DISPLAY_NAME,
    language: "typescript",
    interrupt_mode: "signal",
    metadata: { nestlab: { root } },
  };
}

/** Jupyter's user data directory, as `jupyter --data-dir` reports it. */
export function jupyterDataDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.JUPYTER_DATA_DIR) return env.JUPYTER_DATA_DIR;
  if (process.platform === "darwin") return join(homedir(), "Library", "Jupyter");
  if (process.platform === "win32") return join(env.APPDATA ?? homedir(), "jupyter");
  return join(env.XDG_DATA_HOME || join(homedir(), ".local", "share"), "jupyter");
}

/** Writes <dataDir>/kernels/nestlab/kernel.json (atomically) and returns the kernelspec folder. */
export function installKernelSpec(dataDir: string = jupyterDataDir(), spec: KernelSpec = kernelSpec()): string {
  const dir = join(dataDir, "kernels", KERNEL_NAME);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `kernel.json.tmp-${process.pid}`);
  writeFileSync(tmp, JSON.stringify(spec, null, 2) + "\n");
  renameSync(tmp, join(dir, "kernel.json"));
  return dir;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  let dataDir: string | undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--data-dir" && args[i + 1]) dataDir = args[++i];
    else {
      process.stderr.write(`kernel:install: unknown argument '${args[i]}'; usage: npm run kernel:install [-- --data-dir DIR]\n`);
      process.exit(2);
    }
  }
  const dir = installKernelSpec(dataDir);
  process.stdout.write(`installed kernelspec '${KERNEL_NAME}' (${KERNEL_DISPLAY_NAME}) in ${dir}\n`);
}
