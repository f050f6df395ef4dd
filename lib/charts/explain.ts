import type { TopLevelSpec } from "vega-lite";
import { type ChartData, type ChartOptions, type DataRow, dataValues, field, frame } from "./spec";
import { groupCategories, PERCENT_AXIS } from "./style";
import { formatPercent } from "../util/format";

/**
 * Charts of issue 15's analysis: the cost of one leaf event (an exit of the leaf's stream with the FP traps it causes) by what raised its traps (baseline vs patched, per depth),
 * the sensitivity as a tornado, and the claims against the model with the claimed ranges as bands.
 */

/** the x axis of the tornado and the claims chart */
const SAVED = "wall-clock time saved (%)";

export interface ExitChartOptions extends ChartOptions {
  /** the stacked quantity (default "cycles") */
  readonly value?: string;
}

/**
 * Stacked bars: one bar per configuration (baseline, patched), one column per depth, stacked by component. Rows:
 * `{depth, config, component, cycles}` (lib/run/exit.ts exitChartRows).
 */
export function exitAttributionChart(data: ChartData, o: ExitChartOptions = {}): TopLevelSpec {
  const value = o.value ?? "cycles";
  // no two components share a colour: beyond the palette, the smallest become "other"
  const values = groupCategories(dataValues(data), "component", value);
  const depths = [...new Set(values.map((r) => r["depth"]))];
  const one = depths.length === 1;
  const title = o.title ?? (one ? `One leaf event at depth ${String(depths[0])}, by what raised its L0 traps` : "One leaf event, by what raised its L0 traps");
  return {
    ...frame(values, { ...o, title }, { title, width: 150 }),
    mark: "bar",
    encoding: {
      // one depth: no facet (a header "depth / 3" says nothing the title does not)
      ...(one ? {} : { column: { field: "depth", type: "ordinal", title: "nesting depth (leaf level)" } }),
      x: { field: "config", type: "nominal", title: "configuration", sort: ["baseline", "patched"], axis: { labelAngle: 0, labelPadding: 4 } },
      y: { field: field(value), type: "quantitative", aggregate: "sum", stack: "zero", title: `${value} per leaf event` },
      color: { field: "component", type: "nominal", title: "raised by" },
      tooltip: [{ field: "config", title: "configuration" }, { field: "component", title: "raised by" }, { field: field(value), aggregate: "sum", format: ",.0f", title: `${value} per leaf event` }],
    },
  } as TopLevelSpec;
}

export interface TornadoOptions extends ChartOptions {
  /** the figure as modelled (drawn as a rule) */
  readonly base?: number;
  /** the target (drawn as a dashed rule) */
  readonly target?: number;
  /** at most this many inputs, widest first (default 15) */
  readonly limit?: number;
}

/**
 * A tornado: per input, a bar from its lowest to its highest figure over the values tried, sorted by width. Rows:
 * `{input, low, high}` (tornadoRows in lib/explain/tables.ts), figures as fractions. The axis spans the bars and the
 * figure as modelled (not from 0): the bars are narrow beside the figure, and would be slivers on an axis from 0 to a
 * distant target. A target beyond the axis is named in the subtitle instead of stretching it.
 */
export function tornadoChart(data: ChartData, o: TornadoOptions = {}): TopLevelSpec {
  const values: DataRow[] = dataValues(data)
    .map((r): DataRow => ({ ...r, span: Number(r.high) - Number(r.low), range: `${formatPercent(Number(r.low))} to ${formatPercent(Number(r.high))}` }))
    .sort((a, b) => Number(b.span) - Number(a.span) || (String(a.input) < String(b.input) ? -1 : 1))
    .slice(0, o.limit ?? 15);
  const edges = [...values.flatMap((r) => [Number(r.low), Number(r.high)]), ...(o.base !== undefined ? [o.base] : [])].filter(Number.isFinite);
  const lo = edges.length > 0 ? Math.min(...edges) : 0;
  const hi = edges.length > 0 ? Math.max(...edges) : 1;
  const pad = Math.max((hi - lo) * 0.12, Math.abs(hi) * 0.002, 1e-6);
  const domain: [number, number] = [lo - pad, hi + pad];
  const targetShown = o.target !== undefined && o.target >= domain[0] && o.target <= domain[1];
  const rules = [
    ...(o.base !== undefined ? [{ x: o.base, what: "as modelled" }] : []),
    ...(o.target !== undefined && targetShown ? [{ x: o.target, what: "target" }] : []),
  ];
  const offScale =
    o.target !== undefined && !targetShown
      ? `the target, ${(o.target * 100).toFixed(2).replace(/\.?0+$/, "")}%, is off this axis (${o.target > hi ? `${(o.target / hi).toFixed(1)}× the highest figure` : "below the lowest figure"})`
      : "";
  const subtitle = [o.subtitle, offScale].filter((t): t is string => t !== undefined && t !== "").join("; ");
  const x = { type: "quantitative" as const, title: SAVED, scale: { domain, nice: false, zero: false } };
  return {
    ...frame(values, { ...o, ...(subtitle ? { subtitle } : {}) }, { title: "What moves the wall-clock reduction", width: 420, height: 22 * values.length + 10 }),
    layer: [
      {
        mark: { type: "bar", height: 14, color: "#0072B2" },
        encoding: {
          y: { field: "input", type: "nominal", sort: { field: "span", order: "descending" }, title: "input changed" },
          x: { field: "low", ...x, axis: { format: PERCENT_AXIS } },
          x2: { field: "high" },
          tooltip: [
            { field: "input", type: "nominal", title: "input changed" },
            { field: "range", type: "nominal", title: "wall-clock time saved, lowest to highest" },
          ],
        },
      },
      ...(rules.length > 0
        ? [
            {
              data: { values: rules },
              mark: { type: "rule" as const, strokeDash: [4, 3], strokeWidth: 1.5 },
              encoding: { x: { field: "x", ...x }, color: { field: "what", type: "nominal" as const, title: null, scale: { range: ["#000000", "#D55E00"] } } },
            },
          ]
        : []),
    ],
  };
}

