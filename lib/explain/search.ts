import type { InputKind } from "./inputs";

/**
 * The search behind `nestlab explain` (docs/explain.md "The search"), independent of the model: inputs with
 * alternatives, an evaluator that gives the figure (the wall-clock reduction) for a set of changes, and a target.
 *
 *   1. singles: every alternative of every structural input; for a scaled input its extremes (x1/16, x16), then, in a
 *      direction whose extreme reaches the target, a bisection for the smallest scale that does (the figure is taken
 *      to move monotonically with one scale; every reported entry was evaluated);
 *   2. pairs, pruned: only the `pairInputs` inputs whose best single change moves the figure most towards the target
 *      are paired; a scaled input is paired only in the direction of its best single change; a pair is tried at its
 *      extremes first and skipped when they fall short; otherwise a staircase over the two exponents (monotone in
 *      each) finds the combinations of smallest sum |log2 scale|; a combination is kept only when neither change
 *      alone reaches the target (else the single dominates it);
 *   3. ranking: fewest inputs, then the smallest sum of |log2 scale| (a structural switch counts 0), then the larger
 *      figure, then the labels: a total order, so the result is deterministic.
 */

export interface SearchAlternative {
  readonly input: string;
  readonly label: string;
  readonly exp: number;
}

export interface SearchInput<A extends SearchAlternative> {
  readonly name: string;
  readonly kind: InputKind;
  readonly alternatives: readonly A[];
}

export interface SearchEntry<A extends SearchAlternative> {
  readonly changes: readonly A[];
  readonly value: number;
  /** sum of |exp| */
  readonly log2Sum: number;
}

export interface InputScan<A extends SearchAlternative> {
  readonly input: string;
  readonly kind: InputKind;
  /** the alternatives evaluated alone, in the input's order, with their figure */
  readonly evaluated: readonly { readonly alt: A; readonly value: number }[];
  /** the largest figure among them minus the base */
  readonly bestGain: number;
}

export interface SearchOptions {
  readonly target: number;
  /** inputs paired (the pruning); default DEFAULT_PAIR_INPUTS */
  readonly pairInputs?: number;
  /** `provisional`: the total is what is planned so far (the search plans as it goes), a lower bound */
  readonly progress?: (done: number, total: number, what: string, provisional?: boolean) => void;
}

export interface SearchResult<A extends SearchAlternative> {
  readonly base: number;
  readonly target: number;
  /** ranked */
  readonly entries: readonly SearchEntry<A>[];
  readonly scans: readonly InputScan<A>[];
  /** the inputs that were paired, in order of their best single gain */
  readonly paired: readonly string[];
  readonly evaluations: number;
}

export const DEFAULT_PAIR_INPUTS = 12;

const keyOf = (alts: readonly SearchAlternative[]): string =>
  alts
    .map((a) => `${a.input}=${a.label}`)
    .sort()
    .join("&");

