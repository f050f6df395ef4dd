/**
 * What every chart builder shares: the Vega-Lite v5 spec type, turning tables into inline data, and field references.
 * Builders are pure: rows in, a JSON-serializable spec out (data inline), no I/O and no rendering.
 */

export const VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json";

/** A JSON value as a spec holds it. */
export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

/** A top-level Vega-Lite v5 spec (validated against vega-lite's JSON schema in the tests). */
export interface VegaLiteSpec {
  readonly $schema: string;
  readonly [key: string]: Json;
}

/** A cell as tables hold it (sweep rows, arquero objects, compare results); bigint becomes a number in the spec. */
export type ChartCell = number | bigint | string | boolean | null | undefined;
export type ChartRow = { readonly [column: string]: ChartCell };

/** Rows, or anything with arquero's `objects()` (an arquero table). */
export type ChartData = readonly ChartRow[] | { objects(): object[] };

export interface ChartOptions {
  readonly title?: string;
  readonly width?: number;
  readonly height?: number;
}

function cell(v: ChartCell): Json {
  if (v === undefined || v === null) return null;
  if (typeof v === "bigint") return Number(v);
  if (typeof v === "number") return Number.isFinite(v) ? v : null;
  return v;
}

/** Inline data values: bigint -> number, NaN/Infinity/undefined -> null (JSON has neither). */
export function dataValues(data: ChartData): Json[] {
  const rows = (Array.isArray(data) ? data : (data as { objects(): object[] }).objects()) as readonly ChartRow[];
  return rows.map((r) => {
    const o: { [k: string]: Json } = {};
    for (const k of Object.keys(r)) o[k] = cell(r[k]);
    return o;
  });
}

/** The column names of the first row (for defaults that depend on what a table carries). */
export function columnsOf(values: readonly Json[]): string[] {
  const first = values[0];
  return first !== null && typeof first === "object" && !Array.isArray(first) ? Object.keys(first) : [];
}

/** A field reference: sweep columns such as `costScale.vmmMmio` contain dots, which Vega-Lite reads as nesting. */
export const field = (name: string): string => name.replace(/\./g, "\\.");

/** The frame every builder starts from. */
export function frame(values: readonly Json[], o: ChartOptions, defaults: { title: string; width?: number; height?: number }): VegaLiteSpec {
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: o.title ?? defaults.title,
    width: o.width ?? defaults.width ?? 360,
    height: o.height ?? defaults.height ?? 240,
    data: { values: [...values] },
  };
}
