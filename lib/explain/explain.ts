import { parseJsonNumber } from "../util/values";
import type { RunOptions } from "../run/run";
import { ConfigError } from "../util/errors";
import { type Evaluation, plainRunOptions } from "./evaluate";
import { type Alternative, explainInputs } from "./inputs";
import { EvalPool } from "./pool";
import { DEFAULT_PAIR_INPUTS, searchChanges } from "./search";

/**
 * `nestlab explain` (docs/explain.md): what would have to change, in unit costs, hardware, kernel configuration or
 * workload, for the change to reach a target wall-clock reduction at this configuration. Analysis only: it never
 * changes a default.
 */
export interface ExplainOptions {
  /** the wall-clock reduction to reach, a fraction (0.10 for 10%) */
  readonly target: number;
  /** inputs paired (pruning; default EXPLAIN_DEFAULTS.pairInputs) */
  readonly pairInputs?: number;
  /** entries reported (default 10) */
  readonly top?: number;
  /** worker threads (0: this thread) */
  readonly workers?: number;
  /** `provisional`: the total is what is planned so far (the search plans as it goes), a lower bound */
  readonly progress?: (done: number, total: number, what: string, provisional?: boolean) => void;
}

export interface ExplainChange {
  readonly input: string;
  readonly label: string;
  /** signed log2 of the scale (0 for a structural switch) */
  readonly exp: number;
}

export interface ExplainEntry {
  readonly rank: number;
  readonly changes: readonly ExplainChange[];
  readonly inputs: number;
  readonly log2Sum: number;
  readonly wallReduction: number;
  readonly speedup: number;
  readonly implications: Evaluation["implications"];
  /**
   * the rank of the first (better-ranked) entry whose figures are identical (wallReduction, speedup and every
   * implication): this entry is another spelling of that change, its inputs cancelling (a longer SVE vector at a
   * proportionally faster FP transfer rate moves the same cycles); absent when it has no such twin above it
   */
  readonly equivalentTo?: number;
}

export interface ExplainScanRow {
  readonly input: string;
  readonly kind: "scale" | "switch";
  readonly label: string;
  readonly exp: number;
  /** null when the configuration could not run (see `limit`) */
  readonly wallReduction: number | null;
  readonly limit?: string;
}

export interface ExplainResult {
  readonly target: number;
  readonly depth: number;
  readonly workload: string;
  /** the configuration as given */
  readonly base: { readonly wallReduction: number; readonly speedup: number; readonly implications: Evaluation["implications"] };
  /** ranked, at most `top` */
  readonly entries: readonly ExplainEntry[];
  /** how many changes reach the target in all (entries is the head of them) */
  readonly reaching: number;
  /** every single change evaluated, in input order (the tornado's data) */
  readonly singles: readonly ExplainScanRow[];
  /** the inputs searched, and those paired */
  readonly inputs: readonly string[];
  readonly paired: readonly string[];
  readonly evaluations: number;
}

export const EXPLAIN_DEFAULTS = { top: 10, pairInputs: DEFAULT_PAIR_INPUTS } as const;

const change = (a: Alternative): ExplainChange => ({ input: a.input, label: a.label, exp: a.exp });

export async function explain(o: RunOptions, x: ExplainOptions): Promise<ExplainResult> {
  if (!(x.target > 0 && x.target < 1)) throw new ConfigError("target", String(x.target), "a fraction in (0, 1), e.g. 0.10, or a percentage like 10%");
  const inputs = explainInputs(o);
  const pool = new EvalPool(x.workers ?? 0);
  const outcomes = new Map<string, { alts: readonly Alternative[]; ev: Evaluation | undefined; limit?: string }>();
  const key = (alts: readonly Alternative[]): string =>
    alts
      .map((a) => `${a.input}=${a.label}`)
      .sort()
      .join("&");
  try {
    const res = await searchChanges(
      inputs,
      async (alts) => {
        const opts = alts.reduce((acc, a) => a.apply(acc), plainRunOptions(o) as RunOptions);
        const out = await pool.evaluate(plainRunOptions(opts));
        outcomes.set(key(alts), out.ok ? { alts, ev: out.evaluation } : { alts, ev: undefined, limit: out.limit });
        return out.ok ? out.evaluation.wallReduction : Number.NEGATIVE_INFINITY;
      },
      { target: x.target, pairInputs: x.pairInputs ?? EXPLAIN_DEFAULTS.pairInputs, ...(x.progress ? { progress: x.progress } : {}) },
    );
    const base = outcomes.get("")!.ev;
    if (!base) throw new ConfigError("depth", String(o.model.depth), `a configuration that runs: ${outcomes.get("")!.limit ?? ""}`);
    // entries whose figures are identical are one change in several spellings: each later one names the first
    const firstByFigures = new Map<string, number>();
    const entries = res.entries.slice(0, x.top ?? EXPLAIN_DEFAULTS.top).map((e, i): ExplainEntry => {
      const ev = outcomes.get(key(e.changes))!.ev!;
      const figures = JSON.stringify([ev.wallReduction, ev.speedup, ev.implications]);
      const twin = firstByFigures.get(figures);
      if (twin === undefined) firstByFigures.set(figures, i + 1);
      return {
        rank: i + 1,
        changes: e.changes.map(change),
        inputs: e.changes.length,
        log2Sum: e.log2Sum,
        wallReduction: ev.wallReduction,
        speedup: ev.speedup,
        implications: ev.implications,
        ...(twin !== undefined ? { equivalentTo: twin } : {}),
      };
    });
    const singles: ExplainScanRow[] = res.scans.flatMap((s) =>
      s.evaluated.map((e) => {
        const out = outcomes.get(key([e.alt]))!;
        return {
          input: s.input,
          kind: s.kind,
          label: e.alt.label,
          exp: e.alt.exp,
          wallReduction: out.ev ? out.ev.wallReduction : null,
          ...(out.limit !== undefined ? { limit: out.limit } : {}),
        };
      }),
    );
    return {
      target: x.target,
      depth: o.model.depth,
      workload: o.profile.name,
      base: { wallReduction: base.wallReduction, speedup: base.speedup, implications: base.implications },
      entries,
      reaching: res.entries.length,
      singles,
      inputs: inputs.map((i) => i.name),
      paired: res.paired,
      evaluations: res.evaluations,
    };
  } finally {
    await pool.close();
  }
}

/** Parses a target: a fraction (0.10) or a percentage (10%). */
export function parseTarget(raw: string): number {
  // JSON's number grammar (lib/util/values.ts), as every numeric value on the command line, with an optional %
  const pct = raw.endsWith("%");
  const n = parseJsonNumber(pct ? raw.slice(0, -1) : raw);
  const accepted = "a fraction in (0, 1) such as 0.10, or a percentage in (0%, 100%) such as 10%";
  const v = n === undefined ? undefined : n / (pct ? 100 : 1);
  if (v === undefined || !(v > 0 && v < 1)) throw new ConfigError("target", raw, accepted);
  return v;
}
