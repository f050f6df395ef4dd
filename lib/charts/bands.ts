import type { TopLevelSpec } from "vega-lite";
import { type ChartData, type ChartOptions, dataValues, type DataRow, field, frame, isMissing, type Layer, unavailableLayers } from "./spec";
import { fieldTitle, isPercentColumn, PERCENT_AXIS, PERCENT_TOOLTIP } from "./style";

/** A claimed range drawn beside the model's values: `min`..`max` (max null: "at least min") at x = `at`. */
export interface ClaimRange {
  /** the series (value of the colour column) the claim is about; its range takes that series' colour */
  readonly series?: string;
  /** the x at which it was claimed (e.g. depth 3); default: every x */
  readonly at?: number;
  readonly min: number;
  readonly max?: number | null;
  /** e.g. "claimed 10-20%" */
  readonly label: string;
}

export interface SensitivityBandOptions extends ChartOptions {
  /** the varied parameter, e.g. "costScale.vmmMmio" or "depth" */
  readonly x: string;
  /** the outcome, e.g. "speedup" or "wallReduction"; the line is its mean at each x */
  readonly y: string;
  /** one band and line per value of this column */
  readonly color?: string;
  /** precomputed band edges; without them the band spans the min and max of y at each x (e.g. over seeds) */
  readonly min?: string;
  readonly max?: string;
  /** log scale on x (for scale factors) */
  readonly logX?: boolean;
  /** y in percent (default: when y is a reduction column) */
  readonly percent?: boolean;
  readonly xTitle?: string;
  readonly yTitle?: string;
  readonly colorTitle?: string;
  /** what the band is, for the tooltip (default "band") */
  readonly bandTitle?: string;
  /** claimed ranges to draw (shaded, in the series' colour, labelled) */
  readonly claims?: readonly ClaimRange[];
  /** the column saying why a row has no value; such rows are marked at their x */
  readonly note?: string;
}

/**
 * Sensitivity: the mean of y against a varied parameter, with its band drawn as an error bar at every x (so a band
 * at a single x is visible) and, over two or more x, as a shaded area; optional claimed ranges as shaded boxes in
 * the series' colour. Rows without a value are marked at their x.
 */
