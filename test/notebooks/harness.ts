import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { installKernelSpec, KERNEL_NAME } from "../../kernel/install";

/**
 * Every experiment notebook runs end to end twice, in quick mode (same code paths, smaller grids): through the
 * headless runner (tslab's own compiler and executor: the report's test builds the whole report, which runs every
 * notebook so, and checks each executed notebook with checkExecuted) and through real Jupyter with the project
 * kernelspec (Debian's nbclient, here). No cell may fail, and the tables and charts each notebook promises must be
 * there.
 *
 * One test file per notebook (test/notebooks/<name>.full.test.ts calls notebookTests(name)), so vitest's workers run
 * the notebooks side by side. Each file works in its own scratch directory: its executed notebooks, its kernelspec
 * (JUPYTER_PATH) and Jupyter's connection files (JUPYTER_RUNTIME_DIR) are its own.
 */
export const ROOT = join(__dirname, "../..");

/**
 * tables and charts each notebook must show; `same`: a chart and the table beside it that must plot the same
 * quantity ([output name, column]: the column's values equal in both CSVs)
 */
export const EXPECTED: Record<string, { tables: string[]; charts: string[]; same?: [string, string][] }> = {
  "01-quickstart": { tables: ["one-exit", "micro-hvc-leaf-fp", "per-seed", "seed-variance"], charts: ["trap-tree", "timeline"] },
  "02-nesting-depth": {
    tables: ["traps-per-exit", "speedup-by-depth"],
    charts: ["traps-per-exit", "speedup-by-depth"],
    same: [
      ["traps-per-exit", "l0TrapsPerOp"],
      ["speedup-by-depth", "wallReduction"],
    ],
  },
  "03-io-exception-rate": { tables: ["speedup-io-rate"], charts: ["speedup-heatmap"] },
  "04-sve-vector-length": { tables: ["speedup-sve"], charts: ["speedup-sve"] },
  "05-what-if": { tables: ["adoption", "knobs"], charts: ["adoption"] },
  "06-patch-claims": { tables: ["claims", "where-saved", "exit", "sensitivity", "explain"], charts: ["claims", "where-saved", "exit", "tornado"] },
  "07-fp-safety": { tables: ["fp-safety", "fp-safety-deep", "fp-exhaustive"], charts: ["fp-safety"] },
  "08-real-trace": { tables: ["exit-kinds", "windows", "machine-vs-model", "fit", "fit-seeds"], charts: ["machine-vs-model"] },
  "09-candidates": {
    tables: ["candidates", "examples"],
    charts: ["candidates", "examples-by-depth"],
    same: [["candidates", "wallSaving"]],
  },
};

/**
 * Notebooks written as experiments (question, method, assumptions; variance over seeds; a conclusion from their own
 * numbers).
 */
export const EXPERIMENTS = Object.keys(EXPECTED);

/** The experiment notebooks in notebooks/ (01..09), by name without .ipynb. */
export function experimentNotebooks(): string[] {
  return readdirSync(join(ROOT, "notebooks"))
    .filter((f) => /^0[1-9].*\.ipynb$/.test(f))
    .map((f) => f.replace(/\.ipynb$/, ""));
}

interface Output {
  output_type: string;
  data?: Record<string, unknown>;
  metadata?: { nestlab?: { kind?: string; name?: string | null; csv?: string | null; value?: unknown } };
}

/** A notebook's own checks on its executed outputs, run after the common ones on each of the two runs. */
export type NotebookCheck = (outputs: readonly NotebookOutputRead[], run: "headless" | "jupyter") => void;

/** One output of an executed notebook, as the checks read it. */
export interface NotebookOutputRead {
  readonly output_type: string;
  readonly data?: Record<string, unknown>;
  readonly metadata?: { readonly nestlab?: { readonly kind?: string; readonly name?: string | null } };
}

/** The text/plain rendering of the table output named `name` (show(..., { name })); fails the test when absent. */
export function tableText(outputs: readonly NotebookOutputRead[], name: string): string {
  const o = outputs.find((x) => x.metadata?.nestlab?.kind === "table" && x.metadata.nestlab.name === name);
  expect(o, `table ${name}`).toBeDefined();
  const t = o!.data?.["text/plain"];
  return Array.isArray(t) ? t.join("") : String(t);
}

/**
 * The checks every executed notebook must pass (its outputs, as nbformat); exported for the report's test, which runs
 * each notebook headless once. `own`: the notebook's own checks (its test file passes them for the real-Jupyter run).
 */
