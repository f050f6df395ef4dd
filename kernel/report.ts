/**
 * `npm run report`: the main job. Runs the experiments and writes report/index.html (self-contained), report/*.csv
 * and report/record.json (config, seeds, nestlab version, git commit).
 *
 * Experiments so far: the micro-benchmark table (issue "model core"): micro hvc, mmio-user and hvc with leaf FP use,
 * at depth 1..4, NV2 on/off, FP-elision patch none/all.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { COSTS, COST_NAMES, defaultCosts, defaultModelConfig, type MicroOp, runMicro } from "../lib/index";
import { version } from "../lib/cli/main";

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

function csv(rows: readonly Row[]): string {
  const keys = Object.keys(rows[0]!) as (keyof Row)[];
  return [keys.join(","), ...rows.map((r) => keys.map((k) => String(r[k])).join(","))].join("\n") + "\n";
}

const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const num = (v: number): string => v.toLocaleString("en-US", { maximumFractionDigits: 1 });

function microHtml(rows: readonly Row[]): string {
  const parts: string[] = [];
  for (const [op, leafFp] of [["hvc", false], ["mmio-user", false], ["hvc", true]] as const) {
    parts.push(`<h3>micro ${op}${leafFp ? " --leaf-fp" : ""}</h3>`);
    parts.push("<table><tr><th>depth</th><th>NV2</th><th>patch</th><th>cycles</th><th>L0 traps</th><th>FP traps</th><th>FP saves</th><th>nested exc.</th><th>nested ERETs</th><th>patched / unpatched</th></tr>");
    for (const r of rows.filter((x) => x.op === op && x.leafFp === leafFp)) {
      const base = rows.find((x) => x.op === r.op && x.leafFp === r.leafFp && x.depth === r.depth && x.nv2 === r.nv2 && x.patch === "none")!;
      parts.push(
        `<tr><td>${r.depth}</td><td>${r.nv2 ? "on" : "off"}</td><td>${r.patch}</td><td>${num(r.cycles)}</td><td>${num(r.l0Traps)}</td>` +
          `<td>${num(r.fpTraps)}</td><td>${num(r.fpSaves)}</td><td>${num(r.nestedExceptions)}</td><td>${num(r.nestedErets)}</td>` +
          `<td>${r.patch === "all" ? (r.cycles / base.cycles).toFixed(3) : ""}</td></tr>`,
      );
    }
    parts.push("</table>");
  }
  return parts.join("\n");
}

function costsHtml(): string {
  const rows = COST_NAMES.map((n) => {
    const c = COSTS[n];
    return `<tr><td>${n}</td><td>${c.default}</td><td>${c.unit}</td><td>${c.basis}</td><td>${esc(c.description)}</td><td>${esc(c.source)}</td></tr>`;
  });
  return `<table><tr><th>cost</th><th>default</th><th>unit</th><th>basis</th><th>description</th><th>source</th></tr>${rows.join("\n")}</table>`;
}

function gitCommit(): string {
  try {
    return execFileSync("git", ["rev-parse", "HEAD"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return "unknown";
  }
}

export function buildReport(outDir: string): void {
  const tmp = `${outDir}.tmp-${process.pid}`;
  mkdirSync(tmp, { recursive: true });
  const rows = microTable((done, total) => process.stderr.write(`report: micro ${done}/${total}\n`));
  writeFileSync(join(tmp, "micro.csv"), csv(rows));
  const record = {
    nestlab: version(),
    commit: gitCommit(),
    experiments: { micro: { iterations: ITERATIONS, warmup: 2, config: defaultModelConfig({ depth: 1 }) } },
    costs: defaultCosts(),
  };
  writeFileSync(join(tmp, "record.json"), JSON.stringify(record, null, 2) + "\n");
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>nestlab report</title>
<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}td:first-child,th:first-child{text-align:left}</style>
</head><body>
<h1>nestlab report</h1>
<p>nestlab ${esc(record.nestlab)}, commit ${esc(record.commit)}. Every number below comes from the model's mechanism and the unit-cost table at the end; nothing is fitted to a nested measurement.</p>
<h2>Micro benchmarks (per iteration, averages over ${ITERATIONS} iterations after 2 warm-up)</h2>
${microHtml(rows)}
<h2>Unit costs</h2>
${costsHtml()}
</body></html>
`;
  writeFileSync(join(tmp, "index.html"), html);
  // atomic: the report folder is complete or absent
  try {
    execFileSync("rm", ["-rf", outDir]);
  } catch {
    /* nothing to remove */
  }
  renameSync(tmp, outDir);
}

if (require.main === module) {
  const out = join(process.cwd(), "report");
  buildReport(out);
  process.stderr.write(`report: wrote ${out}/index.html\n`);
}
