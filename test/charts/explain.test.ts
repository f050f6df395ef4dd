import Ajv from "ajv";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { describe, expect, it } from "vitest";
import {
  claimsChart,
  defaultModelConfig,
  exitAttribution,
  exitAttributionChart,
  exitChartRows,
  explainTableRows,
  PROFILES,
  sensitivity,
  sensitivityTornadoRows,
  tornadoChart,
  tornadoRows,
  type ExplainResult,
} from "../../lib/index";
import { renderProblems } from "./render";

const schema = JSON.parse(readFileSync(join(__dirname, "../../node_modules/vega-lite/build/vega-lite-schema.json"), "utf8")) as object;
const validate = new Ajv({ strict: false, allowUnionTypes: true, validateFormats: false }).compile(schema);

async function svgOf(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const run = { durationMs: 5, seed: 1, clockGhz: 3, hostPreemptRate: 0, hostNeonRate: 0 };
const exitRows = [2, 3].flatMap((depth) =>
  (["baseline", "patched"] as const).flatMap((config) =>
    exitChartRows(exitAttribution({ model: defaultModelConfig({ depth, patch: config === "baseline" ? [] : Array.from({ length: depth }, (_, i) => i) }), profile: PROFILES["io-heavy"]!, ...run }, 5), config),
  ),
);
const band = sensitivity({ model: defaultModelConfig({ depth: 2 }), profile: PROFILES["io-heavy"]!, ...run });
const fakeExplain: ExplainResult = {
  target: 0.1,
  depth: 3,
  workload: "io-heavy",
  base: { wallReduction: 0.02, speedup: 1.02, implications: { l0FpTrapNs: 230, forwardedFpTrapNs: 2600, fpTrapsPerExit: 0.8, l0TrapsPerExit: 300, hvcL0Traps: 106, hvcNs: 60000, l0PutLoadCycles: 1600, fpShare: 0.05, overhead: 5 } },
  entries: [],
  reaching: 0,
  singles: [
    { input: "sveVl", kind: "switch", label: "2048", exp: 0, wallReduction: 0.08 },
    { input: "cost.vmmMmio", kind: "scale", label: "x1/16", exp: -4, wallReduction: 0.025 },
    { input: "cost.vmmMmio", kind: "scale", label: "x16", exp: 4, wallReduction: 0.012 },
    { input: "nv2", kind: "switch", label: "off", exp: 0, wallReduction: null, limit: "livelock" },
  ],
  inputs: ["sveVl", "cost.vmmMmio", "nv2"],
  paired: [],
  evaluations: 4,
};

const cases: [string, TopLevelSpec][] = [
  ["one leaf exit by what raised its traps, baseline vs patched per depth", exitAttributionChart(exitRows)],
  ["tornado from explain's singles, with base and target", tornadoChart(tornadoRows(fakeExplain), { base: 0.02, target: 0.1 })],
  ["tornado from the sensitivity band", tornadoChart(sensitivityTornadoRows(band), { base: band.base.wallReduction })],
  ["claims vs model, bands and intervals", claimsChart([
    { workload: "debian-install", patch: "all", claimLow: 0.1, claimHigh: 0.2, reductionMean: 0.019, reductionCi95: 0.0001 },
    { workload: "io-heavy", patch: "all", claimLow: 0.1, claimHigh: null, reductionMean: 0.022, reductionCi95: 0.0001 },
    { workload: "io-heavy", patch: "1+2", claimLow: 0.1, claimHigh: null, reductionMean: 0.017, reductionCi95: 0.0001 },
  ])],
];

describe("issue 15 chart builders", () => {
  it.each(cases)("%s: valid Vega-Lite v5 and renders to SVG", async (_n, spec) => {
    expect(JSON.parse(JSON.stringify(spec))).toEqual(spec);
    const ok = validate(spec);
    expect(ok ? [] : validate.errors?.slice(0, 3)).toEqual([]);
    expect(await svgOf(structuredClone(spec))).toMatch(/<path|<rect|<line/);
  });

  it.each(cases)("%s: no empty layer, warning, shared colour or joined axis title", async (_name, spec) => {
    expect(await renderProblems(structuredClone(spec))).toEqual([]);
  });

  it("tornado: the axis spans the bars (not 0 to a distant target), so the widest bar reads; an off-axis target is named", () => {
    const rows = [
      { input: "a", low: 0.0207, high: 0.0227 },
      { input: "b", low: 0.0215, high: 0.0218 },
    ];
    const spec = tornadoChart(rows, { base: 0.0217, target: 0.1 }) as unknown as { width: number; title: { subtitle: string }; layer: { encoding: { x: { scale: { domain: [number, number] } } } }[] };
    const [d0, d1] = spec.layer[0]!.encoding.x.scale.domain;
    expect(d0).toBeGreaterThan(0.02);
    expect(d1).toBeLessThan(0.024);
    expect(((0.0227 - 0.0207) / (d1 - d0)) * spec.width).toBeGreaterThan(spec.width / 2);
    expect(spec.title.subtitle).toMatch(/target, 10%, is off this axis/);
  });

  it("claims: an open-ended claim reaches the axis end with no far edge; intervals at their true width, named when narrower than the point", () => {
    const spec = claimsChart(
      [
        { workload: "debian-install", patch: "all", claimLow: 0.1, claimHigh: 0.2, reductionMean: 0.019, reductionCi95: 0.00016 },
        { workload: "io-heavy", patch: "all", claimLow: 0.1, claimHigh: null, reductionMean: 0.022, reductionCi95: 0.00017 },
      ],
      { upTo: 0.3 },
    ) as unknown as { data: { values: { bandHigh: number; claimText: string; modelText: string }[] }; title: { subtitle: string }; layer: { mark: { type: string; ticks?: unknown } }[] };
    expect(spec.data.values.map((r) => r.bandHigh)).toEqual([0.2, 0.3]);
    expect(spec.data.values[1]!.claimText).toBe("claimed ≥ 10% (no upper bound)");
    expect(spec.data.values[1]!.modelText).toBe("2.20% ± 0.017%");
    const errorbar = spec.layer.find((l) => l.mark.type === "errorbar")!;
    expect(errorbar.mark.ticks).toBeUndefined(); // end ticks would draw a sub-pixel interval as a full-height line
    expect(spec.title.subtitle).toMatch(/narrower than the points/);
  });

  it("rows: the exit chart's components sum to the exit's cost; the tornado spans every input; the explain table starts with the model", () => {
    expect(exitRows.every((r) => r.cycles >= 0)).toBe(true);
    const t = tornadoRows(fakeExplain);
    expect(t.map((r) => r.input).sort()).toEqual(["cost.vmmMmio", "sveVl"]);
    expect(t.find((r) => r.input === "cost.vmmMmio")).toMatchObject({ low: 0.012, high: 0.025, lowAt: "x16", highAt: "x1/16" });
    expect(explainTableRows(fakeExplain)[0]).toMatchObject({ rank: 0, change: "(as modelled)", wallReduction: 0.02 });
  });
});
