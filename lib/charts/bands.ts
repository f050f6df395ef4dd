import { type ChartData, type ChartOptions, dataValues, field, frame, type Json, type VegaLiteSpec } from "./spec";

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
export function sensitivityBandChart(data: ChartData, o: SensitivityBandOptions): VegaLiteSpec {
  const xEnc: Json = { field: field(o.x), type: "quantitative", title: o.x, scale: o.logX ? { type: "log" } : { zero: false } };
  const colorEnc: Json | undefined = o.color === undefined ? undefined : { field: field(o.color), type: "nominal", title: o.color };
  const withColor = (enc: { [k: string]: Json }): { [k: string]: Json } => (colorEnc === undefined ? enc : { ...enc, color: colorEnc });
  const band =
    o.min !== undefined && o.max !== undefined
      ? { y: { field: field(o.min), type: "quantitative", aggregate: "min", title: o.y }, y2: { field: field(o.max), aggregate: "max" } }
      : { y: { field: field(o.y), type: "quantitative", aggregate: "min", title: o.y }, y2: { field: field(o.y), aggregate: "max" } };
  return {
    ...frame(dataValues(data), o, { title: `Sensitivity of ${o.y} to ${o.x}` }),
    layer: [
      { mark: { type: "area", opacity: 0.25 }, encoding: withColor({ x: xEnc, ...band }) },
      {
        mark: { type: "line", point: true },
        encoding: withColor({ x: xEnc, y: { field: field(o.y), type: "quantitative", aggregate: "mean", title: o.y, scale: { zero: false } } }),
      },
    ],
  };
}
