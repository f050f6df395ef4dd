import Ajv from "ajv";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";
import { describe, expect, it } from "vitest";
import {
  adoptionChart,
  applyLeafEvent,
  attributionChart,
  defaultModelConfig,
  Machine,
  OKABE_ITO,
  PALETTE,
  PROFILES,
  runCompare,
  runTraced,
  safetyChart,
  seedSummary,
  sensitivityBandChart,
  speedupByDepthChart,
  speedupHeatmap,
  speedupTable,
  subscribe,
  type TraceRecord,
  traceTimeline,
  traceTimelineChart,
  trapSlices,
  trapsPerExitChart,
  trapTreeChart,
  VEGA_LITE_SCHEMA,
} from "../../lib/index";
import { renderProblems } from "./render";

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

function oneExit(depth: number, patched: boolean): TraceRecord[] {
  const m = new Machine(defaultModelConfig({ depth, patch: patched ? Array.from({ length: depth }, (_, i) => i) : [] }));
  applyLeafEvent(m, "fp");
  applyLeafEvent(m, "hvc");
  const recs: TraceRecord[] = [];
  const off = subscribe(m, ["nestlab:trap_begin", "nestlab:trap_end", "nestlab:sysreg_trap"], (r) => recs.push(r));
  applyLeafEvent(m, "fp");
  applyLeafEvent(m, "hvc");
  off();
  return recs;
}
const tree = [...trapSlices(oneExit(3, false)).map((s) => ({ ...s, config: "without the patch" })), ...trapSlices(oneExit(3, true)).map((s) => ({ ...s, config: "with the patch" }))];
const traced: TraceRecord[] = [];
runTraced({ model: defaultModelConfig({ depth: 2, patch: [] }), profile: PROFILES["io-heavy"]!, ...run, durationMs: 0.2 }, ["nestlab:handle_begin", "nestlab:handle_end", "nestlab:fp_save", "nestlab:fp_restore", "nestlab:fp_trap"], (r) => {
  traced.push(r);
});
const timeline = traceTimeline(traced, { depth: 2, clockGhz: 3, origin: 0 });
const livelocked = [1, 2, 3, 4, 5].flatMap((depth) =>
  ["NV2 on", "NV2 off"].map((nv2) => {
    const dead = depth >= (nv2 === "NV2 on" ? 5 : 4);
    return { depth, nv2, wallReduction: dead ? null : depth / 100, note: dead ? "no progress: livelock" : "" };
  }),
);
const claimRows = [
  { claim: "Debian installer in L3: 10-20%", depth: 3, wallReduction: 0.024, bandMin: 0.019, bandMax: 0.03 },
  { claim: "I/O-heavy L3, L1+L2 patched: >= 10%", depth: 3, wallReduction: 0.029, bandMin: 0.026, bandMax: 0.032 },
];
const claimsBand = sensitivityBandChart(claimRows, {
  x: "depth",
  y: "wallReduction",
  min: "bandMin",
  max: "bandMax",
  color: "claim",
  claims: [
    { series: claimRows[0]!.claim, at: 3, min: 0.1, max: 0.2, label: "claimed 10-20%" },
    { series: claimRows[1]!.claim, at: 3, min: 0.1, max: null, label: "claimed at least 10%" },
  ],
});

