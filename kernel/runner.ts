/**
 * Headless notebook runner: executes a .ipynb with tslab's own compiler and executor (no Jupyter, no Python), in
 * the project root as the nestlab kernel does, and returns the notebook with its outputs (stream text, display_data
 * bundles, and an error output on the failed cell). Execution stops at the first failing cell, as nbclient does.
 *
 *   npx tsx kernel/runner.ts notebooks/00-smoke.ipynb [--out executed.ipynb] [--quick] [--timeout-s 600]
 *
 * exits 0 when every cell ran, 1 with "<notebook>: cell N failed: <error>" on stderr otherwise, 2 on bad usage.
 * One notebook per process: cells run in the process's global context (tslab's model), so `runNotebookFile`
 * starts a fresh process for each.
 */
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { format } from "node:util";

// ---------------------------------------------------------------------------------------------------------------------
// nbformat 4 (the parts we read and write)

export type MultilineString = string | string[];
export interface StreamOutput { output_type: "stream"; name: "stdout" | "stderr"; text: MultilineString }
export interface DisplayDataOutput { output_type: "display_data"; data: { [mime: string]: unknown }; metadata: { [key: string]: unknown } }
export interface ExecuteResultOutput { output_type: "execute_result"; data: { [mime: string]: unknown }; metadata: { [key: string]: unknown }; execution_count: number | null }
export interface ErrorOutput { output_type: "error"; ename: string; evalue: string; traceback: string[] }
export type NotebookOutput = StreamOutput | DisplayDataOutput | ExecuteResultOutput | ErrorOutput;
export interface NotebookCell {
  cell_type: "code" | "markdown" | "raw";
  id?: string;
  source: MultilineString;
  metadata: { [key: string]: unknown };
  outputs?: NotebookOutput[];
  execution_count?: number | null;
}
export interface Notebook { cells: NotebookCell[]; metadata: { [key: string]: unknown }; nbformat: number; nbformat_minor: number }

export const sourceText = (s: MultilineString): string => (Array.isArray(s) ? s.join("") : s);

export function readNotebook(path: string): Notebook {
  const nb = JSON.parse(readFileSync(path, "utf8")) as Notebook;
  if (!nb || !Array.isArray(nb.cells) || nb.nbformat !== 4) throw new Error(`${path}: not an nbformat 4 notebook`);
  return nb;
}

export function writeNotebook(path: string, nb: Notebook): void {
  writeFileSync(path, JSON.stringify(nb, null, 1) + "\n");
}

// ---------------------------------------------------------------------------------------------------------------------
// tslab, loaded with the project's compiler options (kernel/tslab.cjs)

interface TslabExecutor {
  execute(src: string): Promise<boolean>;
  interrupt(): void;
  close(): void;
}
interface TslabConverter { close(): void }
interface DisplayMessage { data: { [mime: string]: unknown }; metadata?: { [key: string]: unknown }; transient?: { display_id?: string } }
interface TslabModules {
  converter: { createConverter(o: { isJS: boolean; isBrowser: boolean }): TslabConverter };
  executor: {
    createExecutor(
      rootDir: string,
      convs: { node: TslabConverter; browser: TslabConverter; close(): void },
      console: { log(...a: unknown[]): void; error(...a: unknown[]): void },
    ): TslabExecutor;
  };
  jupyter: { lastWriteDisplayData: ((d: DisplayMessage, update: boolean) => void) | null };
}
// eslint-disable-next-line @typescript-eslint/no-require-imports
const loader = require("./tslab.cjs") as { ROOT: string; tslab(): TslabModules };

/** The project root: the kernel's working directory and tslab's rootDir. */
export const PROJECT_ROOT: string = loader.ROOT;

// ---------------------------------------------------------------------------------------------------------------------
// execution

export interface CellFailure {
  /** 1-based position of the cell in the notebook (all cells counted, as a reader counts them) */
  readonly cell: number;
  /** the error as tslab printed it (compile diagnostics or the exception) */
  readonly error: string;
}

