/**
 * `npm run notebook [-- --port N] [-- --notebook-dir DIR] [-- --token T]`: real Jupyter on a fresh Debian 12 machine.
 *
 * Registers the nestlab kernelspec (as `npm run kernel:install`: in $JUPYTER_DATA_DIR, else the user's Jupyter data
 * directory) and starts Debian's classic Jupyter Notebook (`apt-get install jupyter-notebook`: Notebook 6.4) on
 * notebooks/, listening on 127.0.0.1. It runs /usr/bin/jupyter-notebook, whose interpreter is Debian's
 * /usr/bin/python3, so a different `python3` first on PATH (pyenv, a venv) does not matter. As root it passes
 * --allow-root (Notebook refuses root otherwise). It opens no browser: open the URL it prints.
 *
 * Classic Notebook has no Vega-Lite 5 renderer: every chart output also carries an SVG (kernel/display plot), which
 * it shows. test/kernel/notebook.full.test.ts starts this command and runs a notebook in Chromium.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { installKernelSpec, jupyterDataDir } from "./install";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const ROOT = (require("./tslab.cjs") as { ROOT: string }).ROOT;
export const JUPYTER_NOTEBOOK = "/usr/bin/jupyter-notebook";

export interface NotebookServerOptions {
  readonly port: number;
  readonly notebookDir: string;
  /** the access token (default: Jupyter makes one and prints it in the URL) */
  readonly token?: string;
}

/** The command line that starts the server. */
export function notebookCommand(o: NotebookServerOptions, uid: number = process.getuid?.() ?? 1000): string[] {
  return [
    JUPYTER_NOTEBOOK,
    "--no-browser",
    "--ip=127.0.0.1",
    `--port=${o.port}`,
    "--port-retries=0",
    `--notebook-dir=${o.notebookDir}`,
    ...(o.token !== undefined ? [`--NotebookApp.token=${o.token}`] : []),
    ...(uid === 0 ? ["--allow-root"] : []),
  ];
}

function usage(msg: string): never {
  process.stderr.write(`notebook: ${msg}; usage: npm run notebook [-- --port N] [-- --notebook-dir DIR] [-- --token T]\n`);
  process.exit(2);
}

if (require.main === module) {
  const args = process.argv.slice(2);
  let port = 8888;
  let notebookDir = join(ROOT, "notebooks");
  let token: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const v = args[i + 1];
    if (a === "--port" && v !== undefined && /^\d+$/.test(v)) port = Number(args[++i]);
    else if (a === "--notebook-dir" && v !== undefined) notebookDir = args[++i]!;
    else if (a === "--token" && v !== undefined) token = args[++i]!;
    else usage(`unknown or incomplete argument '${a}'`);
  }
  if (!existsSync(JUPYTER_NOTEBOOK)) {
    process.stderr.write(`notebook: ${JUPYTER_NOTEBOOK} not found; install Debian's classic Jupyter Notebook: apt-get install -y --no-install-recommends jupyter-notebook\n`);
    process.exit(2);
  }
  const dir = installKernelSpec(jupyterDataDir());
  process.stderr.write(`notebook: kernelspec 'nestlab' in ${dir}\nnotebook: serving ${notebookDir} at http://127.0.0.1:${port}/ (open the URL below, with its token)\n`);
  const [cmd, ...rest] = notebookCommand({ port, notebookDir, ...(token !== undefined ? { token } : {}) });
  const child = spawn(cmd!, rest, { stdio: "inherit", env: process.env });
  for (const sig of ["SIGINT", "SIGTERM"] as const) process.on(sig, () => child.kill(sig));
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