const cases: [string, TopLevelSpec][] = [
  ["speedup vs depth by SVE VL", speedupByDepthChart(flat.filter((r) => r.nv2))],
  ["speedup vs depth with CI", speedupByDepthChart([{ depth: 1, sveVl: 0, speedupMean: 1, speedupCi95: 0 }, { depth: 2, sveVl: 0, speedupMean: 1.01, speedupCi95: 0.002 }])],
  ["heatmap depth x I/O rate", speedupHeatmap([...flat, ...flat.map((r) => ({ ...r, ioRate: 5000, speedup: r.speedup * 0.99 }))])],
  ["L0 traps per leaf exit (log), NV2 on/off", trapsPerExitChart(flat)],
  ["cycle attribution by mechanism and level", attributionChart(attribution, { column: "config" })],
  ["per-level adoption what-if", adoptionChart([{ patch: "0", depth: 3, speedup: 1.01 }, { patch: "0+1", depth: 3, speedup: 1.03 }, { patch: "all", depth: 3, speedup: 1.03 }])],
  ["sensitivity band (computed min/max)", sensitivityBandChart([1, 2, 4].flatMap((s) => [1, 2, 3].map((seed) => ({ "costScale.vmmMmio": s, seed, speedup: 1 + s / 100 + seed / 1000 }))), { x: "costScale.vmmMmio", y: "speedup", logX: true })],
  ["sensitivity band (given min/max, colour)", sensitivityBandChart([1, 2, 3].map((d) => ({ depth: d, sveVl: 512, speedupMean: 1 + d / 50, lo: 1 + d / 60, hi: 1 + d / 40 })), { x: "depth", y: "speedupMean", min: "lo", max: "hi", color: "sveVl" })],
  ["claims band at a single depth, claimed ranges drawn", claimsBand],
  ["wall-clock reduction by depth, livelocked depths marked", speedupByDepthChart(livelocked, { y: "wallReduction", color: "nv2" })],
  ["one leaf exit's trap tree (icicle), baseline and patched", trapTreeChart(tree, { facet: "config", depth: 3 })],
  ["a short trace as swimlanes per level", traceTimelineChart(timeline, { depth: 2 })],
  ["FP/SVE safety per policy and configuration", safetyChart([{ policy: "baseline", config: "depth 2", steps: 100, violations: 0 }, { policy: "elide-always", config: "depth 2", steps: 100, violations: 7 }])],
];

/** Every x/y position channel of every unit spec in a spec (layers, facets), with its title and axis. */
function positions(spec: unknown): { channel: string; def: { title?: unknown; field?: unknown; datum?: unknown; value?: unknown; axis?: { format?: string } | null } }[] {
  const out: ReturnType<typeof positions> = [];
  const walk = (s: Record<string, unknown>, inherited: Record<string, unknown>): void => {
    const enc = { ...inherited, ...((s.encoding as Record<string, unknown>) ?? {}) };
    if (s.layer) for (const l of s.layer as Record<string, unknown>[]) walk(l, enc);
    else if (s.spec) walk(s.spec as Record<string, unknown>, enc);
    else for (const ch of ["x", "y"]) if (enc[ch]) out.push({ channel: ch, def: enc[ch] as never });
  };
  walk(spec as Record<string, unknown>, {});
  return out;
}

