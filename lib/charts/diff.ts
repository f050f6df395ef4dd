import type { TopLevelSpec } from "vega-lite";
import { type ChartData, type ChartOptions, type DataRow, dataValues, frame } from "./spec";
import { OKABE_ITO } from "./style";

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
 * machine on a log scale around 1. A bar on a log scale has no zero to start from: each ratio is a bar drawn from 1
 * (x2), with a point at its end, and a dashed rule marks 1 (the model agrees with the machine). The scale's domain
 * is fixed from the ratios and 1, so it never contains zero.
 */
export function machineModelChart(data: ChartData | readonly MachineModelRow[], o: MachineModelChartOptions = {}): TopLevelSpec {
  const section = o.section ?? "time per exit kind";
  const rows: ChartData = Array.isArray(data) ? (data as readonly MachineModelRow[]).map((r) => ({ ...r })) : (data as ChartData);
  const values = dataValues(rows)
    .filter((r) => r["section"] === section && typeof r["ratio"] === "number" && (r["ratio"] as number) > 0 && Number.isFinite(r["ratio"] as number))
    .map((r): DataRow => ({ ...r, one: 1, side: (r["ratio"] as number) >= 1 ? "model slower than machine" : "model faster than machine" }));
  const ratios = values.map((r) => r["ratio"] as number);
  // a domain a little wider than the ratios and 1 (never 0: the log scale has no zero)
  const lo = Math.min(1, ...ratios) / 1.5;
  const hi = Math.max(1, ...ratios) * 1.5;
  const domain = [lo, hi];
  // the exit-kind labels are long: a vertical title beside them was drawn over them in the browser; it sits level above
  // the labels instead, right-aligned on the axis
  const y = {
    field: "key",
    type: "nominal",
    sort: null,
    title: "exit kind (from the trace)",
    axis: { labelLimit: 320, titleAngle: 0, titleAlign: "right", titleBaseline: "bottom", titleX: 0, titleY: -6 },
  } as const;
  // ticks at 1, 2 and 5 per decade only: the default log ticks crowd together (0.6, 0.7, 0.8 ran into each other)
  const ticks = [-3, -2, -1, 0, 1, 2].flatMap((e) => [1, 2, 5].map((m) => m * 10 ** e)).filter((t) => t >= lo && t <= hi);
  const x = { field: "ratio", type: "quantitative", scale: { type: "log", domain, nice: false }, axis: { values: ticks, format: "~g" }, title: "model / machine (log scale; 1 = agree)" } as const;
  const color = {
    field: "side",
    type: "nominal",
    title: null,
    scale: { domain: ["model slower than machine", "model faster than machine"], range: [OKABE_ITO[3], OKABE_ITO[0]] },
  } as const;
  const tooltip = [
    { field: "key", type: "nominal" },
    { field: "machine", type: "quantitative", format: ",.1f" },
    { field: "model", type: "quantitative", format: ",.1f" },
    { field: "ratio", type: "quantitative", format: ".3f", title: "model / machine" },
  ] as const;
  return {
    ...frame(values, o, { title: `Model / machine: ${section}`, height: Math.max(120, 18 * values.length) }),
    layer: [
      { mark: { type: "bar", height: 6 }, encoding: { y, x, x2: { field: "one" }, color, tooltip: [...tooltip] } },
      { mark: { type: "point", filled: true, size: 60, opacity: 1 }, encoding: { y, x, color, tooltip: [...tooltip] } },
      { mark: { type: "rule", strokeDash: [4, 3] }, encoding: { x: { datum: 1, type: "quantitative" } } },
    ],
  };
}
