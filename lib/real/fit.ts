import { COST_NAMES, type CostName, COSTS, type Costs } from "../costs/table";
import type { RunOptions } from "../run/run";
import type { ImportSummary } from "./importer";
import { cholSolve, cholesky, type Matrix, spdInverse, zeros } from "./linalg";
import { modelL0View } from "./model";

/**
 * Fitting the unit costs the project cannot source (basis `assumed` or `calibrated`, lib/costs/table.ts) to what a
 * machine's L0 trace measured (docs/traces.md "fit").
 *
 * Observables: the mean exit-to-entry time of every exit kind, and the mean whole handling of every forwarded exit
 * (window), that the machine and the model both show with at least `minCount` samples. Each has a standard error:
 * sd / sqrt(n), at least 0.5% of the mean, and at least the timestamps' resolution / sqrt(12 n).
 *
 * The model is linear in the cycle costs along fixed paths: an observable's mean is a sum over costs of (how many
 * times the paths inside it charge that cost) x (the cost). The sensitivities J are measured by finite differences
 * (one run per cost with that cost doubled, at least +20 cycles), then the fit solves the regularised least squares
 *
 *     min  sum_i ((y_i - f_i(c)) / s_i)^2  +  sum_k ((c_k - d_k) / (prior x d_k))^2,    lo_k <= c_k <= hi_k
 *
 * (d: the defaults; bounds 0 .. 10 d) by Gauss-Newton with the model re-run at each step (projected: a cost that
 * reaches a bound is held there). Uncertainty: the posterior covariance (J^T W J + P)^-1. A cost that no observable
 * depends on, or whose posterior standard deviation is above 90% of its prior one, is reported unidentifiable from
 * this trace (the fit leaves it at its default); between 30% and 90%, identified only in combination with the costs
 * it is most correlated with. The defaults are never changed: the result is a --costs file.
 */

export interface Observable {
  readonly key: string;
  readonly kind: "exit" | "window";
  readonly machineNs: number;
  readonly seNs: number;
  readonly count: number;
}

export interface FittedCost {
  readonly name: CostName;
  readonly basis: "assumed" | "calibrated";
  readonly default: number;
  /** the fitted value (unrounded) */
  readonly value: number;
  /** what the costs file holds: an integer for cycle costs */
  readonly written: number;
  /** posterior standard deviation */
  readonly sd: number;
  readonly priorSd: number;
  /** posterior sd / prior sd: 1 = the trace says nothing, 0 = fully determined */
  readonly shrink: number;
  readonly status: "identified" | "combination" | "unidentifiable";
  /** for `combination`: the costs it is most correlated with; for `unidentifiable` with no sensitivity: [] */
  readonly confoundedWith: readonly CostName[];
  readonly atBound: boolean;
  readonly why: string;
}

export interface Residual {
  readonly key: string;
  readonly machineNs: number;
  readonly defaultNs: number;
  readonly fittedNs: number;
  readonly seNs: number;
  /** (fitted - machine) / se */
  readonly z: number;
}

export interface FitResult {
  readonly observables: readonly Observable[];
  readonly costs: readonly FittedCost[];
  readonly residuals: readonly Residual[];
  /** sum of z^2 at the defaults and at the fit, and the number of observables */
  readonly chi2Default: number;
  readonly chi2Fitted: number;
  /** the --costs file: fitted costs whose written value differs from the default */
  readonly costsFile: { readonly [name: string]: number };
  readonly iterations: number;
  readonly modelRuns: number;
}

export interface FitOptions {
  /** the model's run (configuration, workload, duration, seed, clock); its costs are the starting point and prior */
  readonly run: RunOptions;
  /** relative prior standard deviation of every fitted cost (default 0.5) */
  readonly prior?: number;
  /** only observables with at least this many samples on both sides (default 20) */
  readonly minCount?: number;
  /** Gauss-Newton steps (default 3) */
  readonly iterations?: number;
  /** fit only these costs (default: every assumed or calibrated one) */
  readonly costs?: readonly CostName[];
  readonly progress?: (done: number, total: number, what: string) => void;
}

const fittable = (): CostName[] => COST_NAMES.filter((n) => COSTS[n].basis === "assumed" || COSTS[n].basis === "calibrated");