/** Runs the search; `evaluate` gives the figure for a set of changes (none: the base). */
export async function searchChanges<A extends SearchAlternative>(
  inputs: readonly SearchInput<A>[],
  evaluate: (changes: readonly A[]) => Promise<number>,
  o: SearchOptions,
): Promise<SearchResult<A>> {
  const cache = new Map<string, Promise<number>>();
  let done = 0;
  let planned = 1;
  const ev = (changes: readonly A[]): Promise<number> => {
    const k = keyOf(changes);
    let p = cache.get(k);
    if (!p) {
      planned = Math.max(planned, cache.size + 1);
      p = evaluate(changes).then((v) => {
        done++;
        // the total is what is planned so far: the pairs are planned only once the singles are known
        o.progress?.(done, Math.max(planned, done + 1), "explain evaluations", true);
        return v;
      });
      cache.set(k, p);
    }
    return p;
  };
  const reaches = (v: number): boolean => v >= o.target;
  const base = await ev([]);

  // 1. singles
  const byExp = (inp: SearchInput<A>, exp: number): A | undefined => inp.alternatives.find((a) => a.exp === exp);
  planned = 1 + inputs.reduce((s, i) => s + (i.kind === "scale" ? 2 : i.alternatives.length), 0);
  const firstPass = inputs.map((inp) =>
    Promise.all((inp.kind === "scale" ? [byExp(inp, -4), byExp(inp, 4)].filter((a): a is A => a !== undefined) : inp.alternatives).map((a) => ev([a]))),
  );
  await Promise.all(firstPass);
  /** the smallest |exp| in direction s (1..4) whose single change reaches, assuming monotonicity; undefined: none */
  const minReach = new Map<string, number>();
  await Promise.all(
    inputs
      .filter((i) => i.kind === "scale")
      .flatMap((inp) =>
        [-1, 1].map(async (s) => {
          const at = async (k: number): Promise<boolean> => {
            const a = byExp(inp, s * k);
            return a !== undefined && reaches(await ev([a]));
          };
          if (!(await at(4))) return;
          const k = (await at(2)) ? ((await at(1)) ? 1 : 2) : (await at(3)) ? 3 : 4;
          minReach.set(`${inp.name}|${s}`, k);
        }),
      ),
  );
  const scans: InputScan<A>[] = [];
  for (const inp of inputs) {
    const evaluated: { alt: A; value: number }[] = [];
    for (const a of inp.alternatives) {
      const p = cache.get(keyOf([a]));
      if (p) evaluated.push({ alt: a, value: await p });
    }
    const best = evaluated.reduce((m, e) => Math.max(m, e.value), Number.NEGATIVE_INFINITY);
    scans.push({ input: inp.name, kind: inp.kind, evaluated, bestGain: best - base });
  }
  const entries: SearchEntry<A>[] = [];
  const singleReaches = (a: A, inp: SearchInput<A>): boolean => {
    if (inp.kind === "scale") {
      const k = minReach.get(`${inp.name}|${Math.sign(a.exp)}`);
      return k !== undefined && Math.abs(a.exp) >= k;
    }
    const s = scans.find((x) => x.input === inp.name)!;
    const e = s.evaluated.find((x) => x.alt === a);
    return e !== undefined && reaches(e.value);
  };
  for (const inp of inputs) {
    for (const a of inp.alternatives) {
      if (inp.kind === "scale") {
        const k = minReach.get(`${inp.name}|${Math.sign(a.exp)}`);
        if (k === undefined || Math.abs(a.exp) !== k) continue;
      } else if (!singleReaches(a, inp)) continue;
      entries.push({ changes: [a], value: await ev([a]), log2Sum: Math.abs(a.exp) });
    }
  }

  // 2. pairs among the inputs that help most
  const helpful = scans
    .filter((s) => s.bestGain > 0)
    .sort((x, y) => y.bestGain - x.bestGain || (x.input < y.input ? -1 : 1))
    .slice(0, o.pairInputs ?? DEFAULT_PAIR_INPUTS)
    .map((s) => inputs.find((i) => i.name === s.input)!);
  /** the options of an input in a pair: a scaled one in the direction of its best change (1..4), a switch's helpful values */
  const options = (inp: SearchInput<A>): A[] => {
    const scan = scans.find((s) => s.input === inp.name)!;
    if (inp.kind === "scale") {
      const best = scan.evaluated.reduce((m, e) => (e.value > m.value ? e : m));
      const s = Math.sign(best.alt.exp);
      return [1, 2, 3, 4].map((k) => byExp(inp, s * k)).filter((a): a is A => a !== undefined);
    }
    return scan.evaluated.filter((e) => e.value > base).map((e) => e.alt);
  };
  const pairJobs: Promise<void>[] = [];
  const found: SearchEntry<A>[][] = [];
  for (let i = 0; i < helpful.length; i++) {
    for (let j = i + 1; j < helpful.length; j++) {
      const A = helpful[i]!;
      const B = helpful[j]!;
      const slot: SearchEntry<A>[] = [];
      found.push(slot);
      pairJobs.push(
        (async () => {
          const oa = options(A);
          const ob = options(B);
          const keep = async (a: A, b: A): Promise<void> => {
            if (singleReaches(a, A) || singleReaches(b, B)) return;
            slot.push({ changes: [a, b], value: await ev([a, b]), log2Sum: Math.abs(a.exp) + Math.abs(b.exp) });
          };
          const hit = async (a: A, b: A): Promise<boolean> => reaches(await ev([a, b]));
          if (A.kind === "switch" && B.kind === "switch") {
            for (const a of oa) for (const b of ob) if (await hit(a, b)) await keep(a, b);
            return;
          }
          if (A.kind === "switch" || B.kind === "switch") {
            const [sw, sc, swIsA] = A.kind === "switch" ? [oa, ob, true] : [ob, oa, false];
            for (const s of sw) {
              const pair = (k: number): [A, A] => (swIsA ? [s, sc[k - 1]!] : [sc[k - 1]!, s]);
              if (sc.length < 4 || !(await hit(...pair(4)))) continue;
              const k = (await hit(...pair(2))) ? ((await hit(...pair(1))) ? 1 : 2) : (await hit(...pair(3))) ? 3 : 4;
              await keep(...pair(k));
            }
            return;
          }
          // two scaled inputs: a staircase over exponents 1..4 each (monotone in both)
          if (oa.length < 4 || ob.length < 4 || !(await hit(oa[3]!, ob[3]!))) return;
          const stairs: [number, number][] = [];
          let bMax = 4;
          for (let a = 1; a <= 4; a++) {
            if (!(await hit(oa[a - 1]!, ob[bMax - 1]!))) continue;
            let lo = 1;
            let hi = bMax; // reaches at hi
            while (lo < hi) {
              const mid = (lo + hi) >> 1;
              if (await hit(oa[a - 1]!, ob[mid - 1]!)) hi = mid;
              else lo = mid + 1;
            }
            stairs.push([a, hi]);
            bMax = hi;
          }
          const min = Math.min(...stairs.map(([a, b]) => a + b));
          for (const [a, b] of stairs) if (a + b === min) await keep(oa[a - 1]!, ob[b - 1]!);
        })(),
      );
    }
  }
  await Promise.all(pairJobs);
  for (const slot of found) entries.push(...slot);

  o.progress?.(done, done, "explain evaluations");

  // 3. ranking
  const label = (e: SearchEntry<A>): string => keyOf(e.changes);
  entries.sort(
    (x, y) =>
      x.changes.length - y.changes.length || x.log2Sum - y.log2Sum || y.value - x.value || (label(x) < label(y) ? -1 : label(x) > label(y) ? 1 : 0),
  );
  return { base, target: o.target, entries, scans, paired: helpful.map((h) => h.name), evaluations: cache.size };
}
