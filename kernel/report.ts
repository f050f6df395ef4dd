/**
 * `npm run report [-- --quick]`: the main job. Runs the experiments and writes report/index.html (self-contained:
 * SVG inline, interactive charts through vega-embed bundled into the page, no network), report/*.csv,
 * report/notebooks/*.ipynb (the executed notebooks) and report/record.json (config, seeds, nestlab version, git
 * commit, and what each notebook recorded).
 *
 * Pipeline:
 *   1. the headline figures (kernel/figures.ts): the claims against the model over seeds with the sensitivity band,
 *      the reduction by depth, trap amplification, FP/SVE safety; they make the summary the page opens with;
 *   2. the micro-benchmark table: micro hvc, mmio-user and hvc with leaf FP use, at depth 1..4, NV2 on/off,
 *      FP-elision patch none/all;
 *   3. every notebooks/*.ipynb, each executed headless in its own process (kernel/runner.ts), as many at once as
 *      there are CPUs and while 1 and 2 are computed, with NESTLAB_QUICK=1 under --quick so notebooks use smaller
 *      grids; the page shows them in name order;
 *   4. the page: the summary (question, answer with intervals, main chart, safety, what is left out), contents, one
 *      section per experiment notebook, then appendices (the pipeline smoke test, micro benchmarks, unit costs: the
 *      smoke test's small figures do not end the page);
 *      every table and chart's data as CSV.
 * `npm run report` (the command, not buildReport) then refreshes the README's generated blocks from the same
 * figures (kernel/readme.ts), unless --quick.
 * A failing notebook is shown where it failed (cell number and error) and makes the command exit 1.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { basename, join } from "node:path";
import { COSTS, COST_NAMES, defaultCosts, defaultModelConfig, type MicroOp, runMicro } from "../lib/index";
import { version } from "../lib/cli/main";
import { KERNEL, kernelLine } from "../lib/kvm/kernel";
import { quick as quickFromEnv } from "./env";
import { computeFigures, type Figures } from "./figures";
import { formatDuration, formatPercent } from "./format";
import { markdownToHtml } from "./markdown";
import { refreshReadme } from "./readme";
import { mainChart, sectionRuns, summaryHtml } from "./summary";
import { toSvg } from "./svg";
import { type DisplayDataOutput, errorSummary, type Notebook, type NotebookOutput, PROJECT_ROOT, readNotebook, runNotebookFile, sourceText } from "./runner";

interface Row {
  op: string;
  leafFp: boolean;
  depth: number;
  nv2: boolean;
  patch: "none" | "all";
  cycles: number;
  l0Traps: number;
  fpTraps: number;
  fpSaves: number;
  fpRestores: number;
  nestedExceptions: number;
  nestedErets: number;
}

const ITERATIONS = 8;

export function microTable(progress?: (done: number, total: number) => void): Row[] {
  const cases: [MicroOp, boolean][] = [
    ["hvc", false],
    ["mmio-user", false],
    ["hvc", true],
  ];
  const rows: Row[] = [];
  const total = cases.length * 4 * 2 * 2;
  for (const [op, leafFp] of cases) {
    for (let depth = 1; depth <= 4; depth++) {
      for (const nv2 of [true, false]) {
        for (const patch of ["none", "all"] as const) {
          const cfg = defaultModelConfig({
            depth,
            nv2,
            patch: patch === "all" ? Array.from({ length: depth }, (_, i) => i) : [],
          });
          const r = runMicro(cfg, { op, iterations: ITERATIONS, leafFp });
          rows.push({
            op,
            leafFp,
            depth,
            nv2,
            patch,
            cycles: r.cycles,
            l0Traps: r.l0Traps,
            fpTraps: r.fpTraps,
            fpSaves: r.fpSaves,
            fpRestores: r.fpRestores,
            nestedExceptions: r.nestedExceptions,
            nestedErets: r.nestedErets,
          });
          progress?.(rows.length, total);
        }
      }
    }
  }
  return rows;
}

function csvOfRows(rows: readonly { readonly [k: string]: unknown }[]): string {
  const keys = rows[0] ? Object.keys(rows[0]) : [];
  const q = (v: unknown): string => (v === null || v === undefined ? "" : /[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));
  return [keys.join(","), ...rows.map((r) => keys.map((k) => q(r[k])).join(","))].join("\n") + "\n";
}

function csv(rows: readonly Row[]): string {
  const keys = Object.keys(rows[0]!) as (keyof Row)[];
  return [keys.join(","), ...rows.map((r) => keys.map((k) => String(r[k])).join(","))].join("\n") + "\n";
}

const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const num = (v: number): string => v.toLocaleString("en-US", { maximumFractionDigits: 1 });

/** One table per case, one row per depth and NV2 setting: the patch's effect side by side with the counts. */
function microHtml(rows: readonly Row[], clockGhz = 3): string {
  const parts: string[] = [];
  for (const [op, leafFp] of [["hvc", false], ["mmio-user", false], ["hvc", true]] as const) {
    parts.push(`<h3>micro ${op}${leafFp ? " --leaf-fp (the leaf uses FP/SIMD before each operation)" : ""}</h3>`);
    parts.push(
      `<div class="nestlab-table-wrap"><table class="nestlab-table"><thead><tr><th class="num">depth</th><th class="text">NV2</th><th class="num">time per operation, unpatched</th><th class="num">cycles, unpatched</th><th class="num">cycles, patched</th><th class="num">time saved by the patch</th>` +
        `<th class="num">L0 traps</th><th class="num">FP traps (unpatched → patched)</th><th class="num">FP saves (unpatched → patched)</th><th class="num">nested exceptions</th><th class="num">nested ERETs</th></tr></thead><tbody>`,
    );
    for (const base of rows.filter((x) => x.op === op && x.leafFp === leafFp && x.patch === "none")) {
      const p = rows.find((x) => x.op === op && x.leafFp === leafFp && x.depth === base.depth && x.nv2 === base.nv2 && x.patch === "all")!;
      parts.push(
        `<tr><td class="num">${base.depth}</td><td class="text">${base.nv2 ? "on" : "off"}</td><td class="num">${esc(formatDuration(base.cycles / (clockGhz * 1e9)))}</td>` +
          `<td class="num">${num(base.cycles)}</td><td class="num">${num(p.cycles)}</td><td class="num">${esc(formatPercent(1 - p.cycles / base.cycles))}</td>` +
          `<td class="num">${num(base.l0Traps)}</td><td class="num">${num(base.fpTraps)} → ${num(p.fpTraps)}</td><td class="num">${num(base.fpSaves)} → ${num(p.fpSaves)}</td>` +
          `<td class="num">${num(base.nestedExceptions)}</td><td class="num">${num(base.nestedErets)}</td></tr>`,
      );
    }
    parts.push("</tbody></table></div>");
  }
  return parts.join("\n");
}

