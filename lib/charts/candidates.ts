import type { TopLevelSpec } from "vega-lite";
import { type ChartData, type ChartOptions, dataValues, field, frame } from "./spec";
import { fieldTitle, PERCENT_AXIS, PERCENT_TOOLTIP } from "./style";

export interface CandidatesChartOptions extends ChartOptions {
  /** the bar's label (default "component") */
  readonly y?: string;
  /** the value, a share of wall-clock time (default "wallSaving") */
  readonly x?: string;
  /** bar colour (default "kind": put/load component or per-exit trap group) */
  readonly color?: string;
}

/**
 * The candidates ranking (lib/changes/candidates.ts): one horizontal bar per candidate, largest saving first, coloured
 * by kind. The values are upper bounds, which the default subtitle says.
 */
export function candidatesChart(data: ChartData, o: CandidatesChartOptions = {}): TopLevelSpec {
  const values = dataValues(data);
  const y = o.y ?? "component";
  const x = o.x ?? "wallSaving";
  const color = o.color ?? "kind";
  // one label per bar: a component can be both a put/load component and a trap group
  const labelled = values.map((r) => ({ ...r, label: `${String(r[y])} (${String(r[color])})` }));
  return {
    ...frame(labelled, o, {
      title: "What eliding each part of the nested transitions' work would save",
      subtitle: "upper bounds: a correct elision keeps what its argument needs",
      height: Math.max(160, 18 * labelled.length),
    }),
    mark: "bar",
    encoding: {
      y: { field: "label", type: "nominal", sort: { field: field(x), order: "descending" }, title: fieldTitle(y) },
      x: { field: field(x), type: "quantitative", title: fieldTitle(x), axis: { format: PERCENT_AXIS } },
      color: { field: field(color), type: "nominal", title: fieldTitle(color) },
      tooltip: [
        { field: "label", type: "nominal", title: fieldTitle(y) },
        { field: field(x), type: "quantitative", title: fieldTitle(x), format: PERCENT_TOOLTIP },
      ],
    },
  } as TopLevelSpec;
}
