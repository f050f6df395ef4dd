import type { TopLevelSpec } from "vega-lite";
import { type ChartData, type ChartOptions, columnsOf, dataValues, field, frame } from "./spec";

export interface SpeedupHeatmapOptions extends ChartOptions {
  readonly x?: string;
  readonly y?: string;
  /** cell value (default "speedupMean" when present, else "speedup"); repeated cells (seeds) are averaged */
  readonly value?: string;
}

/** Speedup over depth x I/O exit rate: one cell per grid point, coloured and labelled with its mean. */
export function speedupHeatmap(data: ChartData, o: SpeedupHeatmapOptions = {}): TopLevelSpec {
  const values = dataValues(data);
  const x = o.x ?? "depth";
  const y = o.y ?? "ioRate";
  const value = o.value ?? (columnsOf(values).includes("speedupMean") ? "speedupMean" : "speedup");
  return {
    ...frame(values, o, { title: "FP-elision speedup by depth and I/O rate", width: 300, height: 240 }),
    encoding: {
      x: { field: field(x), type: "ordinal", title: x === "depth" ? "depth (leaf level)" : x, axis: { labelAngle: 0 } },
      y: { field: field(y), type: "ordinal", sort: "descending", title: y === "ioRate" ? "I/O exits per second" : y },
    },
    layer: [
      {
        mark: "rect",
        encoding: { color: { field: field(value), type: "quantitative", aggregate: "mean", title: "speedup", scale: { scheme: "blues" } } },
      },
      {
        mark: { type: "text", fontSize: 10 },
        encoding: { text: { field: field(value), type: "quantitative", aggregate: "mean", format: ".3f" } },
      },
    ],
  };
}