export interface ExecuteOptions {
  /** per-cell limit; the cell is interrupted (async work) and fails after it (default 600 s) */
  readonly cellTimeoutMs?: number;
  /** called before each code cell: (1-based cell number, code cells done, code cells in all) */
  readonly onCell?: (cell: number, done: number, total: number) => void;
}

export interface ExecuteResult {
  readonly notebook: Notebook;
  readonly failure?: CellFailure;
}

/** First meaningful line of an error text (tslab prints diagnostics as "L:C - message", exceptions with a stack). */
export function errorSummary(text: string): string {
  const lines = text.split("\n").map((l) => l.trim()).filter((l) => l !== "");
  return lines.find((l) => /Error|error|^\d+:\d+ - /.test(l) && !/^at /.test(l)) ?? lines[0] ?? "failed";
}

/**
 * Executes the notebook's code cells in this process (working directory: the project root). Returns a copy with
 * outputs and execution counts; `failure` says which cell failed and why (later cells are left unexecuted).
 */
export async function executeNotebook(input: Notebook, o: ExecuteOptions = {}): Promise<ExecuteResult> {
  const nb = JSON.parse(JSON.stringify(input)) as Notebook;
  process.chdir(PROJECT_ROOT);
  const tslab = loader.tslab();
  const conv = tslab.converter.createConverter({ isJS: false, isBrowser: false });
  let outputs: NotebookOutput[] = [];
  let errorText = "";
  const stream = (name: "stdout" | "stderr", text: string): void => {
    const last = outputs[outputs.length - 1];
    if (last && last.output_type === "stream" && last.name === name) last.text = sourceText(last.text) + text;
    else outputs.push({ output_type: "stream", name, text });
  };
  const executor = tslab.executor.createExecutor(PROJECT_ROOT, { node: conv, browser: conv, close: () => conv.close() }, {
    log: (...a: unknown[]) => stream("stdout", format(...a) + "\n"),
    error: (...a: unknown[]) => {
      const t = format(...a) + "\n";
      errorText += t;
      stream("stderr", t);
    },
  });
  // display_id -> the output it created, so that updates (tslab.newDisplay) overwrite it in place
  const byId = new Map<string, DisplayDataOutput>();
  const writeDisplay = (d: DisplayMessage, update: boolean): void => {
    const id = d.transient?.display_id;
    const existing = id !== undefined ? byId.get(id) : undefined;
    if (update && existing) {
      existing.data = { ...d.data };
      existing.metadata = { ...(d.metadata ?? {}) };
      return;
    }
    const out: DisplayDataOutput = { output_type: "display_data", data: { ...d.data }, metadata: { ...(d.metadata ?? {}) } };
    if (id !== undefined) byId.set(id, out);
    outputs.push(out);
  };
  const stdoutWrite = process.stdout.write;
  const stderrWrite = process.stderr.write;
  const capture = (name: "stdout" | "stderr") =>
    ((chunk: string | Uint8Array) => {
      stream(name, typeof chunk === "string" ? chunk : Buffer.from(chunk).toString("utf8"));
      return true;
    }) as typeof process.stdout.write;
  const codeCells = nb.cells.filter((c) => c.cell_type === "code").length;
  let count = 0;
  let failure: CellFailure | undefined;
  try {
    for (const [i, cell] of nb.cells.entries()) {
      if (cell.cell_type !== "code") continue;
      if (failure) {
        cell.outputs = [];
        cell.execution_count = null;
        continue;
      }
      o.onCell?.(i + 1, count, codeCells);
      outputs = [];
      errorText = "";
      cell.outputs = outputs;
      cell.execution_count = ++count;
      process.stdout.write = capture("stdout");
      process.stderr.write = capture("stderr");
      tslab.jupyter.lastWriteDisplayData = writeDisplay;
      let ok: boolean;
      let timer: NodeJS.Timeout | undefined;
      try {
        const limit = o.cellTimeoutMs ?? 600_000;
        const timeout = new Promise<boolean>((res) => {
          timer = setTimeout(() => {
            executor.interrupt();
            errorText += `timed out after ${limit / 1000} s\n`;
            res(false);
          }, limit);
        });
        ok = await Promise.race([executor.execute(sourceText(cell.source)), timeout]);
      } catch (e) {
        errorText += format(e) + "\n";
        ok = false;
      } finally {
        if (timer) clearTimeout(timer);
        process.stdout.write = stdoutWrite;
        process.stderr.write = stderrWrite;
      }
      cell.outputs = outputs;
      if (!ok) {
        const error = errorText.trim() || "the cell failed without a message";
        outputs.push({ output_type: "error", ename: "CellError", evalue: errorSummary(error), traceback: error.split("\n") });
        failure = { cell: i + 1, error };
      }
    }
  } finally {
    tslab.jupyter.lastWriteDisplayData = null;
    executor.close();
  }
  return failure ? { notebook: nb, failure } : { notebook: nb };
}