describe("chart builders", () => {
  it.each(cases)("%s: valid Vega-Lite v5 and renders to SVG", async (_name, spec) => {
    expect(spec.$schema).toBe(VEGA_LITE_SCHEMA);
    const ok = validate(spec);
    expect(ok ? [] : validate.errors?.slice(0, 3)).toEqual([]);
    const svg = await svgOf(spec);
    expect(svg).toMatch(/^<svg[^>]*class="marks"/);
    expect(svg).toMatch(/<path|<rect|<line/);
  });

  it.each(cases)("%s: no empty layer, warning, shared colour or joined axis title", async (_name, spec) => {
    expect(await renderProblems(structuredClone(spec))).toEqual([]);
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
    expect(layers.map((l) => l.mark.type)).toEqual(["rule", "line", "errorbar", "point", "text"]); // the last two: the NaN row marked
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

  it.each(cases)("%s: every field axis titled in words, a named palette, tooltips", (_name, spec) => {
    for (const { channel, def } of positions(spec)) {
      if (def.field === undefined || def.field === "claimX0" || def.field === "claimXMid") continue; // overlays share the main axis
      expect(typeof def.title === "string" && def.title.length > 2, `${channel} axis of ${String(def.field)} has a title`).toBe(true);
      expect(def.title).not.toMatch(/^[a-z][a-z0-9]*[A-Z]\w*$/); // not a camelCase field name
    }
    const json = JSON.stringify(spec);
    expect(json).toContain(JSON.stringify([...PALETTE])); // the palette, by its colours
    expect(PALETTE.slice(0, OKABE_ITO.length)).toEqual([...OKABE_ITO]); // Okabe-Ito's eight first
    expect(json).toContain('"tooltip"');
    expect(json).toContain('"labelLimit":480'); // legends are not cut off
  });

  it("draw reductions in percent, claimed ranges, and unavailable points instead of dropping them", async () => {
    const band = JSON.stringify(claimsBand);
    expect(band).toContain('"format":".2~%"');
    expect(band).toContain("claimed 10-20%");
    expect(band).toContain('"type":"errorbar"'); // a band at a single depth still has a visible extent
    const dead = speedupByDepthChart(livelocked, { y: "wallReduction", color: "nv2" });
    const svg = await svgOf(dead);
    expect(svg).toContain("no progress: livelock (NV2 off)");
    expect(svg).toContain("no progress: livelock (NV2 on, NV2 off)");
    expect(svg).toMatch(/>2%</); // percent tick labels
  });

  it("trap tree: one box per trap, rows by trapping level; patched has fewer traps and no FP trap", () => {
    const base = tree.filter((t) => t.config === "without the patch");
    const patched = tree.filter((t) => t.config === "with the patch");
    expect(base.length).toBeGreaterThan(patched.length);
    expect(base.some((t) => t.reason === "fp")).toBe(true);
    expect(patched.some((t) => t.reason === "fp")).toBe(false);
    for (const t of tree) expect(t.end).toBeGreaterThanOrEqual(t.start);
    expect(new Set(tree.map((t) => t.levelName))).toEqual(new Set(["L1", "L2", "L3"]));
    // the root (the leaf's HVC) encloses every trap that starts after it
    const root = base.find((t) => t.level === 3 && t.reason === "hvc")!;
    for (const t of base.filter((x) => x.start > root.start)) expect(t.end).toBeLessThanOrEqual(root.end);
  });

  it("timeline: a run shorter than two pixels is drawn two pixels wide (true times kept), and the subtitle says so", () => {
    const rows = [
      { kind: "run", level: 0, lane: "L0 host", start: 0, end: 99, activity: "system register access" },
      { kind: "run", level: 1, lane: "L1 guest hypervisor", start: 99, end: 99.001, activity: "system register access" },
      { kind: "run", level: 2, lane: "L2 leaf guest", start: 99.001, end: 100, activity: "leaf guest's own work" },
    ];
    const spec = traceTimelineChart(rows, { depth: 2, width: 500 }) as unknown as { title: { subtitle: string | string[] }; data: { values: { start: number; end: number; endShown: number }[] } };
    const short = spec.data.values[1]!;
    expect(short.end).toBe(99.001);
    expect(short.endShown - short.start).toBeCloseTo((100 * 2) / 500, 6);
    expect(spec.data.values[0]!.endShown).toBe(99);
    expect(spec.title.subtitle).toMatch(/drawn 2 px wide \(1 of them\)/);
    const both = traceTimelineChart(rows, { depth: 2, width: 500, subtitle: "shares" }) as unknown as { title: { subtitle: string[] } };
    expect(both.title.subtitle).toEqual(["shares", expect.stringMatching(/drawn 2 px wide/)]); // one line each
  });

  it("timeline: lanes cover the trace without gaps or overlaps", () => {
    const runs = timeline.filter((r) => r.kind === "run");
    expect(runs.length).toBeGreaterThan(3);
    for (let i = 1; i < runs.length; i++) expect(runs[i]!.start).toBeCloseTo(runs[i - 1]!.end, 9);
    expect(runs.some((r) => r.lane === "L2 leaf guest" && r.activity === "leaf guest's own work")).toBe(true);
    expect(runs.some((r) => r.lane === "L0 host")).toBe(true);
  });

  it("escape dotted column names as fields", () => {
    const spec = sensitivityBandChart([{ "cost.vmmMmio": 1, speedup: 1 }], { x: "cost.vmmMmio", y: "speedup" });
    expect(JSON.stringify(spec)).toContain("cost\\\\.vmmMmio");
  });
});