/** the observables of a summary, by key, with their mean, standard error and count */
function observe(s: ImportSummary, resolutionNs: number): Map<string, Observable> {
  const out = new Map<string, Observable>();
  const se = (mean: number, sd: number, n: number): number => Math.max(sd / Math.sqrt(n), 0.005 * mean, resolutionNs / Math.sqrt(12 * n));
  for (const k of s.kinds) {
    const n = k.count;
    if (n > 0) out.set(`exit ${k.kind}`, { key: `exit ${k.kind}`, kind: "exit", machineNs: k.meanNs, seNs: se(k.meanNs, k.sdNs, n), count: n });
  }
  for (const w of s.windows) {
    const n = w.count;
    if (n > 0) out.set(`window ${w.reason}`, { key: `window ${w.reason}`, kind: "window", machineNs: w.meanNs, seNs: se(w.meanNs, w.sdNs, n), count: n });
  }
  return out;
}

function withCosts(o: RunOptions, c: Costs): RunOptions {
  return { ...o, model: { ...o.model, costs: c } };
}

export function fitCosts(machine: ImportSummary, o: FitOptions): FitResult {
  const prior = o.prior ?? 0.5;
  const minCount = o.minCount ?? 20;
  const iterations = o.iterations ?? 3;
  const names = [...(o.costs ?? fittable())];
  const base = o.run.model.costs;
  const d = names.map((n) => base[n]);
  const cycles = names.map((n) => COSTS[n].unit !== "bytes/cycle");
  const lo = names.map((n, k) => (cycles[k] ? 0 : d[k]! / 10));
  const hi = d.map((v) => Math.max(10 * v, 20));
  const priorSd = d.map((v) => Math.max(prior * v, 1));
  const resolution = machine.timestampDigits >= 9 || machine.timestampDigits === 0 ? 1 : 10 ** (9 - machine.timestampDigits);

  let runs = 0;
  const total = names.length + iterations + 1;
  const evaluate = (c: readonly number[]): Map<string, Observable> => {
    const costs = { ...base } as { [K in CostName]: number };
    names.forEach((n, k) => (costs[n] = cycles[k] ? Math.round(c[k]!) : c[k]!));
    runs++;
    o.progress?.(runs, total, "fit: model runs");
    return observe(modelL0View(withCosts(o.run, costs)).summary, 1);
  };

  // the observables both sides show often enough
  const mach = observe(machine, resolution);
  const at0 = evaluate(d);
  const obs = [...mach.values()].filter((m) => m.count >= minCount && (at0.get(m.key)?.count ?? 0) >= minCount).sort((a, b) => (a.key < b.key ? -1 : 1));
  const y = obs.map((x) => x.machineNs);
  const w = obs.map((x) => 1 / (x.seNs * x.seNs));
  const f = (m: Map<string, Observable>): number[] => obs.map((x) => m.get(x.key)?.machineNs ?? NaN);
  const f0 = f(at0);

  // sensitivities: ns of each observable per cycle (or per byte/cycle) of each cost
  const J: Matrix = zeros(obs.length, names.length);
  names.forEach((_, k) => {
    const step = cycles[k] ? Math.max(20, d[k]!) : d[k]! * 0.5;
    const c = [...d];
    c[k] = d[k]! + step;
    const fk = f(evaluate(c));
    for (let i = 0; i < obs.length; i++) {
      const v = (fk[i]! - f0[i]!) / step;
      J[i]![k] = Number.isFinite(v) ? v : 0;
    }
  });

  // Gauss-Newton with the prior, projected onto the bounds
  const P = priorSd.map((s) => 1 / (s * s));
  let c = [...d];
  let fc = f0;
  let iter = 0;
  for (; iter < iterations; iter++) {
    const free = names.map((_, k) => true);
    let step: number[] = [];
    for (let pass = 0; pass < names.length; pass++) {
      const idx = names.map((_, k) => k).filter((k) => free[k]);
      const A = zeros(idx.length);
      const b = new Array<number>(idx.length).fill(0);
      idx.forEach((k, a) => {
        for (let i = 0; i < obs.length; i++) {
          const r = y[i]! - fc[i]!;
          if (Number.isFinite(r)) b[a]! += J[i]![k]! * w[i]! * r;
        }
        b[a]! += P[k]! * (d[k]! - c[k]!);
        idx.forEach((k2, a2) => {
          let s = 0;
          for (let i = 0; i < obs.length; i++) s += J[i]![k]! * w[i]! * J[i]![k2]!;
          A[a]![a2] = s + (a === a2 ? P[k]! : 0);
        });
      });
      const delta = cholSolve(cholesky(A), b);
      step = names.map(() => 0);
      idx.forEach((k, a) => (step[k] = delta[a]!));
      // hold at its bound any cost the step would push past it, and solve again for the others
      let clamped = false;
      for (const k of idx) {
        const v = c[k]! + step[k]!;
        if (v < lo[k]! || v > hi[k]!) {
          free[k] = false;
          step[k] = (v < lo[k]! ? lo[k]! : hi[k]!) - c[k]!;
          c[k] = c[k]! + step[k]!;
          step[k] = 0;
          clamped = true;
        }
      }
      if (!clamped) break;
    }
    c = c.map((v, k) => Math.min(hi[k]!, Math.max(lo[k]!, v + step[k]!)));
    fc = f(evaluate(c));
  }

  // posterior covariance at the solution
  const H = zeros(names.length);
  for (let k = 0; k < names.length; k++) {
    for (let k2 = 0; k2 < names.length; k2++) {
      let s = 0;
      for (let i = 0; i < obs.length; i++) s += J[i]![k]! * w[i]! * J[i]![k2]!;
      H[k]![k2] = s + (k === k2 ? P[k]! : 0);
    }
  }
  const cov = spdInverse(H);
  const costs: FittedCost[] = names.map((n, k) => {
    const sd = Math.sqrt(Math.max(0, cov[k]![k]!));
    const shrink = sd / priorSd[k]!;
    const sensitive = J.some((row) => Math.abs(row[k]!) > 1e-9);
    const corr = names
      .map((m, k2) => ({ m, r: k2 === k ? 0 : cov[k]![k2]! / Math.sqrt(cov[k]![k]! * cov[k2]![k2]!) }))
      .filter((x) => Math.abs(x.r) >= 0.3)
      .sort((a, b) => Math.abs(b.r) - Math.abs(a.r) || (a.m < b.m ? -1 : 1))
      .slice(0, 3)
      .map((x) => x.m);
    const status: FittedCost["status"] = !sensitive || shrink > 0.9 ? "unidentifiable" : shrink > 0.3 ? "combination" : "identified";
    const why = !sensitive
      ? "no observed exit exercises it (no observable depends on it)"
      : status === "unidentifiable"
        ? "the trace barely constrains it (posterior sd > 90% of the prior's)"
        : status === "combination"
          ? `constrained only together with ${corr.join(", ") || "other costs"}`
          : "determined by the trace";
    const value = status === "unidentifiable" ? d[k]! : c[k]!;
    const written = cycles[k] ? Math.round(value) : Number(value.toPrecision(4));
    return {
      name: n,
      basis: COSTS[n].basis as "assumed" | "calibrated",
      default: d[k]!,
      value,
      written,
      sd,
      priorSd: priorSd[k]!,
      shrink,
      status,
      confoundedWith: status === "identified" ? [] : corr,
      atBound: value <= lo[k]! || value >= hi[k]!,
      why,
    };
  });
  // the model at the written costs
  const final = f(evaluate(costs.map((x) => x.written)));
  const residuals: Residual[] = obs.map((x, i) => ({
    key: x.key,
    machineNs: x.machineNs,
    defaultNs: f0[i]!,
    fittedNs: final[i]!,
    seNs: x.seNs,
    z: (final[i]! - x.machineNs) / x.seNs,
  }));
  const chi2 = (v: readonly number[]): number => obs.reduce((s, x, i) => s + (Number.isFinite(v[i]!) ? ((v[i]! - x.machineNs) / x.seNs) ** 2 : 0), 0);
  const costsFile: { [name: string]: number } = {};
  for (const x of costs) if (x.written !== x.default) costsFile[x.name] = x.written;
  return {
    observables: obs,
    costs,
    residuals,
    chi2Default: chi2(f0),
    chi2Fitted: chi2(final),
    costsFile,
    iterations: iter,
    modelRuns: runs,
  };
}