export function checkExecuted(name: string, file: string, own?: NotebookCheck, run: "headless" | "jupyter" = "headless"): void {
  const nb = JSON.parse(readFileSync(file, "utf8")) as { cells: { outputs?: Output[] }[] };
  const outputs = nb.cells.flatMap((c) => c.outputs ?? []);
  expect(outputs.filter((o) => o.output_type === "error"), `${name}: no failed cell`).toEqual([]);
  const named = (kind: string): string[] =>
    outputs.flatMap((o) => (o.metadata?.nestlab?.kind === kind && o.metadata.nestlab.name ? [o.metadata.nestlab.name] : []));
  const exp = EXPECTED[name]!;
  for (const t of exp.tables) expect(named("table"), `${name}: table ${t}`).toContain(t);
  for (const c of exp.charts) expect(named("chart"), `${name}: chart ${c}`).toContain(c);
  for (const o of outputs.filter((x) => x.metadata?.nestlab?.kind === "chart")) {
    expect(typeof o.data?.["application/vnd.vegalite.v5+json"]).toBe("object");
    expect(String(o.data?.["image/svg+xml"])).toMatch(/^<svg/);
  }
  const csvOf = (kind: string, n: string): string[][] => {
    const o = outputs.find((x) => x.metadata?.nestlab?.kind === kind && x.metadata.nestlab.name === n);
    return (o?.metadata?.nestlab?.csv ?? "").trim().split("\n").map((l) => l.split(","));
  };
  for (const [n, column] of exp.same ?? []) {
    const values = (rows: string[][]): string[] => rows.slice(1).map((r) => r[rows[0]!.indexOf(column)]!);
    expect(csvOf("table", n)[0], `${name}: table ${n} has ${column}`).toContain(column);
    expect(values(csvOf("chart", n)), `${name}: chart ${n} plots the table's ${column}`).toEqual(values(csvOf("table", n)));
  }
  // a figure of a run says which run: tables and charts of wall-clock savings state their leaf work and seeds (the
  // same figure differs in its last digits between runs of different lengths and seeds)
  for (const o of outputs.filter((x) => x.metadata?.nestlab?.kind === "table" || x.metadata?.nestlab?.kind === "chart")) {
    const head = (o.metadata?.nestlab?.csv ?? "").split("\n")[0] ?? "";
    if (!/eduction|wallSaving/.test(head)) continue;
    const html = String(o.data?.["text/html"] ?? "");
    const spec = o.data?.["application/vnd.vegalite.v5+json"] as { title?: string | { text?: string; subtitle?: string } } | undefined;
    const caption = o.metadata?.nestlab?.kind === "table" ? (/<caption>(.*?)<\/caption>/.exec(html)?.[1] ?? "") : typeof spec?.title === "object" ? `${spec.title.text ?? ""} ${spec.title.subtitle ?? ""}` : String(spec?.title ?? "");
    expect(caption, `${name}: ${o.metadata?.nestlab?.kind} ${o.metadata?.nestlab?.name} states its run length`).toMatch(/ms of leaf work|iterations/);
    expect(caption, `${name}: ${o.metadata?.nestlab?.kind} ${o.metadata?.nestlab?.name} states its seeds`).toMatch(/seed/);
  }
  // tables for people: booleans as on/off (switches) or yes/no, never true/false; no header naming its unit twice
  for (const o of outputs.filter((x) => x.metadata?.nestlab?.kind === "table")) {
    const html = String(o.data?.["text/html"] ?? "");
    expect(html, `${name}: table ${o.metadata?.nestlab?.name} shows no true/false`).not.toMatch(/<td[^>]*>(true|false)<\/td>/);
    expect(html, `${name}: table ${o.metadata?.nestlab?.name} headers`).not.toMatch(/>[^<]*\btime \(time\)</);
  }
  // progress displays are live only: the report leaves them out, and nothing else may look like one
  for (const o of outputs.filter((x) => String(x.data?.["text/html"] ?? "").includes("nestlab-progress"))) expect(o.metadata?.nestlab?.kind, `${name}: a progress display is marked`).toBe("progress");
  if (!EXPERIMENTS.includes(name)) return;
  // an experiment: variance over seeds, and a conclusion drawn from its own numbers at the end
  const recorded = outputs.flatMap((o) => (o.metadata?.nestlab?.kind === "record" ? [o.metadata.nestlab.value as { seeds?: unknown }] : []));
  expect(recorded.some((v) => Array.isArray(v?.seeds) && v.seeds.length >= 2), `${name}: runs over two or more seeds`).toBe(true);
  const csvHeads = outputs.flatMap((o) => (o.metadata?.nestlab?.kind === "table" && o.metadata.nestlab.csv ? [o.metadata.nestlab.csv.split("\n")[0]!] : []));
  expect(csvHeads.some((h) => /ci95|Ci95|,seed,|^seed,/.test(h)), `${name}: a table shows the spread over seeds`).toBe(true);
  const last = outputs.filter((o) => o.output_type === "display_data").pop();
  expect(last?.metadata?.nestlab?.kind, `${name}: ends with its conclusion`).toBe("conclusion");
  const text = String(last?.data?.["text/markdown"] ?? "");
  expect(text).toMatch(/^\*\*Conclusion\.\*\*/);
  expect(text.match(/\d/g)?.length ?? 0, `${name}: the conclusion quotes numbers`).toBeGreaterThan(5);
  expect(text).not.toMatch(/NaN|undefined|Infinity/);
  own?.(outputs, run);
}

const NBCLIENT = `
import sys, nbformat
from nbclient import NotebookClient
nb = nbformat.read(sys.argv[1], as_version=4)
NotebookClient(nb, timeout=240, kernel_name=sys.argv[3], resources={"metadata": {"path": sys.argv[4]}}).execute()
nbformat.write(nb, sys.argv[2])
`;

/** The two end-to-end runs of notebooks/<name>.ipynb, each checked against EXPECTED[name] and by `own`. */
export function notebookTests(name: string, own?: NotebookCheck): void {
  const tmp = mkdtempSync(join(tmpdir(), `nestlab-nb-${name}-`));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const notebook = join(ROOT, "notebooks", `${name}.ipynb`);

  describe(`experiment notebook ${name}`, () => {
    it("real Jupyter with the nestlab kernelspec", async () => {
      const dataDir = join(tmp, "jupyter");
      installKernelSpec(dataDir);
      const out = join(tmp, `${name}.jupyter.ipynb`);
      await promisify(execFile)("/usr/bin/python3", ["-c", NBCLIENT, notebook, out, KERNEL_NAME, join(ROOT, "notebooks")], {
        env: { ...process.env, JUPYTER_PATH: dataDir, JUPYTER_RUNTIME_DIR: join(tmp, "runtime"), NESTLAB_QUICK: "1" },
        timeout: 380_000,
      });
      checkExecuted(name, out, own, "jupyter");
    }, 400_000);
  });
}
