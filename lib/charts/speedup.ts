import type { TopLevelSpec } from "vega-lite";
import { type ChartData, type ChartOptions, columnsOf, type DataRow, dataValues, field, frame, isMissing, type Layer, unavailableLayers } from "./spec";
import { fieldTitle, isPercentColumn, PERCENT_AXIS, PERCENT_TOOLTIP } from "./style";

export interface SpeedupByDepthOptions extends ChartOptions {
  /** x axis column (default "depth") */
  readonly x?: string;
  /**
   * the value column (default "speedupMean" when the table has it, as from seedSummary, else "speedup"); a reduction
   * (e.g. "wallReduction", "reductionMean") is drawn in percent with a zero line
   */
  readonly y?: string;
  /** one line per value of this column (default "sveVl") */
  readonly color?: string;
  /** half-width of a confidence interval drawn as error bars (default "<y without Mean>Ci95" when present) */
  readonly ci?: string;
  /** axis titles (default: the columns' titles in words) */
  readonly xTitle?: string;
  readonly yTitle?: string;
  readonly colorTitle?: string;
  /** the column saying why a row has no value (e.g. "no progress: livelock"); such rows are marked at their x */
  readonly note?: string;
}

/**
 * The FP-elision patch's effect against nesting depth, one line per series (SVE vector length by default): a speedup
 * (baseline / patched time, "no change" = 1) or a wall-clock reduction in percent ("no change" = 0%), with error
 * bars for a confidence interval when the table has one. Rows without a value (a livelocked depth) are marked, not
 * dropped.
 */
export function speedupByDepthChart(data: ChartData, o: SpeedupByDepthOptions = {}): TopLevelSpec {
  const values = dataValues(data);
  const cols = columnsOf(values);
  const x = o.x ?? "depth";
  const y = o.y ?? (cols.includes("speedupMean") ? "speedupMean" : "speedup");
  // a vector length in bits is drawn as what it is (0: FPSIMD only, no SVE), through a calculated field: the data stay numbers
  const vlLabels = (o.color ?? "sveVl") === "sveVl" && values.some((r) => typeof r["sveVl"] === "number");
  const color = vlLabels ? "vector length" : (o.color ?? "sveVl");
  const ciGuess = `${y.replace(/Mean$/, "")}Ci95`;
  const ci = o.ci ?? (cols.includes(ciGuess) ? ciGuess : undefined);
  const percent = isPercentColumn(y);
  const note = o.note ?? (cols.includes("note") ? "note" : undefined);
  const xEnc = { field: field(x), type: "ordinal", title: o.xTitle ?? fieldTitle(x), axis: { labelAngle: 0 } } as const;
  const colorTitle = o.colorTitle ?? (vlLabels ? "vector length" : fieldTitle(color));
  const colorEnc = { field: field(color), type: "nominal", title: colorTitle, sort: null } as const;
  const yTitle = o.yTitle ?? fieldTitle(y);
  const tooltip = [
    { field: field(x), type: "ordinal", title: o.xTitle ?? fieldTitle(x) },
    { field: field(color), type: "nominal", title: colorTitle },
    { field: field(y), type: "quantitative", title: yTitle, ...(percent ? { format: PERCENT_TOOLTIP } : { format: ".4f" }) },
    ...(ci !== undefined ? [{ field: field(ci), type: "quantitative", title: "95% CI half-width", ...(percent ? { format: PERCENT_TOOLTIP } : { format: ".4f" }) } as const] : []),
  ] as const;
  const present = values.filter((r) => !isMissing(r[y]));
  const ys = present.map((r) => Number(r[y]));
  const bottom = ys.length > 0 ? Math.min(percent ? 0 : 1, ...ys) : percent ? 0 : 1;
  const errorbar = (c: string): Layer => ({
    transform: [{ filter: `isValid(datum[${JSON.stringify(y)}])` }],
    mark: { type: "errorbar", ticks: { size: 10 } },
    encoding: { x: xEnc, y: { field: field(y), type: "quantitative", title: yTitle }, yError: { field: field(c) }, color: colorEnc },
  });
  const layers: Layer[] = [
    { mark: { type: "rule", strokeDash: [4, 4], color: "#888" }, encoding: { y: { datum: percent ? 0 : 1 } } },
    {
      transform: [{ filter: `isValid(datum[${JSON.stringify(y)}])` }],
      mark: { type: "line", point: { size: 50 }, strokeWidth: 2 },
      encoding: {
        x: xEnc,
        y: {
          field: field(y),
          type: "quantitative",
          title: yTitle,
          scale: { zero: percent },
          ...(percent ? { axis: { format: PERCENT_AXIS } } : {}),
        },
        color: colorEnc,
        tooltip: [...tooltip],
      },
    },
    ...(ci === undefined ? [] : [errorbar(ci)]),
    ...unavailableLayers(values, {
      x,
      xType: "ordinal",
      y,
      series: vlLabels ? "sveVl" : color,
      note,
      yAt: bottom,
      ...(vlLabels ? { seriesLabel: (v: DataRow[string]) => (v === 0 ? "FPSIMD only" : `SVE ${String(v)} bits`) } : {}),
    }),
  ];
  return {
    ...frame(values, o, { title: percent ? "Wall-clock time saved by the FP-elision patch, by nesting depth" : "FP-elision speedup vs nesting depth" }),
    ...(vlLabels ? { transform: [{ calculate: `datum.sveVl === 0 ? 'FPSIMD only' : 'SVE ' + datum.sveVl + ' bits'`, as: color }] } : {}),
    layer: layers,
  };
}
