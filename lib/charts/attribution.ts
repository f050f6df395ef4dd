import type { TopLevelSpec } from "vega-lite";
import { MECHANISMS, type Mechanism } from "../engine/layout";
import { type ChartData, type ChartOptions, dataValues, field, frame } from "./spec";
import { fieldTitle } from "./style";

export interface AttributionChartOptions extends ChartOptions {
  /** stacked quantity (default "cycles"; "saved" for compare's attribution.byLevelMechanism) */
  readonly value?: string;
  readonly valueTitle?: string;
  /** optional column to draw side by side (e.g. "config": baseline / patched) */
  readonly column?: string;
}

/** The attribution's mechanisms in words (docs/counters.md "Attribution by mechanism"). */
export const MECHANISM_TITLES: Readonly<Record<Mechanism, string>> = {
  guest: "leaf guest's own work",
  exception: "exception entry and ERET at L0",
  exit: "exit and entry paths",
  handler: "handlers",
  putload: "vcpu put/load (nested transitions)",
  fp: "FP/SVE save, restore, trap",
};

/**
 * Where the cycles go: one bar per level (L0 = host, ..., Ld = the leaf), stacked by mechanism (guest work,
 * exception entry/return, exits, handlers, put/load, FP/SVE). Rows as from attributionTable or RunResult.attribution.
 */
export function attributionChart(data: ChartData, o: AttributionChartOptions = {}): TopLevelSpec {
  const value = o.value ?? "cycles";
  const valueTitle = o.valueTitle ?? (value === "cycles" ? "cycles spent" : fieldTitle(value));
  const order = MECHANISMS.map((m, i) => `datum.mechanism === '${m}' ? ${i} : `).join("") + `${MECHANISMS.length}`;
  const label = MECHANISMS.map((m) => `datum.mechanism === '${m}' ? ${JSON.stringify(MECHANISM_TITLES[m])} : `).join("") + "datum.mechanism";
  const titles = MECHANISMS.map((m) => MECHANISM_TITLES[m]);
  return {
    ...frame(dataValues(data), o, { title: "Cycle attribution by level and mechanism", width: 240 }),
    transform: [
      { calculate: "'L' + datum.level", as: "levelName" },
      { calculate: order, as: "mechanismOrder" },
      { calculate: label, as: "mechanismTitle" },
    ],
    mark: "bar",
    encoding: {
      x: { field: "levelName", type: "ordinal", title: o.column !== undefined ? "level (L0 = host)" : "level whose software ran (L0 = host)", axis: { labelAngle: 0 } },
      y: { field: field(value), type: "quantitative", aggregate: "sum", stack: "zero", title: valueTitle, axis: { format: "~s" } },
      color: { field: "mechanismTitle", type: "nominal", title: "mechanism", sort: titles, scale: { domain: titles } },
      order: { field: "mechanismOrder", type: "quantitative" },
      tooltip: [
        { field: "levelName", type: "ordinal", title: "level" },
        { field: "mechanismTitle", type: "nominal", title: "mechanism" },
        { field: field(value), type: "quantitative", aggregate: "sum", title: valueTitle, format: ",d" },
        ...(o.column !== undefined ? [{ field: field(o.column), type: "nominal", title: fieldTitle(o.column) } as const] : []),
      ],
      ...(o.column !== undefined ? { column: { field: field(o.column), type: "nominal", title: fieldTitle(o.column) } } : {}),
    },
  };
}