// ---------------------------------------------------------------------------------------------------------------------
// one notebook in its own process (what the report and tests use)

export interface RunFileOptions {
  /** where to write the executed notebook (written also when a cell fails) */
  readonly out?: string;
  /** NESTLAB_QUICK=1 for the notebook */
  readonly quick?: boolean;
  readonly env?: NodeJS.ProcessEnv;
  readonly cellTimeoutMs?: number;
  /** receives the child's stderr lines (progress, failure) */
  readonly onStderr?: (text: string) => void;
}

export interface RunFileResult {
  readonly ok: boolean;
  readonly exitCode: number | null;
  readonly stderr: string;
  readonly ms: number;
}

/** Runs `tsx kernel/runner.ts <notebook>` in a fresh process from the project root. */
export function runNotebookFile(notebook: string, o: RunFileOptions = {}): Promise<RunFileResult> {
  const start = Date.now();
  const tsxCli = require.resolve("tsx/cli", { paths: [PROJECT_ROOT] });
  const args = [tsxCli, join(PROJECT_ROOT, "kernel", "runner.ts"), resolve(notebook)];
  if (o.out) args.push("--out", resolve(o.out));
  if (o.cellTimeoutMs) args.push("--timeout-s", String(Math.ceil(o.cellTimeoutMs / 1000)));
  const env = { ...process.env, ...o.env, ...(o.quick ? { NESTLAB_QUICK: "1" } : {}) };
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, args, { cwd: PROJECT_ROOT, env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (t: string) => {
      stderr += t;
      o.onStderr?.(t);
    });
    child.on("error", rej);
    child.on("close", (code) => res({ ok: code === 0, exitCode: code, stderr, ms: Date.now() - start }));
  });
}

// ---------------------------------------------------------------------------------------------------------------------
// command line

const USAGE = "usage: tsx kernel/runner.ts NOTEBOOK.ipynb [--out FILE] [--quick] [--timeout-s S]";

async function main(argv: readonly string[]): Promise<number> {
  let file: string | undefined;
  let out: string | undefined;
  let timeoutS = 600;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--out") out = argv[++i];
    else if (a === "--quick") process.env.NESTLAB_QUICK = "1";
    else if (a === "--timeout-s") timeoutS = Number(argv[++i]);
    else if (a === "--help" || a === "-h") {
      process.stdout.write(USAGE + "\n");
      return 0;
    } else if (!a.startsWith("--") && file === undefined) file = a;
    else {
      process.stderr.write(`runner: unknown argument '${a}'; ${USAGE}\n`);
      return 2;
    }
  }
  if (file === undefined || (out !== undefined && out === "") || !(timeoutS > 0)) {
    process.stderr.write(`runner: ${USAGE}\n`);
    return 2;
  }
  const path = resolve(file);
  let nb: Notebook;
  try {
    nb = readNotebook(path);
  } catch (e) {
    process.stderr.write(`runner: ${e instanceof Error ? e.message : String(e)}\n`);
    return 2;
  }
  const r = await executeNotebook(nb, {
    cellTimeoutMs: timeoutS * 1000,
    onCell: (cell, done, total) => process.stderr.write(`runner: ${file} cell ${cell} (${done + 1}/${total})\n`),
  });
  if (out !== undefined) writeNotebook(resolve(out), r.notebook);
  if (r.failure) {
    process.stderr.write(`${file}: cell ${r.failure.cell} failed: ${errorSummary(r.failure.error)}\n${r.failure.error}\n`);
    return 1;
  }
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`runner: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}