function costsHtml(): string {
  const rows = COST_NAMES.map((n) => {
    const c = COSTS[n];
    return `<tr><td class="text"><code>${n}</code></td><td class="num">${num(c.default)}</td><td class="text">${esc(c.unit)}</td><td class="text">${esc(c.basis)}</td><td class="text">${esc(c.description)}</td><td class="text">${esc(c.source)}</td></tr>`;
  });
  return `<div class="nestlab-table-wrap"><table class="nestlab-table costs"><thead><tr><th class="text">cost</th><th class="num">default</th><th class="text">unit</th><th class="text">basis</th><th class="text">description</th><th class="text">source</th></tr></thead><tbody>${rows.join("\n")}</tbody></table></div>`;
}

function gitCommit(): string {
  try {
    return execFileSync("git", ["rev-parse", "HEAD"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "unknown";
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// notebooks

export interface NotebookRun {
  /** file name in notebooks/, e.g. 00-smoke.ipynb */
  readonly file: string;
  readonly ok: boolean;
  readonly ms: number;
  readonly failure?: { readonly cell: number | null; readonly error: string };
  /** values recorded with record(name, value) */
  readonly records: { [name: string]: unknown };
}

/** Every notebooks/*.ipynb, in name order. */
export function listNotebooks(dir: string = join(PROJECT_ROOT, "notebooks")): string[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".ipynb") && !f.startsWith("."))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((f) => join(dir, f));
}

interface NestlabMeta {
  kind?: string;
  name?: string | null;
  title?: string;
  csv?: string | null;
  value?: unknown;
}

interface PageParts {
  /** Vega-Lite specs embedded live, by chart index */
  readonly specs: unknown[];
  /** report-relative CSV file -> content */
  readonly csvs: Map<string, string>;
}

const slug = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "") || "output";
const stemOf = (file: string): string => basename(file).replace(/\.ipynb$/, "");

function outputHtml(o: NotebookOutput, stem: string, parts: PageParts, records: { [name: string]: unknown }): string {
  // progress bars are for the person waiting on a live kernel, not for a reader of the finished report
  if (isProgressOutput(o)) return "";
  if (o.output_type === "stream") return `<pre class="stream ${o.name}">${esc(sourceText(o.text))}</pre>`;
  if (o.output_type === "error") return `<pre class="error">${esc(o.traceback.join("\n"))}</pre>`;
  const d = o.data;
  const meta = ((o as DisplayDataOutput).metadata?.nestlab ?? {}) as NestlabMeta;
  if (meta.kind === "record" && typeof meta.name === "string") records[meta.name] = meta.value;
  let csvLink = "";
  if (typeof meta.csv === "string") {
    let file = `${stem}-${slug(meta.name ?? `${meta.kind ?? "output"}-${parts.csvs.size + 1}`)}.csv`;
    for (let k = 2; parts.csvs.has(file); k++) file = file.replace(/(-\d+)?\.csv$/, `-${k}.csv`);
    parts.csvs.set(file, meta.csv);
    csvLink = `<p class="data"><a href="${esc(file)}">${esc(file)}</a></p>`;
  }
  const text = (m: string): string => {
    const v = d[m];
    return typeof v === "string" ? v : Array.isArray(v) ? v.join("") : "";
  };
  const spec = d["application/vnd.vegalite.v5+json"];
  if (spec !== undefined && typeof spec === "object") {
    const id = parts.specs.push(spec) - 1;
    return chartFigure(id, text("image/svg+xml"), csvLink);
  }
  if (meta.kind === "conclusion") return `<div class="conclusion">${markdownToHtml(text("text/markdown") || text("text/plain"))}</div>`;
  if (d["text/html"] !== undefined) return `<div class="output-html${meta.kind === "record" ? " record" : ""}">${text("text/html")}</div>${csvLink}`;
  if (d["image/svg+xml"] !== undefined) return `<div class="output-svg">${text("image/svg+xml")}</div>`;
  if (d["image/png"] !== undefined) return `<img alt="output" src="data:image/png;base64,${esc(text("image/png").replace(/\s/g, ""))}">`;
  if (d["text/plain"] !== undefined) return `<pre class="${meta.kind === "record" ? "record" : "text"}">${esc(text("text/plain"))}</pre>${csvLink}`;
  return "";
}

/** A progress display (kernel/display progress(): kind "progress", or its HTML from notebooks executed before). */
export function isProgressOutput(o: NotebookOutput): boolean {
  if (o.output_type !== "display_data" && o.output_type !== "execute_result") return false;
  if (((o.metadata?.nestlab ?? {}) as NestlabMeta).kind === "progress") return true;
  const html = o.data["text/html"];
  return (typeof html === "string" ? html : Array.isArray(html) ? html.join("") : "").startsWith('<div class="nestlab-progress">');
}

function chartFigure(id: number, svg: string, csvLink: string): string {
  return `<figure class="chart"><div class="vega-chart" id="chart-${id}"></div><div class="static-svg">${svg}</div>${csvLink}</figure>`;
}

/** A notebook's title: its first Markdown heading, else its file name. */
function notebookTitle(nb: Notebook, file: string): string {
  const first = nb.cells[0];
  const m = first?.cell_type === "markdown" ? /^\s*#\s+(.*)$/m.exec(sourceText(first.source)) : null;
  return m ? m[1]!.trim() : file;
}

function notebookHtml(nb: Notebook, run: NotebookRun, parts: PageParts, records: { [name: string]: unknown }): string {
  const stem = stemOf(run.file);
  const out: string[] = [`<section class="notebook" id="nb-${esc(slug(stem))}">`];
  const hasTitle = nb.cells[0]?.cell_type === "markdown" && /^\s*#\s/.test(sourceText(nb.cells[0].source));
  if (!hasTitle) out.push(`<h2>${esc(run.file)}</h2>`);
  out.push(`<p class="nbinfo">notebooks/${esc(run.file)} · executed in ${(run.ms / 1000).toFixed(1)} s · <a href="notebooks/${esc(run.file)}">executed notebook</a></p>`);
  if (run.failure) {
    out.push(`<p class="failed">FAILED${run.failure.cell !== null ? ` at cell ${run.failure.cell}` : ""}: ${esc(errorSummary(run.failure.error))}</p>`);
  }
  nb.cells.forEach((c, i) => {
    if (c.cell_type === "markdown") out.push(`<div class="md">${markdownToHtml(sourceText(c.source)).replace(/<h1>/g, "<h2>").replace(/<\/h1>/g, "</h2>")}</div>`);
    else if (c.cell_type === "code") {
      out.push(`<details class="code"><summary>cell ${i + 1}${c.execution_count ? ` [${c.execution_count}]` : ""}</summary><pre><code>${esc(sourceText(c.source))}</code></pre></details>`);
      for (const o of c.outputs ?? []) out.push(outputHtml(o, stem, parts, records));
    }
  });
  out.push("</section>");
  return out.join("\n");
}

export interface ReportOptions {
  /** NESTLAB_QUICK=1 for every notebook (smaller grids); default: the environment's NESTLAB_QUICK */
  readonly quick?: boolean;
  /** the notebooks to run (default: every notebooks/*.ipynb in name order) */
  readonly notebooks?: readonly string[];
  /** progress lines (default: stderr) */
  readonly log?: (line: string) => void;
  /** precomputed headline figures (default: computed, quick or full as `quick`) */
  readonly figures?: Figures;
  /** notebooks executed at once (default: the CPUs) */
  readonly concurrency?: number;
}

export interface ReportResult {
  readonly outDir: string;
  readonly notebooks: readonly NotebookRun[];
  readonly ok: boolean;
  /** the headline figures the summary shows */
  readonly figures: Figures;
}

/** A browser build shipped in an npm package (read from the project's node_modules: package exports hide builds). */
function script(path: string): string {
  return readFileSync(join(PROJECT_ROOT, "node_modules", path), "utf8").replace(/<\/(script)/gi, "<\\/$1");
}

const EMBED = `(function () {
  var specs = JSON.parse(document.getElementById("nestlab-specs").textContent);
  specs.forEach(function (spec, i) {
    var el = document.getElementById("chart-" + i);
    vegaEmbed(el, spec, { renderer: "svg", actions: { export: true, source: false, compiled: false, editor: false } })
      .then(function () { el.parentNode.classList.add("live"); })
      .catch(function (e) { console.error("chart " + i + ": " + e); });
  });
})();`;

const STYLE = `body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;line-height:1.45;color:#111}
h1{font-size:1.7em}h2{margin-top:1.6em}
table{border-collapse:collapse;margin:1em 0;font-size:88%}td,th{border:1px solid #ccc;padding:2px 6px;vertical-align:top}
th{background:#f4f4f4;white-space:normal;font-weight:600}.num{text-align:right}td.num{white-space:nowrap}.text{text-align:left}td.text,th{overflow-wrap:normal;word-break:normal}
.nestlab-table-wrap{max-width:100%;overflow-x:auto}table.costs td:nth-child(5),table.costs td:nth-child(6){min-width:14em}
caption{caption-side:top;text-align:left;font-style:italic;padding:2px 0}
pre{background:#f6f8fa;padding:6px 10px;overflow-x:auto}pre.stderr,pre.error,p.failed{color:#a00}
details.code summary,details.nestlab-record summary{color:#666;cursor:pointer;font-size:90%}details.nestlab-record{font-size:90%;color:#444}
p.nbinfo,p.data{color:#666;font-size:85%}
section.notebook,section.appendix{border-top:2px solid #ddd;margin-top:2em}figure.chart{margin:1em 0;max-width:100%;overflow-x:auto}figure.chart.live .static-svg{display:none}
div.conclusion{border-left:4px solid #0072B2;background:#f2f7fb;padding:2px 14px;margin:1em 0}
section.summary{background:#fafafa;border:1px solid #e4e4e4;padding:0 1.2em 1em}p.lead{font-size:1.1em}
nav.toc ul{columns:2;list-style:none;padding-left:0}nav.toc li{margin:0 0 .2em}`;

export async function buildReport(outDir: string, o: ReportOptions = {}): Promise<ReportResult> {
  const tmp = `${outDir}.tmp-${process.pid}`;
  try {
    return await writeReport(outDir, tmp, o);
  } finally {
    execFileSync("rm", ["-rf", tmp]);
  }
}

async function writeReport(outDir: string, tmp: string, o: ReportOptions): Promise<ReportResult> {
  const log = o.log ?? ((l: string) => process.stderr.write(`report: ${l}\n`));
  const quick = o.quick ?? quickFromEnv();
  execFileSync("rm", ["-rf", tmp]);
  mkdirSync(join(tmp, "notebooks"), { recursive: true });

  // 1. the notebooks, each in its own process, `concurrency` at a time; they run while this process computes the
  // figures and the micro table (both synchronous), and are rendered in name order once all have finished
  const files = o.notebooks ?? listNotebooks();
  const concurrency = Math.max(1, o.concurrency ?? availableParallelism());
  const results: ({ r: Awaited<ReturnType<typeof runNotebookFile>>; executed: string } | undefined)[] = files.map(() => undefined);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const i = next++;
      const path = files[i]!;
      const file = basename(path);
      const executed = join(tmp, "notebooks", file);
      log(`notebook ${file}${quick ? " (quick)" : ""}`);
      const r = await runNotebookFile(path, { out: executed, quick });
      log(`notebook ${file}: ${r.ok ? "ok" : "FAILED"} (${(r.ms / 1000).toFixed(1)} s)`);
      results[i] = { r, executed };
    }
  };
  const pool = Promise.all(Array.from({ length: Math.min(concurrency, files.length) }, () => worker()));

  // 2. the headline figures, for the summary
  const figures = o.figures ?? computeFigures({ quick, log });
  writeFileSync(join(tmp, "figures.json"), JSON.stringify({ kernel: KERNEL, ...figures }, null, 2) + "\n");

  // 3. micro table
  const rows = microTable((done, total) => {
    if (done === total || done % 16 === 0) log(`micro ${done}/${total}`);
  });
  writeFileSync(join(tmp, "micro.csv"), csv(rows));

  await pool;
  const runs: NotebookRun[] = [];
  const parts: PageParts = { specs: [], csvs: new Map() };
  const main = mainChart(figures);
  parts.specs.push(main.spec);
  parts.csvs.set("summary-wall-clock-by-depth.csv", csvOfRows(main.rows));
  const sections: { file: string; title: string; html: string; ok: boolean; appendix: boolean }[] = [];
  files.forEach((path, i) => {
    const { r, executed } = results[i]!;
    const file = basename(path);
    let nb: Notebook;
    try {
      nb = readNotebook(executed);
    } catch {
      nb = readNotebook(path);
    }
    const cellLine = /: cell (\d+) failed: /.exec(r.stderr);
    const failure = r.ok ? undefined : { cell: cellLine ? Number(cellLine[1]) : null, error: r.stderr.split("\n").filter((l) => !l.startsWith("runner: ")).join("\n").trim() || `exit ${r.exitCode}` };
    const records: { [name: string]: unknown } = {};
    const run: NotebookRun = { file, ok: r.ok, ms: r.ms, records, ...(failure ? { failure } : {}) };
    sections.push({ file, title: notebookTitle(nb, file), html: notebookHtml(nb, run, parts, records), ok: r.ok, appendix: file.startsWith("00-") });
    runs.push(run);
    if (failure) log(`notebook ${file}: FAILED${failure.cell ? ` at cell ${failure.cell}` : ""}`);
  });
  for (const [file, content] of parts.csvs) writeFileSync(join(tmp, file), content);

  // 4. record and page
  const record = {
    nestlab: version(),
    kernel: KERNEL,
    commit: gitCommit(),
    quick,
    node: process.version,
    experiments: {
      summary: { durationMs: figures.run.durationMs, seeds: figures.run.seeds, clockGhz: figures.run.clockGhz, sveVl: figures.run.sveVl, bandCases: figures.run.bandCases, safety: { steps: figures.safety.steps, seeds: figures.safety.seeds } },
      micro: { iterations: ITERATIONS, warmup: 2, config: defaultModelConfig({ depth: 1 }) },
    },
    notebooks: runs.map((r) => ({ file: `notebooks/${r.file}`, ok: r.ok, seconds: r.ms / 1000, ...(r.failure ? { failedCell: r.failure.cell, error: errorSummary(r.failure.error) } : {}), records: r.records })),
    csv: ["micro.csv", ...parts.csvs.keys()],
    costs: defaultCosts(),
  };
  writeFileSync(join(tmp, "record.json"), JSON.stringify(record, null, 2) + "\n");
  const experiments = sections.filter((x) => !x.appendix);
  const appendix = sections.filter((x) => x.appendix);
  const link = (x: (typeof sections)[number]): string =>
    `<li><a href="#nb-${esc(slug(stemOf(x.file)))}">${esc(x.title)}</a>${x.ok ? "" : ' <span class="failed">FAILED</span>'}</li>`;
  const toc =
    // a plain list: the notebooks' titles carry their own numbers ("01 · Quickstart"), a numbered list would add a second
    `<nav class="toc"><h2 id="contents">Contents</h2><ul>` +
    `<li><a href="#question">The question</a>, <a href="#answer">the answer</a>, <a href="#safety">is it safe?</a>, <a href="#left-out">what the model leaves out</a></li>` +
    experiments.map(link).join("") +
    appendix.map((x) => link({ ...x, title: `Appendix: ${x.title}` })).join("") +
    `<li><a href="#micro">Appendix: micro benchmarks</a></li><li><a href="#costs">Appendix: unit costs</a></li>` +
    `</ul></nav>`;
  const summary = summaryHtml(figures, sectionRuns(runs.filter((r) => !r.file.startsWith("00-")).map((r) => r.records)));
  const specsJson = JSON.stringify(parts.specs).replace(/</g, "\\u003c");
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>nestlab report: the FP-elision patch under nested virtualization</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>${STYLE}</style>
</head><body>
<h1>nestlab report: the FP-elision patch under nested virtualization</h1>
<p class="nbinfo">nestlab ${esc(record.nestlab)}, commit ${esc(record.commit)}${quick ? ", <strong>quick mode</strong> (smaller grids and fewer seeds)" : ""}. The model follows ${esc(kernelLine())} (source: ${esc(KERNEL.source)}; docs/fidelity.md). Every number comes from the model's mechanism and the unit-cost table in the appendix; nothing is fitted to a nested measurement. Configurations and seeds: <a href="record.json">record.json</a>; the summary's figures: <a href="figures.json">figures.json</a>.</p>
<section class="summary" id="summary">
${summary.head}
${chartFigure(0, await toSvg(main.spec), '<p class="data"><a href="summary-wall-clock-by-depth.csv">summary-wall-clock-by-depth.csv</a></p>')}
${summary.tail}
</section>
${toc}
${experiments.map((x) => x.html).join("\n")}
${appendix.map((x) => x.html.replace('<section class="notebook"', '<section class="notebook appendix"')).join("\n")}
<section class="appendix" id="micro"><h2>Appendix: micro benchmarks</h2>
<p>One leaf operation in a loop, as kvm-unit-tests' micro-bench does: per-iteration averages over ${ITERATIONS} iterations after 2 warm-up iterations, every level patched or none. Times at 3 GHz. Data: <a href="micro.csv">micro.csv</a>.</p>
${microHtml(rows)}
</section>
<section class="appendix" id="costs"><h2>Appendix: unit costs</h2>
<p>Every unit cost the model charges, with its basis (published, derived, calibrated or assumed) and source.</p>
${costsHtml()}
</section>
<script>${script("vega/build/vega.min.js")}</script>
<script>${script("vega-lite/build/vega-lite.min.js")}</script>
<script>${script("vega-embed/build/vega-embed.min.js")}</script>
<script type="application/json" id="nestlab-specs">${specsJson}</script>
<script>${EMBED}</script>
</body></html>
`;
  writeFileSync(join(tmp, "index.html"), html);
  // atomic: the report folder is complete or absent
  execFileSync("rm", ["-rf", outDir]);
  renameSync(tmp, outDir);
  return { outDir, notebooks: runs, ok: runs.every((r) => r.ok), figures };
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const bad = args.find((a) => a !== "--quick");
  if (bad !== undefined) {
    process.stderr.write(`report: unknown argument '${bad}'; usage: npm run report [-- --quick]\n`);
    process.exit(2);
  }
  const out = join(process.cwd(), "report");
  const quick = args.includes("--quick") || quickFromEnv();
  buildReport(out, { quick }).then(
    (r) => {
      process.stderr.write(`report: wrote ${out}/index.html\n`);
      if (!quick) {
        // the README quotes the same figures: refresh its generated blocks (kernel/readme.ts)
        const readme = refreshReadme({ figures: r.figures });
        process.stderr.write(`report: README.md ${readme.changed.length === 0 ? "figures up to date" : `figures refreshed: ${readme.changed.join(", ")}`}\n`);
      }
      for (const n of r.notebooks.filter((x) => !x.ok)) {
        process.stderr.write(`report: notebooks/${n.file}${n.failure?.cell ? `: cell ${n.failure.cell}` : ""} failed: ${errorSummary(n.failure?.error ?? "")}\n`);
      }
      process.exit(r.ok ? 0 : 1);
    },
    (e: unknown) => {
      process.stderr.write(`report: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}
