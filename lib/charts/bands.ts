import type { TopLevelSpec } from "vega-lite";
import { type ChartData, type ChartOptions, dataValues, field, frame } from "./spec";

export interface SensitivityBandOptions extends ChartOptions {
  /** the varied parameter, e.g. "costScale.vmmMmio" */
  readonly x: string;
  /** the outcome, e.g. "speedup"; the line is its mean at each x */
  readonly y: string;
  /** one band and line per value of this column */
  readonly color?: string;
  /** precomputed band edges; without them the band spans the min and max of y at each x (e.g. over seeds) */
  readonly min?: string;
  readonly max?: string;
  /** log scale on x (for scale factors) */
  readonly logX?: boolean;
}

/** Sensitivity: a line (mean) inside a min/max band, against a varied parameter. */
export function sensitivityBandChart(data: ChartData, o: SensitivityBandOptions): TopLevelSpec {
  const x = { field: field(o.x), type: "quantitative", title: o.x, scale: o.logX ? ({ type: "log" } as const) : { zero: false } } as const;
  const color = o.color === undefined ? {} : ({ color: { field: field(o.color), type: "nominal", title: o.color } } as const);
  const [lo, hi] = o.min !== undefined && o.max !== undefined ? [o.min, o.max] : [o.y, o.y];
  return {
    ...frame(dataValues(data), o, { title: `Sensitivity of ${o.y} to ${o.x}` }),
    layer: [
      {
        mark: { type: "area", opacity: 0.25 },
        encoding: { x, y: { field: field(lo), type: "quantitative", aggregate: "min", title: o.y }, y2: { field: field(hi), aggregate: "max" }, ...color },
      },
      {
        mark: { type: "line", point: true },
        encoding: { x, y: { field: field(o.y), type: "quantitative", aggregate: "mean", title: o.y, scale: { zero: false } }, ...color },
      },
    ],
  };
}
