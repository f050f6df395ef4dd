import type { TopLevelSpec } from "vega-lite";
import { type ChartData, type ChartOptions, columnsOf, dataValues, field, frame } from "./spec";
import { fieldTitle, OKABE_ITO } from "./style";

export interface SafetyChartOptions extends ChartOptions {
  /** the configuration column (default "config") */
  readonly x?: string;
  /** the policy column (default "policy") */
  readonly y?: string;
  /** violations found (default "violations"); summed over repeated rows (seeds) */
  readonly value?: string;
  /** schedule steps run (default "steps" when present); summed */
  readonly steps?: string;
}

const SAFE = "no violation found";
const UNSAFE = "violations found";

/**
 * FP/SVE integrity at a glance: one cell per policy and configuration, labelled with the violations the oracle found
 * and coloured by whether it found any (Okabe-Ito blue: none; vermillion: some), over all seeds.
 */
export function safetyChart(data: ChartData, o: SafetyChartOptions = {}): TopLevelSpec {
  const values = dataValues(data);
  const x = o.x ?? "config";
  const y = o.y ?? "policy";
  const value = o.value ?? "violations";
  const steps = o.steps ?? (columnsOf(values).includes("steps") ? "steps" : undefined);
  return {
    ...frame(values, o, { title: "FP/SVE state lost? Violations found by the oracle, per policy and configuration", width: 130 * new Set(values.map((r) => String(r[x]))).size, height: 26 * new Set(values.map((r) => String(r[y]))).size }),
    transform: [
      {
        aggregate: [{ op: "sum", field: field(value), as: "found" }, ...(steps !== undefined ? [{ op: "sum", field: field(steps), as: "stepsRun" } as const] : []), { op: "count", as: "seeds" }],
        groupby: [field(x), field(y)],
      },
      { calculate: `datum.found > 0 ? '${UNSAFE}' : '${SAFE}'`, as: "verdict" },
      { calculate: "format(datum.found, ',d')", as: "label" },
    ],
    encoding: {
      x: { field: field(x), type: "nominal", sort: null, title: fieldTitle(x), axis: { labelAngle: 0 } },
      y: { field: field(y), type: "nominal", sort: null, title: fieldTitle(y) },
    },
    layer: [
      {
        mark: { type: "rect", stroke: "#ffffff", strokeWidth: 2 },
        encoding: {
          color: { field: "verdict", type: "nominal", title: "oracle verdict", scale: { domain: [SAFE, UNSAFE], range: [OKABE_ITO[0], OKABE_ITO[3]] } },
          tooltip: [
            { field: field(y), type: "nominal", title: fieldTitle(y) },
            { field: field(x), type: "nominal", title: fieldTitle(x) },
            { field: "found", type: "quantitative", title: "violations", format: ",d" },
            ...(steps !== undefined ? [{ field: "stepsRun", type: "quantitative", title: "steps run", format: ",d" } as const] : []),
            { field: "seeds", type: "quantitative", title: "seeds" },
          ],
        },
      },
      { mark: { type: "text", color: "#ffffff", fontSize: 12, fontWeight: "bold" }, encoding: { text: { field: "label", type: "nominal" } } },
    ],
  };
}