export function sensitivityBandChart(data: ChartData, o: SensitivityBandOptions): TopLevelSpec {
  const values = dataValues(data);
  const percent = o.percent ?? isPercentColumn(o.y);
  const fmt = percent ? PERCENT_TOOLTIP : ".4f";
  const present = values.filter((r) => !isMissing(r[o.y]));
  const xs = [...new Set(present.map((r) => Number(r[o.x])).concat(values.map((r) => Number(r[o.x]))).filter(Number.isFinite))].sort((a, b) => a - b);
  const integerX = xs.length > 0 && xs.every((v) => Number.isInteger(v)) && !o.logX;
  const claimXs = (o.claims ?? []).flatMap((c) => (c.at !== undefined ? [c.at] : []));
  const lowX = Math.min(...xs, ...claimXs);
  const highX = Math.max(...xs, ...claimXs);
  const xTitle = o.xTitle ?? fieldTitle(o.x);
  const yTitle = o.yTitle ?? fieldTitle(o.y);
  // series side by side at an integer x (e.g. two workloads at one depth), so their bars do not hide each other
  const seriesNames = o.color === undefined ? [] : [...new Set(values.map((r) => String(r[o.color!])))];
  const dodge = integerX && seriesNames.length > 1 ? 0.22 / (seriesNames.length - 1) : 0;
  const plotted: DataRow[] = values.map((r) => {
    const k = o.color === undefined ? 0 : seriesNames.indexOf(String(r[o.color]));
    const v = r[o.x];
    return { ...r, xPlotted: typeof v === "number" ? v + dodge * (k - (seriesNames.length - 1) / 2) : v ?? null };
  });
  const x = {
    field: dodge > 0 ? "xPlotted" : field(o.x),
    type: "quantitative",
    title: xTitle,
    scale: o.logX ? ({ type: "log" } as const) : integerX ? { domain: [lowX - 0.5, highX + 0.5], nice: false, zero: false } : { zero: false },
    ...(integerX ? { axis: { values: xs, format: "d", grid: false } } : {}),
  } as const;
  const color = o.color === undefined ? {} : ({ color: { field: field(o.color), type: "nominal", title: o.colorTitle ?? fieldTitle(o.color), sort: null } } as const);
  const [lo, hi] = o.min !== undefined && o.max !== undefined ? [o.min, o.max] : [o.y, o.y];
  const bandTitle = o.bandTitle ?? "band";
  const valid = { filter: `isValid(datum[${JSON.stringify(o.y)}])` };
  const seriesCount = o.color === undefined ? 1 : new Set(present.map((r) => String(r[o.color!]))).size;
  const manyX = new Set(present.map((r) => String(r[o.x]))).size > 1;
  // the band as an area only where every series has band edges at two or more x (an area over one x has no width)
  const banded = present.filter((r) => !isMissing(r[lo]) && !isMissing(r[hi]));
  const bandXs = (series: string | undefined): number => new Set(banded.filter((r) => o.color === undefined || String(r[o.color]) === series).map((r) => String(r[o.x]))).size;
  const seriesList: (string | undefined)[] = o.color === undefined ? [undefined] : [...new Set(present.map((r) => String(r[o.color!])))];
  const areaOk = seriesList.every((sn) => bandXs(sn) > 1);
  const validBand = { filter: `isValid(datum[${JSON.stringify(lo)}]) && isValid(datum[${JSON.stringify(hi)}])` };
  // the y domain: every value, band edge and claimed bound, from 0 for percentages
  const edges = [...present.flatMap((r) => [r[o.y], r[lo], r[hi]]), ...(o.claims ?? []).flatMap((c) => [c.min, c.max ?? null])].filter((v): v is number => typeof v === "number");
  const top = edges.length > 0 ? Math.max(...edges) : 1;
  const bottom = percent ? 0 : edges.length > 0 ? Math.min(...edges) : 0;
  const yScale = percent ? { domain: [0, top * 1.15], nice: false } : { zero: false };
  const y = (title: string) => ({ type: "quantitative", title, scale: yScale, ...(percent ? { axis: { format: PERCENT_AXIS } } : {}) }) as const;
  // claims at the same x share its slot side by side, in the order given
  const claims = o.claims ?? [];
  const slotOf = claims.map((c, i) => claims.slice(0, i).filter((d) => d.at === c.at).length);
  const slots = claims.map((c) => claims.filter((d) => d.at === c.at).length);
  const claimRows: DataRow[] = claims.map((c, i) => {
    const [from, to] = c.at !== undefined ? [c.at - 0.3, c.at + 0.3] : [lowX - 0.45, highX + 0.45];
    const w = (to - from) / slots[i]!;
    return {
      ...(o.color !== undefined && c.series !== undefined ? { [o.color]: c.series } : {}),
      claimX0: from + w * slotOf[i]!,
      claimX1: from + w * (slotOf[i]! + 1),
      claimXMid: from + w * (slotOf[i]! + 0.5),
      claimMin: c.min,
      // an open-ended claim ("at least min") reaches the axis top: no upper edge is drawn, an arrow marks it
      claimMax: c.max ?? top * 1.15,
      claimOpen: c.max === null || c.max === undefined,
      claimUpper: c.max === null || c.max === undefined ? "no upper bound (open-ended)" : null,
      claimLabel: c.label,
    };
  });
  const openRows = claimRows.filter((r) => r.claimOpen === true);
  const closedRows = claimRows.filter((r) => r.claimOpen !== true);
  const claimTooltip = [
    { field: "claimLabel", type: "nominal", title: "claim" },
    { field: "claimMin", type: "quantitative", title: "claimed at least", format: fmt },
  ] as const;
  const claimLayers: Layer[] =
    claimRows.length === 0
      ? []
      : [
          // a bounded claim: a box from min to max, dashed all round
          ...(closedRows.length === 0
            ? []
            : [
                {
                  data: { values: closedRows },
                  mark: { type: "rect", opacity: 0.14, strokeDash: [4, 3], strokeWidth: 1.5, strokeOpacity: 0.9 },
                  encoding: {
                    x: { field: "claimX0", type: "quantitative" },
                    x2: { field: "claimX1" },
                    y: { field: "claimMin", ...y(yTitle) },
                    y2: { field: "claimMax" },
                    ...(o.color !== undefined ? { color: color.color, stroke: { field: field(o.color), type: "nominal", legend: null } } : {}),
                    tooltip: [...claimTooltip, { field: "claimMax", type: "quantitative", title: "claimed at most", format: fmt }],
                  },
                } as Layer,
              ]),
          // an open-ended claim: shaded from min to the axis top with no upper edge, its lower bound a solid rule and
          // an arrow at the top (it continues beyond the axis)
          ...(openRows.length === 0
            ? []
            : [
                {
                  data: { values: openRows },
                  mark: { type: "rect", opacity: 0.14 },
                  encoding: {
                    x: { field: "claimX0", type: "quantitative" },
                    x2: { field: "claimX1" },
                    y: { field: "claimMin", ...y(yTitle) },
                    y2: { field: "claimMax" },
                    ...(o.color !== undefined ? { color: color.color } : {}),
                    tooltip: [...claimTooltip, { field: "claimUpper", type: "nominal", title: "claimed at most" }],
                  },
                } as Layer,
                {
                  data: { values: openRows },
                  mark: { type: "rule", strokeWidth: 2.5 },
                  encoding: {
                    x: { field: "claimX0", type: "quantitative" },
                    x2: { field: "claimX1" },
                    y: { field: "claimMin", ...y(yTitle) },
                    ...(o.color !== undefined ? { color: color.color } : {}),
                  },
                } as Layer,
                {
                  data: { values: openRows },
                  mark: { type: "text", text: "▲", baseline: "top", dy: 2, fontSize: 13 },
                  encoding: {
                    x: { field: "claimXMid", type: "quantitative" },
                    y: { field: "claimMax", ...y(yTitle) },
                    ...(o.color !== undefined ? { color: color.color } : {}),
                  },
                } as Layer,
              ]),
          {
            data: { values: claimRows },
            mark: { type: "text", angle: 270, align: "left", baseline: "middle", dx: 4, fontSize: 11, fontWeight: "bold" },
            encoding: {
              x: { field: "claimXMid", type: "quantitative" },
              y: { field: "claimMin", ...y(yTitle) },
              text: { field: "claimLabel", type: "nominal" },
              ...(o.color !== undefined ? { color: color.color } : {}),
            },
          },
        ];
  const area: Layer = {
    transform: [validBand],
    mark: { type: "area", opacity: seriesCount > 1 ? 0.15 : 0.25 },
    encoding: { x, y: { field: field(lo), aggregate: "min", ...y(yTitle) }, y2: { field: field(hi), aggregate: "max" }, ...color },
  };
  const layers: Layer[] = [
    ...claimLayers,
    ...(manyX && areaOk ? [area] : []),
    {
      transform: [validBand],
      mark: { type: "errorbar", ticks: { size: 12 }, thickness: 2 },
      encoding: {
        x,
        y: { field: field(lo), ...y(yTitle) },
        y2: { field: field(hi) },
        ...color,
      },
    },
    {
      transform: [valid],
      // one x: points only (a line through one point draws nothing)
      mark: manyX ? { type: "line", point: { size: 60, filled: true }, strokeWidth: 2 } : { type: "point", size: 60, filled: true },
      encoding: {
        x,
        y: { field: field(o.y), aggregate: "mean", ...y(yTitle) },
        ...color,
        tooltip: [
          { field: field(o.x), type: "quantitative", title: xTitle },
          ...(o.color !== undefined ? [{ field: field(o.color), type: "nominal", title: o.colorTitle ?? fieldTitle(o.color) } as const] : []),
          { field: field(o.y), type: "quantitative", aggregate: "mean", title: yTitle, format: fmt },
          { field: field(lo), type: "quantitative", aggregate: "min", title: `${bandTitle}: low`, format: fmt },
          { field: field(hi), type: "quantitative", aggregate: "max", title: `${bandTitle}: high`, format: fmt },
        ],
      },
    },
    ...unavailableLayers(values, { x: o.x, xType: "quantitative", y: o.y, series: o.color, note: o.note, yAt: bottom }),
  ];
  return {
    ...frame(dodge > 0 ? plotted : values, o, { title: `Sensitivity of ${fieldTitle(o.y)} to ${fieldTitle(o.x)}` }),
    layer: layers,
  };
}
