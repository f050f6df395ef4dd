import type { TopLevelSpec } from "vega-lite";
import { type ChartData, type ChartOptions, columnsOf, dataValues, field, frame } from "./spec";
import { fieldTitle, isPercentColumn, PERCENT_AXIS, PERCENT_TOOLTIP } from "./style";

export interface AdoptionChartOptions extends ChartOptions {
  /** adoption column: which levels carry the patch, e.g. "0", "0+1", "all" (default "patch") */
  readonly x?: string;
  /** the value (default "speedupMean" / "speedup"; a reduction such as "wallReduction" is drawn in percent) */
  readonly y?: string;
  /** half-width of a confidence interval drawn as error bars (default "<y without Mean>Ci95" when present) */
  readonly ci?: string;
  /** bars side by side per value of this column (default "depth") */
  readonly group?: string;
}

/**
 * Per-level adoption what-if: the patch's effect when only some levels' KVM carries it, one bar per adoption set,
 * grouped by depth. Adoption sets keep the order of the data (e.g. none-less speedupTable rows).
 */
export function adoptionChart(data: ChartData, o: AdoptionChartOptions = {}): TopLevelSpec {
  const values = dataValues(data);
  const cols = columnsOf(values);
  const x = o.x ?? "patch";
  const y = o.y ?? (cols.includes("speedupMean") ? "speedupMean" : "speedup");
  const ciGuess = `${y.replace(/Mean$/, "")}Ci95`;
  const ci = o.ci ?? (cols.includes(ciGuess) ? ciGuess : undefined);
  const group = o.group ?? "depth";
  const percent = isPercentColumn(y);
  const fmt = percent ? PERCENT_TOOLTIP : ".4f";
  // room for every bar, and labels that cannot meet: long adoption sets ("L0+L1+L2+L3") are drawn at an angle
  const sets = [...new Set(values.map((r) => String(r[x])))];
  const groups = new Set(values.map((r) => String(r[group]))).size;
  const longest = Math.max(0, ...sets.map((l) => l.length));
  const width = o.width ?? Math.max(360, sets.length * Math.max(groups * 26, longest * 8 + 12));
  const angled = sets.length * (longest * 7 + 8) > width;
  const xEnc = { field: field(x), type: "nominal", sort: null, title: fieldTitle(x), axis: angled ? ({ labelAngle: -35, labelAlign: "right", labelBaseline: "middle" } as const) : ({ labelAngle: 0 } as const) } as const;
  const offset = { field: field(group), type: "nominal", sort: null } as const;
  return {
    ...frame(values, { ...o, width }, { title: percent ? "Wall-clock time saved by which levels adopt the patch" : "Speedup by which levels adopt the patch" }),
    layer: [
      {
        mark: "bar",
        encoding: {
          x: xEnc,
          xOffset: offset,
          y: { field: field(y), type: "quantitative", aggregate: "mean", title: fieldTitle(y), scale: { zero: percent }, ...(percent ? { axis: { format: PERCENT_AXIS } } : {}) },
          color: { field: field(group), type: "nominal", title: fieldTitle(group), sort: null },
          tooltip: [
            { field: field(x), type: "nominal", title: fieldTitle(x) },
            { field: field(group), type: "nominal", title: fieldTitle(group) },
            { field: field(y), type: "quantitative", aggregate: "mean", title: fieldTitle(y), format: fmt },
            ...(ci !== undefined ? [{ field: field(ci), type: "quantitative", aggregate: "mean", title: "95% CI half-width", format: fmt } as const] : []),
          ],
        },
      },
      ...(ci === undefined
        ? []
        : [
            {
              mark: { type: "errorbar", ticks: { size: 10 }, color: "#000000" },
              encoding: { x: xEnc, xOffset: offset, y: { field: field(y), type: "quantitative", title: fieldTitle(y) }, yError: { field: field(ci) } },
            } as const,
          ]),
      { mark: { type: "rule", strokeDash: [4, 4], color: "#888" }, encoding: { y: { datum: percent ? 0 : 1 } } },
    ],
  };
}
