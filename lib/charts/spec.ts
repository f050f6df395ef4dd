/**
 * What every chart builder shares: turning tables into inline data, field references and the frame of a spec.
 * Builders are pure: rows in, a vega-lite `TopLevelSpec` out (JSON-serializable, data inline), no I/O and no rendering.
 */

import type { TopLevelSpec } from "vega-lite";
import { type ChartConfig, chartConfig, fieldTitle } from "./style";

export const VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";

/** One layer of a layered spec, as vega-lite types it. */
export type Layer = Extract<TopLevelSpec, { layer: unknown }>["layer"][number];

/** A cell as tables hold it (sweep rows, arquero objects, compare results); bigint becomes a number in the spec. */
export type ChartCell = number | bigint | string | boolean | null | undefined;
export type ChartRow = { readonly [column: string]: ChartCell };

/** Rows, or anything with arquero's `objects()` (an arquero table). */
export type ChartData = readonly ChartRow[] | { objects(): object[] };

/** A row of a spec's inline data: JSON cells (no bigint, NaN, Infinity or undefined). */
export type DataRow = { [column: string]: number | string | boolean | null };

export interface ChartOptions {
  readonly title?: string;
  /** a second title line (e.g. what was held fixed) */
  readonly subtitle?: string;
  readonly width?: number;
  readonly height?: number;
}

function cell(v: ChartCell): DataRow[string] {
  if (v === undefined || v === null) return null;
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  return v;
}

/** Inline data values: bigint -> number, NaN/Infinity/undefined -> null (JSON has neither). */
export function dataValues(data: ChartData): DataRow[] {
  const rows = (Array.isArray(data) ? data : (data as { objects(): object[] }).objects()) as readonly ChartRow[];
  return rows.map((r) => {
    const o: DataRow = {};
    for (const k of Object.keys(r)) o[k] = cell(r[k]);
    return o;
  });
}

/** The column names of the first row (for defaults that depend on what a table carries). */
export function columnsOf(values: readonly DataRow[]): string[] {
  const first = values[0];
  return first !== undefined ? Object.keys(first) : [];
}

/** A field reference: sweep columns such as `costScale.vmmMmio` contain dots, which Vega-Lite reads as nesting. */
export const field = (name: string): string => name.replace(/\./g, "\\.");

/** The top-level properties every builder's spec starts with. */
export interface Frame {
  readonly $schema: string;
  readonly title: string | { readonly text: string; readonly subtitle: string };
  readonly width: number;
  readonly height: number;
  readonly data: { readonly values: DataRow[] };
  readonly config: ChartConfig;
}

/** The frame every builder starts from. */
export function frame(values: readonly DataRow[], o: ChartOptions, defaults: { title: string; subtitle?: string; width?: number; height?: number }): Frame {
  const text = o.title ?? defaults.title;
  const subtitle = o.subtitle ?? defaults.subtitle;
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: subtitle ? { text, subtitle } : text,
    width: o.width ?? defaults.width ?? 360,
    height: o.height ?? defaults.height ?? 240,
    data: { values: [...values] },
    config: chartConfig(),
  };
}

/** The title text of a spec (a string or a title object), for captions. */
export function titleText(spec: { readonly title?: unknown }): string {
  const t = spec.title;
  if (typeof t === "string") return t;
  if (t !== null && typeof t === "object" && typeof (t as { text?: unknown }).text === "string") return (t as { text: string }).text;
  return "chart";
}

/** A missing value: null, undefined or a non-finite number. */
export const isMissing = (v: unknown): boolean => v === null || v === undefined || (typeof v === "number" && !Number.isFinite(v));

export interface UnavailableOptions {
  /** the x column and how it is encoded */
  readonly x: string;
  readonly xType: "ordinal" | "quantitative";
  /** the value column: rows where it is missing are the unavailable points */
  readonly y: string;
  /** the series column (its values are named in the label) */
  readonly series?: string;
  /** the column saying why (e.g. "no progress: livelock"); default: "no value" */
  readonly note?: string;
  /** where on the y scale the marker sits (the bottom of the plotted values) */
  readonly yAt: number;
  /** how series values print (e.g. true -> "NV2 on") */
  readonly seriesLabel?: (v: DataRow[string]) => string;
}

/**
 * Unavailable points drawn, not dropped: at each x where some row has no value, a cross at the bottom of the plot
 * and a vertical label saying why and for which series ("no progress: livelock (NV2 off)"). Nothing when every
 * value is there.
 */
export function unavailableLayers(values: readonly DataRow[], o: UnavailableOptions): Layer[] {
  const byX = new Map<string, { x: DataRow[string]; notes: Set<string>; series: string[] }>();
  for (const r of values) {
    if (!isMissing(r[o.y])) continue;
    const key = JSON.stringify(r[o.x]);
    const e = byX.get(key) ?? { x: r[o.x] ?? null, notes: new Set<string>(), series: [] };
    e.notes.add(o.note !== undefined && typeof r[o.note] === "string" && r[o.note] !== "" ? String(r[o.note]) : "no value");
    if (o.series !== undefined) {
      const s = o.seriesLabel ? o.seriesLabel(r[o.series] ?? null) : String(r[o.series]);
      if (!e.series.includes(s)) e.series.push(s);
    }
    byX.set(key, e);
  }
  if (byX.size === 0) return [];
  const marks: DataRow[] = [...byX.values()].map((e) => ({
    [o.x]: e.x,
    unavailable: `${[...e.notes].join("; ")}${e.series.length > 0 ? ` (${e.series.join(", ")})` : ""}`,
  }));
  const x = { field: field(o.x), type: o.xType, title: fieldTitle(o.x) } as const;
  return [
    {
      data: { values: marks },
      mark: { type: "point", shape: "cross", size: 90, filled: true, color: "#000000" },
      encoding: { x, y: { datum: o.yAt }, tooltip: [{ field: field(o.x), type: o.xType }, { field: "unavailable", type: "nominal", title: "no value" }] },
    },
    {
      data: { values: marks },
      mark: { type: "text", angle: 270, align: "left", baseline: "middle", dx: 10, fontSize: 11, color: "#000000" },
      encoding: { x, y: { datum: o.yAt }, text: { field: "unavailable", type: "nominal" } },
    },
  ];
}
