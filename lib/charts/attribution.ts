import type { TopLevelSpec } from "vega-lite";
import { MECHANISMS } from "../engine/layout";
import { type ChartData, type ChartOptions, dataValues, field, frame } from "./spec";

export interface AttributionChartOptions extends ChartOptions {
  /** stacked quantity (default "cycles"; "saved" for compare's attribution.byLevelMechanism) */
  readonly value?: string;
  /** optional column to draw side by side (e.g. "config": baseline / patched) */
  readonly column?: string;
}

/**
 * Where the cycles go: one bar per level (L0 = host, ..., Ld = the leaf), stacked by mechanism (guest work,
 * exception entry/return, exits, handlers, put/load, FP/SVE). Rows as from attributionTable or RunResult.attribution.
 */
export function attributionChart(data: ChartData, o: AttributionChartOptions = {}): TopLevelSpec {
  const value = o.value ?? "cycles";
  const order = MECHANISMS.map((m, i) => `datum.mechanism === '${m}' ? ${i} : `).join("") + `${MECHANISMS.length}`;
  return {
    ...frame(dataValues(data), o, { title: "Cycle attribution by level and mechanism", width: 240 }),
    transform: [
      { calculate: "'L' + datum.level", as: "levelName" },
      { calculate: order, as: "mechanismOrder" },
    ],
    mark: "bar",
    encoding: {
      x: { field: "levelName", type: "ordinal", title: "level whose software ran", axis: { labelAngle: 0 } },
      y: { field: field(value), type: "quantitative", aggregate: "sum", stack: "zero", title: value },
      color: { field: "mechanism", type: "nominal", title: "mechanism", sort: [...MECHANISMS], scale: { domain: [...MECHANISMS] } },
      order: { field: "mechanismOrder", type: "quantitative" },
      ...(o.column !== undefined ? { column: { field: field(o.column), type: "nominal", title: o.column } } : {}),
    },
  };
}
