import type { TopLevelSpec } from "vega-lite";
import { type ChartData, type ChartOptions, columnsOf, dataValues, field, frame } from "./spec";

export interface SpeedupByDepthOptions extends ChartOptions {
  /** x axis column (default "depth") */
  readonly x?: string;
  /** speedup column (default "speedupMean" when the table has it, as from seedSummary, else "speedup") */
  readonly y?: string;
  /** one line per value of this column (default "sveVl") */
  readonly color?: string;
  /** half-width of a confidence interval drawn as error bars (default "<y without Mean>Ci95" when present) */
  readonly ci?: string;
}

/** Baseline/patched speedup against nesting depth, one line per SVE vector length; a rule marks "no change" (1). */
export function speedupByDepthChart(data: ChartData, o: SpeedupByDepthOptions = {}): TopLevelSpec {
  const values = dataValues(data);
  const cols = columnsOf(values);
  const x = o.x ?? "depth";
  const y = o.y ?? (cols.includes("speedupMean") ? "speedupMean" : "speedup");
  const color = o.color ?? "sveVl";
  const ciGuess = `${y.replace(/Mean$/, "")}Ci95`;
  const ci = o.ci ?? (cols.includes(ciGuess) ? ciGuess : undefined);
  const xEnc = { field: field(x), type: "ordinal", title: x === "depth" ? "depth (leaf level)" : x, axis: { labelAngle: 0 } } as const;
  const colorEnc = { field: field(color), type: "ordinal", title: color === "sveVl" ? "SVE VL (bits)" : color } as const;
  return {
    ...frame(values, o, { title: "FP-elision speedup vs nesting depth" }),
    layer: [
      { mark: { type: "rule", strokeDash: [4, 4], color: "#888" }, encoding: { y: { datum: 1 } } },
      {
        mark: { type: "line", point: true },
        encoding: {
          x: xEnc,
          y: { field: field(y), type: "quantitative", aggregate: "mean", title: "speedup (baseline / patched cycles)", scale: { zero: false } },
          color: colorEnc,
        },
      },
      ...(ci === undefined
        ? []
        : [
            {
              mark: { type: "errorbar", ticks: true },
              encoding: { x: xEnc, y: { field: field(y), type: "quantitative" }, yError: { field: field(ci) }, color: colorEnc },
            } as const,
          ]),
    ],
  };
}
