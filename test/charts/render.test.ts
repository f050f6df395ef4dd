import type { TopLevelSpec } from "vega-lite";
import { describe, expect, it } from "vitest";
import {
  adoptionChart,
  candidatesChart,
  claimsChart,
  defaultModelConfig,
  exitAttribution,
  exitAttributionChart,
  exitChartRows,
  groupCategories,
  machineModelChart,
  PALETTE,
  PROFILES,
  tornadoChart,
} from "../../lib/index";
import { renderProblems } from "./render";

/**
 * The charts a reader found wrong in the report, built as the notebooks build them and rendered with vega: none may be
 * empty, warn, share a colour between two categories, or join two axis titles. Every other builder's cases run the
 * same checks in charts.test.ts and explain.test.ts.
 */
const run = { durationMs: 5, seed: 1, clockGhz: 3, hostPreemptRate: 0, hostNeonRate: 0 };
const io = { model: defaultModelConfig({ depth: 3 }), profile: PROFILES["io-heavy"]!, ...run };
const exitRows = [
  ...exitChartRows(exitAttribution({ ...io, model: { ...io.model, patch: [] } }, 5), "baseline"),
  ...exitChartRows(exitAttribution(io, 5), "patched"),
];
// notebook 08's machine-vs-model rows (synthetic trace, quick mode): ratios from 0.15 to 0.6
const diffRows = [
  ["hyp ERET eret", 1000, 585.6],
  ["hyp SYS64 ICH_MISR_EL2 R handled", 500, 76],
  ["hyp DABT_LOW mmio-kernel handled", 600, 166],
  ["nested SYS64 ICC_SGI1R_EL1 W forward", 4000, 9100],
].map(([key, machine, model]) => ({ section: "time per exit kind", key: String(key), unit: "ns", machine: Number(machine), model: Number(model), ratio: Number(model) / Number(machine) }));
const adoption = [2, 3, 4].flatMap((depth) =>
  ["L0", "L1", "L0+L1", "L0+L1+L2", "L0+L1+L2+L3"].slice(0, depth + 1).map((patch, i) => ({ depth, patch, wallReduction: 0.001 * (i + depth), wallReductionCi95: 0.0001 })),
);

export const reported: [string, TopLevelSpec][] = [
  ["08: model / machine on a log scale", machineModelChart(diffRows)],
  ["06: one L3 leaf exit before and after the patch", exitAttributionChart(exitRows, { title: "One L3 leaf exit before and after the patch, by the code that raised its traps" })],
  ["06: the claims and the model", claimsChart([
    { workload: "debian-install", patch: "all", claimLow: 0.1, claimHigh: 0.2, reductionMean: 0.019, reductionCi95: 0.0001 },
    { workload: "io-heavy", patch: "1+2", claimLow: 0.1, claimHigh: null, reductionMean: 0.017, reductionCi95: 0.0001 },
  ])],
  ["06: tornado", tornadoChart([{ input: "cost.a", low: 0.018, high: 0.024 }, { input: "clock", low: 0.02, high: 0.021 }], { base: 0.021, target: 0.1 })],
  ["05: adoption with long set names", adoptionChart(adoption, { y: "wallReduction" })],
  ["09: candidates", candidatesChart([{ component: "timer", kind: "put/load", wallSaving: 0.05 }, { component: "debug", kind: "trap group", wallSaving: 0.03 }])],
];

describe("the charts the report showed wrong", () => {
  it.each(reported)("%s: renders with no problem a reader would see", async (_n, spec) => {
    expect(await renderProblems(structuredClone(spec))).toEqual([]);
  });

  it("an empty log-scale bar chart is caught (the check sees what the reader saw)", async () => {
    const broken: TopLevelSpec = {
      data: { values: diffRows },
      mark: "bar",
      encoding: { y: { field: "key", type: "nominal", title: null }, x: { field: "ratio", type: "quantitative", scale: { type: "log" }, title: "model / machine" } },
    };
    const problems = await renderProblems(broken);
    expect(problems.join("\n")).toMatch(/Log scale domain includes zero/);
    expect(problems.join("\n")).toMatch(/draws nothing visible/);
  });

  it("two categories sharing a colour and joined axis titles are caught", async () => {
    const values = Array.from({ length: 9 }, (_, i) => ({ c: `c${i}`, v: i + 1, w: i }));
    const nine: TopLevelSpec = { data: { values }, config: { range: { category: PALETTE.slice(0, 8) } }, mark: "bar", encoding: { x: { field: "c", type: "nominal", title: "category" }, y: { field: "v", type: "quantitative", title: "value" }, color: { field: "c", type: "nominal" } } };
    expect((await renderProblems(nine)).join("\n")).toMatch(/share a colour/);
    const joined: TopLevelSpec = { data: { values }, layer: [{ mark: "point", encoding: { x: { field: "v", type: "quantitative", title: "value" }, y: { field: "c", type: "nominal", title: "category" } } }, { mark: "tick", encoding: { x: { field: "w", type: "quantitative", title: "lo" }, y: { field: "c", type: "nominal", title: "category" } } }] };
    expect((await renderProblems(joined)).join("\n")).toMatch(/axis title 'value, lo'/);
  });

  it("the exit chart at one depth: one colour per component, no facet header, labels apart", () => {
    const spec = reported[1]![1] as { encoding: Record<string, unknown>; width: number };
    expect(spec.encoding["column"]).toBeUndefined();
    expect(new Set(exitRows.map((r) => r.component)).size).toBeLessThanOrEqual(PALETTE.length);
    expect(spec.width).toBeGreaterThanOrEqual(120);
  });

  it("groupCategories keeps the largest categories and merges the rest into 'other'", () => {
    const rows = Array.from({ length: 15 }, (_, i) => ({ component: `k${i}`, cycles: i }));
    const g = groupCategories(rows, "component", "cycles");
    expect(new Set(g.map((r) => r.component)).size).toBe(PALETTE.length);
    expect(g.find((r) => r.cycles === 14)!.component).toBe("k14");
    expect(g.find((r) => r.cycles === 0)!.component).toBe("other");
  });
});
