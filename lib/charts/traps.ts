import type { TopLevelSpec } from "vega-lite";
import { type ChartData, type ChartOptions, dataValues, field, frame } from "./spec";

export interface TrapsPerExitOptions extends ChartOptions {
  readonly x?: string;
  /** boolean column split into "NV2 on" / "NV2 off" lines (default "nv2") */
  readonly nv2?: string;
  /** optional column drawn as dash patterns (e.g. "patch") */
  readonly dash?: string;
}

/**
 * Trap amplification: L0 traps per leaf exit (l0Traps / leafExits, seeds averaged) against depth on a log scale,
 * NV2 on and off. Rows without leaf exits are left out (the ratio is undefined there).
 */
export function trapsPerExitChart(data: ChartData, o: TrapsPerExitOptions = {}): TopLevelSpec {
  const x = o.x ?? "depth";
  const nv2 = o.nv2 ?? "nv2";
  const ref = (c: string): string => `datum[${JSON.stringify(c)}]`;
  return {
    ...frame(dataValues(data), o, { title: "Trap amplification: L0 traps per leaf exit" }),
    transform: [
      { filter: `isValid(${ref("leafExits")}) && ${ref("leafExits")} > 0 && ${ref("l0Traps")} > 0` },
      { calculate: `${ref("l0Traps")} / ${ref("leafExits")}`, as: "trapsPerExit" },
      { calculate: `${ref(nv2)} === true || ${ref(nv2)} === 'on' ? 'NV2 on' : 'NV2 off'`, as: "nv2Label" },
    ],
    mark: { type: "line", point: true },
    encoding: {
      x: { field: field(x), type: "ordinal", title: x === "depth" ? "depth (leaf level)" : x, axis: { labelAngle: 0 } },
      y: { field: "trapsPerExit", type: "quantitative", aggregate: "mean", title: "L0 traps per leaf exit", scale: { type: "log" } },
      color: { field: "nv2Label", type: "nominal", title: "NV2" },
      ...(o.dash !== undefined ? { strokeDash: { field: field(o.dash), type: "nominal", title: o.dash } } : {}),
    },
  };
}