/**
 * Claims vs model: the claimed range as a band, the model's mean as a point labelled with its value and 95% interval.
 * An open-ended claim ("at least 10%") is shaded from its bound to the axis end (`upTo`, where the axis stops) with no
 * far edge and an arrow there, as the report's summary chart draws it; a bounded one as a band between its bounds. The
 * interval is drawn at its true width (an error bar without end ticks, so a narrow interval is not drawn wider than it
 * is); when it is narrower than the point at this scale, the subtitle says so and the label gives it. Rows: ClaimRow
 * (lib/explain/claims.ts) or `{label, claimLow, claimHigh, reductionMean, reductionCi95}`.
 */
export function claimsChart(data: ChartData, o: ChartOptions & { readonly upTo?: number } = {}): TopLevelSpec {
  const rows = dataValues(data);
  const top = Math.max(0, ...rows.flatMap((r) => [Number(r.claimHigh ?? 0), Number(r.reductionMean) + Number(r.reductionCi95 ?? 0)]).filter(Number.isFinite));
  const upTo = Math.max(o.upTo ?? 0.3, top);
  const values = rows.map((r): DataRow => {
    const open = r.claimHigh === null || r.claimHigh === undefined;
    const mean = Number(r.reductionMean);
    const ci = Number(r.reductionCi95 ?? 0);
    return {
      ...r,
      label: r.label ?? `${String(r.workload)} (patch ${String(r.patch)})`,
      bandHigh: open ? upTo : Number(r.claimHigh),
      claimOpen: open,
      claimText: open ? `claimed ≥ ${(Number(r.claimLow) * 100).toFixed(0)}% (no upper bound)` : `claimed ${(Number(r.claimLow) * 100).toFixed(0)}–${(Number(r.claimHigh) * 100).toFixed(0)}%`,
      lo: mean - ci,
      hi: mean + ci,
      modelText: Number.isFinite(ci) && ci > 0 ? `${formatPercent(mean)} ± ${formatPercent(ci, 3)}` : formatPercent(mean),
    };
  });
  const width = o.width ?? 360;
  // the widest interval in pixels: below the point's size it cannot be seen, which the subtitle then says
  const widestPx = Math.max(0, ...values.map((r) => ((Number(r.hi) - Number(r.lo)) / upTo) * width).filter(Number.isFinite));
  const narrow = widestPx < 8;
  const y = { field: "label", type: "nominal" as const, title: "claim (workload, levels patched)" };
  const x = (f: string) => ({ field: f, type: "quantitative" as const, title: SAVED, scale: { domain: [0, upTo], nice: false, clamp: true }, axis: { format: PERCENT_AXIS } });
  const note = narrow ? "95% intervals narrower than the points at this scale: see the labels" : "";
  const subtitle = [o.subtitle, note].filter((t): t is string => t !== undefined && t !== "").join("; ");
  return {
    ...frame(values, { ...o, ...(subtitle ? { subtitle } : {}) }, { title: "The claims and the model (95% interval over seeds)", width, height: Math.max(200, 40 * values.length) }),
    layer: [
      // every layer titles its x the same: vega-lite joins different titles of a shared axis ("…, lo")
      { mark: { type: "bar", opacity: 0.25 }, encoding: { y, x: x("claimLow"), x2: { field: "bandHigh" }, tooltip: [{ field: "claimText", type: "nominal", title: "claim" }] } },
      // the claim's lower bound as a solid edge; an open-ended claim's far end gets an arrow, no edge
      { mark: { type: "tick", thickness: 2.5, color: "#555555" }, encoding: { y, x: x("claimLow") } },
      { transform: [{ filter: "datum.claimOpen" }], mark: { type: "text", text: "▶", align: "right", dx: -1, fontSize: 12, color: "#555555" }, encoding: { y, x: x("bandHigh") } },
      { mark: { type: "text", align: "left", dx: 5, dy: -11, fontSize: 10, color: "#333333" }, encoding: { y, x: x("claimLow"), text: { field: "claimText", type: "nominal" } } },
      { mark: { type: "errorbar", thickness: 2 }, encoding: { y, x: x("lo"), x2: { field: "hi" } } },
      {
        mark: { type: "point", filled: true, size: 60, color: "#000000" },
        encoding: {
          y,
          x: x("reductionMean"),
          tooltip: [
            { field: "label", type: "nominal", title: "claim" },
            { field: "modelText", type: "nominal", title: "model: mean ± 95% CI half-width" },
          ],
        },
      },
      { mark: { type: "text", align: "left", dx: 7, dy: 11, fontSize: 10 }, encoding: { y, x: x("reductionMean"), text: { field: "modelText", type: "nominal" } } },
    ],
  };
}
