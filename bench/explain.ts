/**
 * Issue 15's figures and the explain benchmark.
 *
 *   npx tsx bench/explain.ts            times the default explain search at depth 3 (FPSIMD, target 10%) for both
 *                                       claims on the default workers and prints JSON (target: under 60 s each)
 *   npx tsx bench/explain.ts --render   also writes the generated blocks of docs/explain.md
 *
 * test/docs/explain.full.test.ts checks that the blocks are what these functions compute today.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { type ClaimRow, claimsTable } from "../lib/explain/claims";
import { type ExplainResult, explain } from "../lib/explain/explain";
import { defaultModelConfig } from "../lib/kvm/config";
import { exitAttribution, exitDiff, type ExitDiffRow } from "../lib/run/exit";
import type { RunOptions } from "../lib/run/run";
import { runCompare, type SavingBucket } from "../lib/run/compare";
import { PROFILES } from "../lib/workload/profiles";

const ROOT = join(__dirname, "..");
export const DOC = join(ROOT, "docs", "explain.md");

/** the claims' configuration: depth 3, FPSIMD, every level patched, 1 s of work, seed 1 */
export function claimOptions(workload: string): RunOptions {
  return { model: defaultModelConfig({ depth: 3, sveVl: 0 }), profile: PROFILES[workload]!, durationMs: 1000, seed: 1, clockGhz: 3, hostPreemptRate: 0, hostNeonRate: 0 };
}

const pct = (v: number | null): string => (v === null ? "-" : `${(100 * v).toFixed(2)}%`);
const n0 = (v: number | null): string => (v === null ? "-" : Math.round(v).toLocaleString("en-US"));
const n1 = (v: number): string => v.toLocaleString("en-US", { minimumFractionDigits: 1, maximumFractionDigits: 1 });

