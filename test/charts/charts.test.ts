import Ajv from "ajv";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { describe, expect, it } from "vitest";
import {
  adoptionChart,
  attributionChart,
  defaultModelConfig,
  PROFILES,
  runCompare,
  seedSummary,
  sensitivityBandChart,
  speedupByDepthChart,
  speedupHeatmap,
  speedupTable,
  trapsPerExitChart,
  VEGA_LITE_SCHEMA,
} from "../../lib/index";

const schema = JSON.parse(readFileSync(join(__dirname, "../../node_modules/vega-lite/build/vega-lite-schema.json"), "utf8")) as object;
const ajv = new Ajv({ strict: false, allowUnionTypes: true, validateFormats: false });
const validate = ajv.compile(schema);

async function svgOf(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

// A small real compare grid, so the charts are built from what the library produces.
const run = { durationMs: 10, seed: 1, clockGhz: 3, hostPreemptRate: 0, hostNeonRate: 0 };
const grid = [1, 2, 3].flatMap((depth) =>
  [0, 512].flatMap((sveVl) =>
    [true, false].map((nv2) => {
      const r = runCompare({ model: defaultModelConfig({ depth, sveVl, nv2 }), profile: PROFILES["io-heavy"]!, ...run });
      return { depth, sveVl, nv2, ioRate: 20000, speedup: r.speedup, l0Traps: r.baseline.l0Traps, leafExits: r.baseline.leafExits, attribution: r.baseline.attribution };
    }),
  ),
);
const flat = grid.map(({ attribution: _a, ...rest }) => rest);
const attribution = grid
  .filter((g) => g.depth === 3 && g.sveVl === 512 && g.nv2)
  .flatMap((g) => g.attribution.map((a) => ({ ...a, config: "baseline" })));

const cases: [string, TopLevelSpec][] = [
  ["speedup vs depth by SVE VL", speedupByDepthChart(flat.filter((r) => r.nv2))],
  ["speedup vs depth with CI", speedupByDepthChart([{ depth: 1, sveVl: 0, speedupMean: 1, speedupCi95: 0 }, { depth: 2, sveVl: 0, speedupMean: 1.01, speedupCi95: 0.002 }])],
  ["heatmap depth x I/O rate", speedupHeatmap([...flat, ...flat.map((r) => ({ ...r, ioRate: 5000, speedup: r.speedup * 0.99 }))])],
  ["L0 traps per leaf exit (log), NV2 on/off", trapsPerExitChart(flat)],
  ["cycle attribution by mechanism and level", attributionChart(attribution, { column: "config" })],
  ["per-level adoption what-if", adoptionChart([{ patch: "0", depth: 3, speedup: 1.01 }, { patch: "0+1", depth: 3, speedup: 1.03 }, { patch: "all", depth: 3, speedup: 1.03 }])],
  ["sensitivity band (computed min/max)", sensitivityBandChart([1, 2, 4].flatMap((s) => [1, 2, 3].map((seed) => ({ "costScale.vmmMmio": s, seed, speedup: 1 + s / 100 + seed / 1000 }))), { x: "costScale.vmmMmio", y: "speedup", logX: true })],
  ["sensitivity band (given min/max, colour)", sensitivityBandChart([1, 2, 3].map((d) => ({ depth: d, sveVl: 512, speedupMean: 1 + d / 50, lo: 1 + d / 60, hi: 1 + d / 40 })), { x: "depth", y: "speedupMean", min: "lo", max: "hi", color: "sveVl" })],
];

describe("chart builders", () => {
  it.each(cases)("%s: valid Vega-Lite v5 and renders to SVG", async (_name, spec) => {
    expect(spec.$schema).toBe(VEGA_LITE_SCHEMA);
    const ok = validate(spec);
    expect(ok ? [] : validate.errors?.slice(0, 3)).toEqual([]);
    const svg = await svgOf(spec);
    expect(svg).toMatch(/^<svg[^>]*class="marks"/);
    expect(svg).toMatch(/<path|<rect|<line/);
  });

  it("are pure: JSON-serializable, bigint becomes a number, non-finite numbers become null", () => {
    const spec = speedupByDepthChart([{ depth: 1, sveVl: 0, speedup: Number.NaN, cycles: 10n }]);
    const values = (spec.data as { values: Record<string, unknown>[] }).values;
    expect(values[0]).toEqual({ depth: 1, sveVl: 0, speedup: null, cycles: 10 });
    expect(JSON.parse(JSON.stringify(spec))).toEqual(spec);
  });

  it("take their defaults from a seed summary table: mean line, CI error bars, missing values as null", async () => {
    const rows = [1, 2].flatMap((depth) =>
      [1, 2].flatMap((seed) => [
        { depth, sveVl: 0, patch: "none", seed, cycles: 100 * depth + seed },
        { depth, sveVl: 0, patch: "all", seed, cycles: depth === 2 && seed === 2 ? null : 90 * depth + seed },
      ]),
    );
    const summary = seedSummary(speedupTable(rows, { axis: "patch", baseline: "none" }));
    const spec = speedupByDepthChart(summary);
    const layers = (spec as { layer: { mark: { type: string }; encoding: Record<string, { field?: string }> }[] }).layer;
    expect(layers.map((l) => l.mark.type)).toEqual(["rule", "line", "errorbar"]);
    expect(layers[1]!.encoding.y!.field).toBe("speedupMean");
    expect(layers[2]!.encoding.yError!.field).toBe("speedupCi95");
    const values = (spec.data as { values: Record<string, unknown>[] }).values;
    expect(values.map((v) => [v.depth, v.n, v.speedupMean])).toEqual([
      [1, 2, (101 / 91 + 102 / 92) / 2],
      [2, 2, null], // one seed without cycles: NaN in the table, null in the spec
    ]);
    expect(validate(spec) ? [] : validate.errors?.slice(0, 3)).toEqual([]);
    expect(await svgOf(spec)).toMatch(/<path/);
  });

  it("escape dotted column names as fields", () => {
    const spec = sensitivityBandChart([{ "cost.vmmMmio": 1, speedup: 1 }], { x: "cost.vmmMmio", y: "speedup" });
    expect(JSON.stringify(spec)).toContain("cost\\\\.vmmMmio");
  });
});
