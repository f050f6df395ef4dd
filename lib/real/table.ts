import type * as Aq from "arquero";
import type { ImportSummary } from "./importer";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const aq = (): typeof Aq => require("arquero") as typeof Aq;

/**
 * An imported trace's exit kinds as an arquero table: kind, ctx, reason, detail, handling, count, perSecond,
 * meanNs, sdNs, minNs, maxNs, p50Ns, p90Ns, p99Ns (one row per kind; quantiles null where unknown).
 */
export function exitKindsTable(s: ImportSummary): Aq.ColumnTable {
  const cols: Record<string, (string | number | null)[]> = {};
  const names = ["kind", "ctx", "reason", "detail", "handling", "count", "perSecond", "meanNs", "sdNs", "minNs", "maxNs", "p50Ns", "p90Ns", "p99Ns"] as const;
  for (const n of names) cols[n] = [];
  for (const k of s.kinds) for (const n of names) cols[n]!.push(k[n]);
  return aq().table(cols);
}
