import type { TopLevelSpec } from "vega-lite";
import { type ChartData, type ChartOptions, columnsOf, dataValues, field, frame } from "./spec";

export interface AdoptionChartOptions extends ChartOptions {
  /** adoption column: which levels carry the patch, e.g. "0", "0+1", "all" (default "patch") */
  readonly x?: string;
  readonly y?: string;
  /** bars side by side per value of this column (default "depth") */
  readonly group?: string;
}

/**
 * Per-level adoption what-if: the speedup when only some levels' KVM carries the FP-elision patch, one bar per
 * adoption set, grouped by depth. Adoption sets keep the order of the data (e.g. none-less speedupTable rows).
 */
export function adoptionChart(data: ChartData, o: AdoptionChartOptions = {}): TopLevelSpec {
  const values = dataValues(data);
  const x = o.x ?? "patch";
  const y = o.y ?? (columnsOf(values).includes("speedupMean") ? "speedupMean" : "speedup");
  const group = o.group ?? "depth";
  return {
    ...frame(values, o, { title: "Speedup by which levels adopt the patch" }),
    layer: [
      {
        mark: "bar",
        encoding: {
          x: { field: field(x), type: "nominal", sort: null, title: "levels with the patch", axis: { labelAngle: 0 } },
          xOffset: { field: field(group), type: "ordinal" },
          y: { field: field(y), type: "quantitative", aggregate: "mean", title: "speedup", scale: { zero: false } },
          color: { field: field(group), type: "ordinal", title: group },
        },
      },
      { mark: { type: "rule", strokeDash: [4, 4], color: "#888" }, encoding: { y: { datum: 1 } } },
    ],
  };
}
