import type { ExitAttribution } from "../run/exit";
import type { SensitivityResult } from "../run/sensitivity";
import type { ExplainResult } from "./explain";

/**
 * Rows for notebook tables and charts from explain's, the exit attribution's and the sensitivity band's results:
 * plain objects with number and string cells (show() and the chart builders take them).
 */

/** explain's ranked entries, the configuration as modelled first (rank 0) */
export function explainTableRows(r: ExplainResult): Record<string, string | number | null>[] {
  const row = (rank: number, change: string, inputs: number, log2Sum: number, wallReduction: number, i: ExplainResult["base"]["implications"]) => ({
    rank,
    change,
    inputs,
    log2Sum,
    wallReduction,
    l0FpTrapNs: i.l0FpTrapNs,
    forwardedFpTrapNs: i.forwardedFpTrapNs,
    fpTrapsPerExit: i.fpTrapsPerExit,
    l0TrapsPerExit: i.l0TrapsPerExit,
    hvcL0Traps: i.hvcL0Traps,
    l0PutLoadCycles: i.l0PutLoadCycles,
    fpShare: i.fpShare,
  });
  return [
    row(0, "(as modelled)", 0, 0, r.base.wallReduction, r.base.implications),
    ...r.entries.map((e) => row(e.rank, e.changes.map((c) => `${c.input} ${c.label}`).join(" + "), e.inputs, e.log2Sum, e.wallReduction, e.implications)),
  ];
}

/** per input, its lowest and highest figure over the single changes explain tried (the tornado's rows) */
export function tornadoRows(r: ExplainResult): { input: string; low: number; high: number; lowAt: string; highAt: string }[] {
  const out = new Map<string, { input: string; low: number; high: number; lowAt: string; highAt: string }>();
  for (const s of r.singles) {
    if (s.wallReduction === null) continue;
    const cur = out.get(s.input) ?? { input: s.input, low: r.base.wallReduction, high: r.base.wallReduction, lowAt: "as modelled", highAt: "as modelled" };
    if (s.wallReduction < cur.low) Object.assign(cur, { low: s.wallReduction, lowAt: s.label });
    if (s.wallReduction > cur.high) Object.assign(cur, { high: s.wallReduction, highAt: s.label });
    out.set(s.input, cur);
  }
  return [...out.values()];
}

/** the sensitivity band's cases as tornado rows: per unsourced cost, its x0.5 and x2 figures */
export function sensitivityTornadoRows(s: SensitivityResult): { input: string; low: number; high: number }[] {
  const by = new Map<string, number[]>();
  for (const c of s.cases) {
    const m = /^(.*) x(0\.5|2)$/.exec(c.name);
    const input = m ? m[1]! : c.name;
    by.set(input, [...(by.get(input) ?? []), c.wallReduction]);
  }
  return [...by].map(([input, v]) => ({ input, low: Math.min(s.base.wallReduction, ...v), high: Math.max(s.base.wallReduction, ...v) }));
}

/** the exit attribution as chart rows, per leaf exit, components grouped for a legible legend */
export function exitChartRows(x: ExitAttribution, config: string): { depth: number; config: string; component: string; cycles: number; l0Traps: number }[] {
  const groups = new Map<string, { cycles: number; l0Traps: number }>();
  for (const r of x.rows) {
    if (r.kind === "wall") continue;
    const component =
      r.kind === "direct" ? "direct work (all levels)" : r.part === "eret" ? "ERET (nested ERET below)" : r.part === "fp" || r.part === "cptr" ? `FP (${r.part})` : ["traps", "id", "sysreg", "other", "ipi", "gic-mmio"].includes(r.part) ? "other system registers" : r.part;
    const g = groups.get(component) ?? { cycles: 0, l0Traps: 0 };
    g.cycles += r.cycles / Math.max(1, x.leafEvents);
    g.l0Traps += r.l0Traps / Math.max(1, x.leafEvents);
    groups.set(component, g);
  }
  return [...groups].map(([component, g]) => ({ depth: x.depth, config, component, cycles: g.cycles, l0Traps: g.l0Traps }));
}
