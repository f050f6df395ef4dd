/**
 * Numbers for people, shared by the report, the README's generated blocks and any command that prints a time or a
 * fraction: durations scaled to a readable unit (ns, µs, ms, s, min, h, days), fractions as percentages.
 */

/** A duration in seconds in the largest unit that keeps it >= 1: ns, µs, ms, s, min, h, days; 3 significant digits (or `digits`). */
export function formatDuration(seconds: number, digits = 3): string {
  if (!Number.isFinite(seconds)) return String(seconds);
  const a = Math.abs(seconds);
  const units: [number, string][] = [
    [86_400, "days"],
    [3_600, "h"],
    [60, "min"],
    [1, "s"],
    [1e-3, "ms"],
    [1e-6, "µs"],
    [1e-9, "ns"],
  ];
  if (a === 0) return "0 s";
  const [scale, unit] = units.find(([s]) => a >= s) ?? units[units.length - 1]!;
  return `${significant(seconds / scale, digits)} ${unit}`;
}

/** `digits` significant digits, thousands separated, trailing zeros dropped. */
export function significant(v: number, digits = 3): string {
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return "0";
  const magnitude = Math.floor(Math.log10(Math.abs(v)));
  const decimals = Math.max(0, digits - 1 - magnitude);
  return v.toLocaleString("en-US", { maximumFractionDigits: Math.min(decimals, 20), minimumFractionDigits: 0 });
}

/** A fraction as a percentage: 0.0290 -> "2.90%". `digits` decimals (default 2). */
export function formatPercent(fraction: number, digits = 2): string {
  if (!Number.isFinite(fraction)) return String(fraction);
  const p = fraction * 100;
  // keep small non-zero values visible
  const d = p !== 0 && Math.abs(p) < 10 ** -digits ? digits + 2 : digits;
  return `${p.toFixed(d)}%`;
}

