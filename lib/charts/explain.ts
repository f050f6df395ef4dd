import type { TopLevelSpec } from "vega-lite";
import { type ChartData, type ChartOptions, type DataRow, dataValues, field, frame } from "./spec";
import { groupCategories, PERCENT_AXIS } from "./style";

/**
 * Charts of issue 15's analysis: the cost of one leaf exit by what raised its traps (baseline vs patched, per depth),
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
  const title = o.title ?? (one ? `One leaf exit at depth ${String(depths[0])}, by what raised its L0 traps` : "One leaf exit, by what raised its L0 traps");
  return {
    ...frame(values, { ...o, title }, { title, width: 150 }),
    mark: "bar",
    encoding: {
      // one depth: no facet (a header "depth / 3" says nothing the title does not)
      ...(one ? {} : { column: { field: "depth", type: "ordinal", title: "nesting depth (leaf level)" } }),
      x: { field: "config", type: "nominal", title: "configuration", sort: ["baseline", "patched"], axis: { labelAngle: 0, labelPadding: 4 } },
      y: { field: field(value), type: "quantitative", aggregate: "sum", stack: "zero", title: `${value} per leaf exit` },
      color: { field: "component", type: "nominal", title: "raised by" },
      tooltip: [{ field: "config", title: "configuration" }, { field: "component", title: "raised by" }, { field: field(value), aggregate: "sum", format: ",.0f", title: `${value} per leaf exit` }],
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
 * `{input, low, high}` (tornadoRows in lib/explain/tables.ts), figures as fractions.
 */
export function tornadoChart(data: ChartData, o: TornadoOptions = {}): TopLevelSpec {
  const values: DataRow[] = dataValues(data)
    .map((r): DataRow => ({ ...r, span: Number(r.high) - Number(r.low) }))
    .sort((a, b) => Number(b.span) - Number(a.span) || (String(a.input) < String(b.input) ? -1 : 1))
    .slice(0, o.limit ?? 15);
  const rules = [
    ...(o.base !== undefined ? [{ x: o.base, what: "as modelled" }] : []),
    ...(o.target !== undefined ? [{ x: o.target, what: "target" }] : []),
  ];
  return {
    ...frame(values, o, { title: "What moves the wall-clock reduction", width: 360, height: 16 * values.length + 20 }),
    layer: [
      {
        mark: "bar",
        encoding: {
          y: { field: "input", type: "nominal", sort: { field: "span", order: "descending" }, title: "input changed" },
          x: { field: "low", type: "quantitative", title: SAVED, axis: { format: PERCENT_AXIS } },
          x2: { field: "high" },
        },
      },
      ...(rules.length > 0
        ? [
            {
              data: { values: rules },
              mark: { type: "rule" as const, strokeDash: [4, 3] },
              encoding: { x: { field: "x", type: "quantitative" as const, title: SAVED }, color: { field: "what", type: "nominal" as const, title: null } },
            },
          ]
        : []),
    ],
  };
}

/**
 * Claims vs model: the claimed range as a band (open-ended claims drawn to `upTo`), the model's mean as a point with
 * its 95% interval. Rows: ClaimRow (lib/explain/claims.ts) or `{label, claimLow, claimHigh, reductionMean,
 * reductionCi95}`.
 */
export function claimsChart(data: ChartData, o: ChartOptions & { readonly upTo?: number } = {}): TopLevelSpec {
  const upTo = o.upTo ?? 0.3;
  const values = dataValues(data).map((r): DataRow => ({
    ...r,
    label: r.label ?? `${String(r.workload)} (patch ${String(r.patch)})`,
    bandHigh: r.claimHigh === null || r.claimHigh === undefined ? upTo : r.claimHigh,
    lo: Number(r.reductionMean) - Number(r.reductionCi95 ?? 0),
    hi: Number(r.reductionMean) + Number(r.reductionCi95 ?? 0),
  }));
  const y = { field: "label", type: "nominal" as const, title: "claim (workload, levels patched)" };
  return {
    ...frame(values, o, { title: "The claims and the model (95% interval over seeds)", width: 360, height: Math.max(200, 40 * values.length) }),
    layer: [
      // every layer titles its x the same: vega-lite joins different titles of a shared axis ("…, lo")
      { mark: { type: "bar", opacity: 0.3 }, encoding: { y, x: { field: "claimLow", type: "quantitative", title: SAVED, axis: { format: PERCENT_AXIS } }, x2: { field: "bandHigh" } } },
      { mark: { type: "errorbar", ticks: true }, encoding: { y, x: { field: "lo", type: "quantitative", title: SAVED }, x2: { field: "hi" } } },
      { mark: { type: "point", filled: true }, encoding: { y, x: { field: "reductionMean", type: "quantitative", title: SAVED } } },
    ],
  };
}
