/**
 * Exact JSON for results holding BigInt totals (docs/counters.md "Exactness"): a value is printed as a JSON number when
 * it is a safe integer (or any non-integer number), otherwise as a decimal string.
 */
export type Jsonable = null | boolean | number | string | bigint | readonly Jsonable[] | { readonly [k: string]: Jsonable | undefined };

export function toJsonValue(v: unknown): unknown {
  if (typeof v === "bigint") {
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v.toString();
  }
  if (Array.isArray(v)) return v.map(toJsonValue);
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined) out[k] = toJsonValue(x);
    return out;
  }
  return v;
}

export function exactJson(v: unknown, indent?: number): string {
  return JSON.stringify(toJsonValue(v), null, indent);
}
