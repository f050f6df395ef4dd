import type { TopLevelSpec } from "vega-lite";
import { type ChartData, type ChartOptions, columnsOf, dataValues, field, frame, unavailableLayers } from "./spec";
import { fieldTitle } from "./style";

export interface TrapsPerExitOptions extends ChartOptions {
  readonly x?: string;
  /** boolean column split into "NV2 on" / "NV2 off" lines (default "nv2") */
  readonly nv2?: string;
  /** optional column drawn as dash patterns (e.g. "patch", "op") */
  readonly dash?: string;
  /**
   * the plotted quantity: a column already holding L0 traps per leaf operation (e.g. a micro benchmark's per-iteration
   * `l0Traps`), or by default l0Traps / leafExits
   */
  readonly y?: string;
  readonly yTitle?: string;
}

/**
 * Trap amplification: L0 traps per leaf operation against depth on a log scale, NV2 on and off. With `y` the column
 * is plotted as it is (a micro benchmark's L0 traps per iteration = per leaf operation); without it, l0Traps /
 * leafExits (seeds averaged). Rows without a value are marked at their depth, not dropped.
 */
export function trapsPerExitChart(data: ChartData, o: TrapsPerExitOptions = {}): TopLevelSpec {
  const x = o.x ?? "depth";
  const nv2 = o.nv2 ?? "nv2";
  const values = dataValues(data);
  const ref = (c: string): string => `datum[${JSON.stringify(c)}]`;
  const y = o.y ?? "trapsPerExit";
  const rows =
    o.y !== undefined
      ? values
      : values.map((r) => {
          const traps = Number(r.l0Traps);
          const exits = Number(r.leafExits);
          return { ...r, trapsPerExit: exits > 0 && traps > 0 ? traps / exits : null };
        });
  const yTitle = o.yTitle ?? (o.y !== undefined ? fieldTitle(o.y) : "L0 traps per leaf exit");
  const nv2Label = `${ref(nv2)} === true || ${ref(nv2)} === 'on' ? 'NV2 on' : 'NV2 off'`;
  const note = columnsOf(rows).includes("note") ? "note" : undefined;
  const xEnc = { field: field(x), type: "ordinal", title: fieldTitle(x), axis: { labelAngle: 0 } } as const;
  return {
    ...frame(rows, o, { title: "Trap amplification: L0 traps per leaf exit" }),
    layer: [
      {
        transform: [{ filter: `isValid(${ref(y)}) && ${ref(y)} > 0` }, { calculate: nv2Label, as: "nv2Label" }],
        mark: { type: "line", point: { size: 50 }, strokeWidth: 2 },
        encoding: {
          x: xEnc,
          y: { field: field(y), type: "quantitative", aggregate: "mean", title: yTitle, scale: { type: "log" }, axis: { format: "~s" } },
          color: { field: "nv2Label", type: "nominal", title: "FEAT_NV2", sort: ["NV2 on", "NV2 off"] },
          ...(o.dash !== undefined
            ? {
                strokeDash: { field: field(o.dash), type: "nominal", legend: null },
                shape: { field: field(o.dash), type: "nominal", title: fieldTitle(o.dash) },
              }
            : {}),
          tooltip: [
            { field: field(x), type: "ordinal", title: fieldTitle(x) },
            { field: "nv2Label", type: "nominal", title: "FEAT_NV2" },
            ...(o.dash !== undefined ? [{ field: field(o.dash), type: "nominal", title: fieldTitle(o.dash) } as const] : []),
            { field: field(y), type: "quantitative", aggregate: "mean", title: yTitle, format: ",.0f" },
          ],
        },
      },
      ...unavailableLayers(rows, { x, xType: "ordinal", y, series: nv2, note, yAt: 1, seriesLabel: (v) => (v === true || v === "on" ? "NV2 on" : "NV2 off") }),
    ],
  };
}
