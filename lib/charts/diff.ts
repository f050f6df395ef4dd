import type { TopLevelSpec } from "vega-lite";
import { type ChartData, type ChartOptions, dataValues, frame } from "./spec";

export interface MachineModelChartOptions extends ChartOptions {
  /** only rows of this section (DiffRow.section); default "time per exit kind" */
  readonly section?: string;
}

/** one row of a machine-vs-model comparison (lib/real/diff.ts DiffRow) */
export interface MachineModelRow {
  readonly section: string;
  readonly key: string;
  readonly unit: string;
  readonly machine: number | null;
  readonly model: number | null;
  readonly ratio: number | null;
}

/**
 * Machine vs model (the rows of diffTrace / `nestlab diff --json`): for each key of one section, the ratio model /
 * machine as a horizontal bar on a log scale around 1 (a rule marks 1: the model agrees with the machine).
 */
export function machineModelChart(data: ChartData | readonly MachineModelRow[], o: MachineModelChartOptions = {}): TopLevelSpec {
  const section = o.section ?? "time per exit kind";
  const rows: ChartData = Array.isArray(data) ? (data as readonly MachineModelRow[]).map((r) => ({ ...r })) : (data as ChartData);
  const values = dataValues(rows).filter((r) => r["section"] === section && typeof r["ratio"] === "number" && (r["ratio"] as number) > 0);
  return {
    ...frame(values, o, { title: `Model / machine: ${section}`, height: Math.max(120, 18 * values.length) }),
    layer: [
      {
        mark: { type: "bar" },
        encoding: {
          y: { field: "key", type: "nominal", sort: null, title: null },
          x: { field: "ratio", type: "quantitative", scale: { type: "log" }, title: "model / machine" },
          color: { condition: { test: "datum.ratio >= 1", value: "#d62728" }, value: "#1f77b4" },
          tooltip: [
            { field: "key", type: "nominal" },
            { field: "machine", type: "quantitative", format: ",.1f" },
            { field: "model", type: "quantitative", format: ",.1f" },
            { field: "ratio", type: "quantitative", format: ".3f" },
          ],
        },
      },
      { mark: { type: "rule", strokeDash: [4, 3] }, encoding: { x: { datum: 1, type: "quantitative" } } },
    ],
  };
}
