/**
 * What every chart builder shares: turning tables into inline data, field references and the frame of a spec.
 * Builders are pure: rows in, a vega-lite `TopLevelSpec` out (JSON-serializable, data inline), no I/O and no rendering.
 */

export const VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";

/** A cell as tables hold it (sweep rows, arquero objects, compare results); bigint becomes a number in the spec. */
export type ChartCell = number | bigint | string | boolean | null | undefined;
export type ChartRow = { readonly [column: string]: ChartCell };

/** Rows, or anything with arquero's `objects()` (an arquero table). */
export type ChartData = readonly ChartRow[] | { objects(): object[] };

/** A row of a spec's inline data: JSON cells (no bigint, NaN, Infinity or undefined). */
export type DataRow = { [column: string]: number | string | boolean | null };

export interface ChartOptions {
  readonly title?: string;
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
  readonly title: string;
  readonly width: number;
  readonly height: number;
  readonly data: { readonly values: DataRow[] };
}

/** The frame every builder starts from. */
export function frame(values: readonly DataRow[], o: ChartOptions, defaults: { title: string; width?: number; height?: number }): Frame {
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: o.title ?? defaults.title,
    width: o.width ?? defaults.width ?? 360,
    height: o.height ?? defaults.height ?? 240,
    data: { values: [...values] },
  };
}