export function renderExplain(r: ExplainResult): string {
  const head = "| # | change | inputs | sum \\|log2\\| | reduction | ns per L0 FP trap | ns per forwarded FP trap | FP traps per leaf event | L0 traps per leaf event | L0 traps per hvc | L0 put+load cycles | FP share |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  const row = (rank: string, change: string, inputs: number, log2: number, red: number, i: ExplainResult["base"]["implications"]): string =>
    `| ${rank} | ${change} | ${inputs} | ${log2} | ${pct(red)} | ${n0(i.l0FpTrapNs)} | ${n0(i.forwardedFpTrapNs)} | ${i.fpTrapsPerExit.toFixed(2)} | ${n1(i.l0TrapsPerExit)} | ${i.hvcL0Traps} | ${n0(i.l0PutLoadCycles)} | ${pct(i.fpShare)} |\n`;
  let out = head + row("0", "(as modelled)", 0, 0, r.base.wallReduction, r.base.implications);
  for (const e of r.entries) {
    const change = e.changes.map((c) => `${c.input} ${c.label}`).join(" + ");
    // another spelling of an entry above: its figures are that entry's, not repeated
    if (e.equivalentTo !== undefined) out += `| ${e.rank} | ${change} | ${e.inputs} | ${e.log2Sum} | = #${e.equivalentTo} | | | | | | | |\n`;
    else out += row(String(e.rank), change, e.inputs, e.log2Sum, e.wallReduction, e.implications);
  }
  const twins = r.entries.filter((e) => e.equivalentTo !== undefined).length;
  const best = [...r.singles].filter((s) => s.wallReduction !== null).sort((a, b) => b.wallReduction! - a.wallReduction! || (a.input < b.input ? -1 : 1))[0];
  out += `\n${r.reaching} change(s) reach ${pct(r.target)}${twins > 0 ? ` (${r.entries.length - twins} distinct among the ${r.entries.length} listed; = #N: the same change spelled another way, its inputs cancel)` : ""}; ${r.evaluations} configurations evaluated over ${r.inputs.length} inputs; paired: ${r.paired.join(", ")}. `;
  out += best ? `The largest single change: ${best.input} ${best.label}, ${pct(best.wallReduction)}.\n` : "\n";
  return out;
}

export function renderClaims(rows: readonly ClaimRow[]): string {
  let out = "| claim | adoption | model: mean wall-clock reduction | 95% interval | seeds | claimed |\n|---|---|---|---|---|---|\n";
  for (const r of rows) {
    const adoption = r.patch === "all" ? "`--patch all` (0, 1, 2)" : "`--patch 1,2` (as stated)";
    out += `| ${r.claim} | ${adoption}${r.meant ? " (most likely meant)" : ""} | ${pct(r.reductionMean)} | ± ${pct(r.reductionCi95)} | ${r.n} | ${pct(r.claimLow)}${r.claimHigh === null ? " or more" : ` .. ${pct(r.claimHigh)}`} |\n`;
  }
  return out;
}

export function renderSaving(saving: readonly SavingBucket[], total: bigint): string {
  let out = "| mechanism | level | cycles saved | share |\n|---|---|---|---|\n";
  for (const b of saving) out += `| ${b.mechanism} | ${b.level === null ? "-" : `L${b.level}`} | ${b.saved.toLocaleString("en-US")} | ${pct(Number(b.saved) / Number(total))} |\n`;
  return out + `| total | | ${total.toLocaleString("en-US")} | 100.00% |\n`;
}

export function renderExit(rows: readonly ExitDiffRow[], before: { cycles: number; l0Traps: number }, after: { cycles: number; l0Traps: number }, events: number): string {
  const label = (r: ExitDiffRow): string => (r.kind === "direct" ? `direct work of L${r.level} (${r.phase})` : r.part === "eret" ? `L${r.level}: its ERET${r.phase === "exception" ? "" : ` (from ${r.phase})`}` : `L${r.level}: ${r.phase} ${r.part}`);
  let out = "| raised by | L0 traps before | after | cycles before | after |\n|---|---|---|---|---|\n";
  for (const r of rows) out += `| ${label(r)} | ${r.baseline.l0Traps.toFixed(2)} | ${r.patched.l0Traps.toFixed(2)} | ${n0(r.baseline.cycles)} | ${n0(r.patched.cycles)} |\n`;
  out += `| **one leaf event** | **${before.l0Traps.toFixed(1)}** | **${after.l0Traps.toFixed(1)}** | **${n0(before.cycles)}** | **${n0(after.cycles)}** |\n`;
  return out + `\nMean over the ${events} leaf events of the first 50 ms of the io-heavy stream (seed 1), exact engine.\n`;
}

export interface Figures {
  readonly claims: string;
  readonly saving: string;
  readonly exit: string;
  readonly explainDebian: string;
  readonly explainIo: string;
}

/** every generated block of docs/explain.md */
export async function figures(workers = availableParallelism(), log?: (s: string) => void): Promise<Figures & { timings: { workload: string; ms: number; evaluations: number }[] }> {
  const timings: { workload: string; ms: number; evaluations: number }[] = [];
  const ex: Record<string, ExplainResult> = {};
  for (const w of ["debian-install", "io-heavy"]) {
    const t = Date.now();
    const r = await explain(claimOptions(w), { target: 0.1, workers, progress: (d, n, what) => log?.(`${w}: ${what} ${d}/${n}`) });
    timings.push({ workload: w, ms: Date.now() - t, evaluations: r.evaluations });
    ex[w] = r;
  }
  const claims = await claimsTable({ workers });
  const c = runCompare(claimOptions("io-heavy"));
  const o = claimOptions("io-heavy");
  const b = exitAttribution({ ...o, model: { ...o.model, patch: [] } });
  const p = exitAttribution(o);
  return {
    timings,
    claims: renderClaims(claims),
    saving: renderSaving(c.saving, c.attribution.totalSaved),
    exit: renderExit(exitDiff(b, p), b.perExit, p.perExit, b.leafEvents),
    explainDebian: renderExplain(ex["debian-install"]!),
    explainIo: renderExplain(ex["io-heavy"]!),
  };
}

export const BLOCKS: readonly (keyof Figures)[] = ["claims", "saving", "exit", "explainDebian", "explainIo"];

/** the text between `<!-- explain: NAME -->` and `<!-- /explain -->` */
export function block(doc: string, name: string): string | undefined {
  const open = `<!-- explain: ${name} -->\n`;
  const at = doc.indexOf(open);
  if (at < 0) return undefined;
  const end = doc.indexOf("<!-- /explain -->", at);
  return doc.slice(at + open.length, end);
}

function replaceBlock(doc: string, name: string, text: string): string {
  const open = `<!-- explain: ${name} -->\n`;
  const at = doc.indexOf(open);
  if (at < 0) throw new Error(`docs/explain.md has no block ${name}`);
  const end = doc.indexOf("<!-- /explain -->", at);
  return doc.slice(0, at + open.length) + text + doc.slice(end);
}

if (require.main === module) {
  void (async () => {
    const started = Date.now();
    const f = await figures(availableParallelism(), (s) => process.stderr.write(`\r${s}   `));
    process.stderr.write("\n");
    if (process.argv.includes("--render")) {
      let doc = readFileSync(DOC, "utf8");
      for (const b of BLOCKS) doc = replaceBlock(doc, b, f[b]);
      writeFileSync(DOC, doc);
    }
    process.stdout.write(
      JSON.stringify({ explain: f.timings.map((t) => ({ ...t, targetMs: 60000 })), workers: availableParallelism(), totalMs: Date.now() - started }, null, 2) + "\n",
    );
  })();
}
