/**
 * What every chart shares to be read: one named colour-blind-safe palette, legends that are not cut off, axis and
 * legend titles in words with units, percentages shown as %, tooltips, and unavailable points marked instead of
 * dropped.
 *
 * Palette: Okabe and Ito's eight colours ("Color Universal Design", 2002), distinguishable under the common forms of
 * colour blindness; categorical series take them in this order (blue first, black last). A chart with more than eight
 * categories continues with four colours of Paul Tol's colour-blind-safe "muted" scheme (grey, wine, olive, indigo;
 * https://personal.sron.nl/~pault/), none of them a hue already taken; no chart has more categories than PALETTE has
 * colours (a builder groups the smallest into "other" first: groupCategories). Sequential quantities (the heatmap) use
 * viridis, which is perceptually uniform and colour-blind safe.
 */
import type { TopLevelSpec } from "vega-lite";

/** vega-lite's Config, as a top-level spec holds it */
export type ChartConfig = NonNullable<TopLevelSpec["config"]>;

export const PALETTE_NAME = "Okabe-Ito";
export const OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000"] as const;
/** Paul Tol's muted grey, wine, olive and indigo: the categorical colours after Okabe-Ito's eight */
export const TOL_EXTENSION = ["#999999", "#882255", "#999933", "#332288"] as const;
/** every categorical colour, in order: no chart shows more categories than this, and no two categories share one */
export const PALETTE: readonly string[] = [...OKABE_ITO, ...TOL_EXTENSION];
/** the sequential scheme for quantities shown as colour */
export const SEQUENTIAL_SCHEME = "viridis";

/** d3-format strings: fractions shown as percent on axes, in labels and in tooltips. */
export const PERCENT_AXIS = ".2~%";
export const PERCENT_TEXT = ".1%";
export const PERCENT_TOOLTIP = ".2%";

/** The `config` block of every spec. */
export function chartConfig(): ChartConfig {
  return {
    range: { category: [...PALETTE], ordinal: [...PALETTE] },
    legend: { labelLimit: 480, titleLimit: 480, symbolStrokeWidth: 2, symbolOpacity: 1 },
    axis: { labelLimit: 300, titleFontSize: 12, labelFontSize: 11 },
    title: { fontSize: 14, subtitleColor: "#444", limit: 0 },
    view: { stroke: "#ddd" },
  };
}

/**
 * Axis and legend titles in words, with units, for the columns the library's tables carry (sweep rows, compare and
 * micro results). A column not listed keeps its own name.
 */
export const FIELD_TITLES: { readonly [column: string]: string } = {
  depth: "nesting depth (leaf level)",
  sveVl: "SVE vector length (bits)",
  ioRate: "I/O exits per second",
  nv2: "NV2",
  patch: "levels with the patch",
  workload: "workload",
  speedup: "speedup (baseline ÷ patched time)",
  speedupMean: "speedup (baseline ÷ patched time), mean over seeds",
  wallReduction: "wall-clock time saved (%)",
  wallSaving: "wall-clock time saved, upper bound (%)",
  component: "component",
  kind: "kind",
  change: "kernel change",
  wallReductionMean: "wall-clock time saved (%), mean over seeds",
  reduction: "wall-clock time saved (%)",
  reductionMean: "wall-clock time saved (%), mean over seeds",
  l0Traps: "L0 traps",
  l0TrapsPerHvc: "L0 traps per leaf HVC",
  l0TrapsPerOp: "L0 traps per leaf operation",
  leafExits: "leaf exits",
  cycles: "cycles",
  op: "leaf operation",
  config: "configuration",
  saved: "cycles saved",
  level: "level",
  mechanism: "mechanism",
  fpBytesAvoided: "FP/SVE bytes not moved",
  cyclesSaved: "cycles saved",
  violations: "violations",
  policy: "FP policy",
};

/** The title of a column: FIELD_TITLES, else the name. */
export function fieldTitle(column: string): string {
  return FIELD_TITLES[column] ?? column;
}

/** Columns that hold a fraction read as a percentage (wall-clock reductions and their bands and intervals). */
export function isPercentColumn(column: string): boolean {
  return /(^|[a-z])(r|R)eduction/.test(column) || /^wallSaving(Ci95)?$/.test(column) || /^(band(Min|Max)|ci(Low|High)|claim(Min|Max))$/.test(column) || /(^s|[a-z]S)hare$/.test(column) || /(^r|[a-z]R)elativeError$/.test(column);
}

/**
 * Rows with at most `max` distinct values of `column` (default: the palette's size): the categories with the smallest
 * total of `value` are merged into one named `other` (their values summed per the remaining columns by the chart's own
 * aggregation), so that no two categories share a colour.
 */
export function groupCategories<R extends { readonly [column: string]: unknown }>(rows: readonly R[], column: string, value: string, max: number = PALETTE.length, other = "other"): R[] {
  const totals = new Map<string, number>();
  for (const r of rows) totals.set(String(r[column]), (totals.get(String(r[column])) ?? 0) + Math.abs(Number(r[value]) || 0));
  if (totals.size <= max) return [...rows];
  const kept = new Set([...totals.entries()].sort((a, b) => b[1] - a[1]).slice(0, max - 1).map(([k]) => k));
  return rows.map((r) => (kept.has(String(r[column])) ? r : { ...r, [column]: other }));
}
