import type { TopLevelSpec } from "vega-lite";
import { type ChartData, type ChartOptions, columnsOf, dataValues, field, frame } from "./spec";
import { fieldTitle, isPercentColumn, PERCENT_AXIS, PERCENT_TEXT, PERCENT_TOOLTIP, SEQUENTIAL_SCHEME } from "./style";

export interface SpeedupHeatmapOptions extends ChartOptions {
  readonly x?: string;
  readonly y?: string;
  /**
   * cell value (default "speedupMean" when present, else "speedup"); repeated cells (seeds) are averaged; a reduction
   * column (e.g. "wallReduction") is shown in percent
   */
  readonly value?: string;
  readonly valueTitle?: string;
}

/** The patch's effect over depth x I/O exit rate: one cell per grid point, coloured (viridis) and labelled with its mean. */
export function speedupHeatmap(data: ChartData, o: SpeedupHeatmapOptions = {}): TopLevelSpec {
  const values = dataValues(data);
  const x = o.x ?? "depth";
  const y = o.y ?? "ioRate";
  const value = o.value ?? (columnsOf(values).includes("speedupMean") ? "speedupMean" : "speedup");
  const percent = isPercentColumn(value);
  const title = o.valueTitle ?? fieldTitle(value);
  const vs = values.map((r) => r[value]).filter((v): v is number => typeof v === "number");
  // viridis runs from dark (low) to light (high): white labels on the darker half
  const middle = vs.length > 0 ? (Math.min(...vs) + Math.max(...vs)) / 2 : 0;
  return {
    ...frame(values, o, { title: percent ? "Wall-clock time saved by depth and I/O rate" : "FP-elision speedup by depth and I/O rate", width: 300, height: 240 }),
    transform: [{ aggregate: [{ op: "mean", field: field(value), as: "cellValue" }], groupby: [field(x), field(y)] }],
    encoding: {
      x: { field: field(x), type: "ordinal", title: fieldTitle(x), axis: { labelAngle: 0 } },
      y: { field: field(y), type: "ordinal", sort: "descending", title: fieldTitle(y), axis: { format: ",d" } },
    },
    layer: [
      {
        mark: "rect",
        encoding: {
          color: {
            field: "cellValue",
            type: "quantitative",
            title,
            scale: { scheme: SEQUENTIAL_SCHEME },
            ...(percent ? { legend: { format: PERCENT_AXIS } } : {}),
          },
          tooltip: [
            { field: field(x), type: "ordinal", title: fieldTitle(x) },
            { field: field(y), type: "ordinal", title: fieldTitle(y) },
            { field: "cellValue", type: "quantitative", title, format: percent ? PERCENT_TOOLTIP : ".4f" },
          ],
        },
      },
      {
        mark: { type: "text", fontSize: 11 },
        encoding: {
          text: { field: "cellValue", type: "quantitative", format: percent ? PERCENT_TEXT : ".3f" },
          color: { condition: { test: `datum.cellValue < ${middle}`, value: "white" }, value: "black" },
        },
      },
    ],
  };
}
