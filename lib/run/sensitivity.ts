import { COST_NAMES, COSTS, type CostName, type Costs } from "../costs/table";
import { runCompare } from "./compare";
import type { RunOptions } from "./run";

/**
 * The sensitivity band of a compare result (docs/calibration.md "Calibration discipline"): every unsourced unit cost
 * (basis "assumed" or "calibrated") scaled x0.5 and x2, one at a time and all together, and the clock at 2.0 and
 * 3.5 GHz. Published and derived costs stay as they are.
 */
export interface SensitivityCase {
  readonly name: string;
  readonly wallReduction: number;
  readonly speedup: number;
}

export interface SensitivityResult {
  readonly base: SensitivityCase;
  readonly cases: readonly SensitivityCase[];
  readonly min: SensitivityCase;
  readonly max: SensitivityCase;
}

export const UNSOURCED_COSTS: readonly CostName[] = COST_NAMES.filter((n) => {
  const b = COSTS[n].basis;
  return (b === "assumed" || b === "calibrated") && COSTS[n].default > 0;
});

/** the band's cases besides the base: all unsourced costs x0.5 and x2, each one x0.5 and x2, and two clocks */
export const SENSITIVITY_CASES = 2 + 2 * UNSOURCED_COSTS.length + 2;

function scaled(costs: Costs, names: readonly CostName[], factor: number): Costs {
  const out = { ...costs } as { [K in CostName]: number };
  // cycle costs stay integers (run totals are exact integers): scaled values are rounded
  for (const n of names) out[n] = COSTS[n].unit === "bytes/cycle" ? costs[n] * factor : Math.round(costs[n] * factor);
  return out;
}

export function sensitivity(o: RunOptions, progress?: (done: number, total: number, what: string) => void): SensitivityResult {
  const variants: { name: string; opts: RunOptions }[] = [];
  for (const f of [0.5, 2]) {
    variants.push({ name: `all unsourced x${f}`, opts: { ...o, model: { ...o.model, costs: scaled(o.model.costs, UNSOURCED_COSTS, f) } } });
  }
  for (const n of UNSOURCED_COSTS) {
    for (const f of [0.5, 2]) {
      variants.push({ name: `${n} x${f}`, opts: { ...o, model: { ...o.model, costs: scaled(o.model.costs, [n], f) } } });
    }
  }
  for (const ghz of [2.0, 3.5]) variants.push({ name: `clock ${ghz} GHz`, opts: { ...o, clockGhz: ghz } });
  const one = (name: string, opts: RunOptions): SensitivityCase => {
    const { progress: _, ...quiet } = opts;
    const c = runCompare(quiet);
    return { name, wallReduction: c.wallReduction, speedup: c.speedup };
  };
  const base = one("base", o);
  progress?.(1, variants.length + 1, "sensitivity cases");
  const cases: SensitivityCase[] = [];
  variants.forEach((v, i) => {
    cases.push(one(v.name, v.opts));
    progress?.(i + 2, variants.length + 1, "sensitivity cases");
  });
  let min = base;
  let max = base;
  for (const c of cases) {
    if (c.wallReduction < min.wallReduction) min = c;
    if (c.wallReduction > max.wallReduction) max = c;
  }
  return { base, cases, min, max };
}
