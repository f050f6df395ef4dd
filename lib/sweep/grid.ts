import { createHash } from "node:crypto";
import { COST_NAMES, type Costs, costValue, defaultCosts } from "../costs/table";
import { validateRunOptions } from "../run/run";
import { ConfigError, LimitError } from "../util/errors";
import { describeValue, numberFrom } from "../util/values";
import { readJsonInput } from "../util/files";
import { exactJson } from "../util/json";
import { loadProfile } from "../workload/load";
import { namedProfile, type WorkloadProfile } from "../workload/profiles";
import { type Axis, AXES, type AxisValue, axisNamesAccepted, COST_AXES, findAxis, HW_AXES, SEED_AXIS } from "./axes";
import { modelIdentity } from "./identity";
import { type Profiles, pointRunOptions } from "./point";

/**
 * Sweep grids: what the user asks for (a GridInput, from flags or a JSON file) becomes a canonical SweepSpec, which
 * expands into a SweepPlan: the points in a fixed order (cartesian axes in registry order, outermost first, then
 * the zipped groups, then the seeds innermost), with the combinations the model forbids set aside. A plan is a pure
 * function of its spec; the spec's fingerprint identifies a sweep across shards, resumes and merges.
 */

/** The JSON shape of `--grid FILE` (and what notebooks pass to planSweep). */
export interface GridInput {
  /** cartesian axes: axis name -> a list of values (or one value) */
  readonly axes?: { readonly [name: string]: unknown };
  /** zipped groups: within a group every axis has a list of the same length; the i-th values go together */
  readonly zip?: readonly { readonly [name: string]: unknown }[];
  /** number of seeds derived from `seed` (default 1) */
  readonly seeds?: number;
  /** the base seed (default 1), or an explicit list of seeds (then `seeds` must be absent) */
  readonly seed?: number | readonly number[];
  /** unit-cost overrides applied to every point (like `--costs FILE`) */
  readonly costs?: { readonly [name: string]: number };
}

export interface AxisValues {
  readonly name: string;
  readonly values: readonly AxisValue[];
}

/**
 * The canonical sweep: stored in results.json and the journal; its fingerprint (with the model's identity) names the
 * sweep. It holds the contents of every input: the grid's axes and seeds (from flags or a grid file), the unit costs
 * (--costs, the grid's costs) and the workload profiles read from files, so that an input edited between a run and
 * its --resume, or between shards, changes the fingerprint.
 */
export interface SweepSpec {
  readonly axes: readonly AxisValues[];
  readonly zip: readonly (readonly AxisValues[])[];
  readonly seeds: readonly number[];
  /** unit costs that differ from the defaults, for every point */
  readonly costs: { readonly [name: string]: number };
  /** the workload profiles read from files (absent when every workload is a named profile), by file name */
  readonly profiles?: { readonly [file: string]: WorkloadProfile };
}

export interface SweepPoint {
  /** index among the runnable points */
  readonly point: number;
  /** parameter columns (without the seed) */
  readonly params: { readonly [column: string]: AxisValue };
}

export interface SkippedPoint {
  readonly params: { readonly [column: string]: AxisValue };
  /** the model's rule, as the one-line error a single run would print */
  readonly reason: string;
}

export interface SweepPlan {
  readonly spec: SweepSpec;
  /** the model's identity (lib/sweep/identity.ts) */
  readonly model: string;
  /** names the sweep: a hash of the spec and the model's identity */
  readonly fingerprint: string;
  /** parameter columns in order (model axes, swept cost axes, seed) */
  readonly columns: readonly string[];
  readonly points: readonly SweepPoint[];
  readonly skipped: readonly SkippedPoint[];
  /** points x seeds */
  readonly runs: number;
}

export const SWEEP_LIMITS = { maxRuns: 1_000_000, maxSeeds: 10_000 } as const;

/** How a grid location is named in errors: `--depth` on the command line, `FILE: axes.depth[2]` for a grid file. */
export type Where = (axis: string, path: string) => { field: string; value: (v: unknown) => string };

export const FLAG_WHERE: Where = (axis) => ({ field: axis, value: (v) => String(v) });
export const fileWhere =
  (file: string): Where =>
  (_axis, path) => ({ field: "grid", value: (v) => `${file}: ${path}=${JSON.stringify(v)}` });

function axisOrThrow(name: string, where: Where, path: string): Axis {
  const a = findAxis(name);
  if (!a) {
    const w = where(name, path);
    throw new ConfigError(w.field, w.field === "grid" ? w.value(name).replace(/=.*$/, "") : name, `axes ${axisNamesAccepted()}`);
  }
  return a;
}

function parseValues(a: Axis, raw: unknown, where: Where, path: string): AxisValue[] {
  const list = Array.isArray(raw) ? raw : [raw];
  if (list.length === 0) {
    const w = where(a.name, path);
    throw new ConfigError(w.field, w.value(raw), `a non-empty list of ${a.accepted}`);
  }
  const out: AxisValue[] = [];
  list.forEach((v, i) => {
    const p = a.parse(v);
    if (p === undefined) {
      const w = where(a.name, Array.isArray(raw) ? `${path}[${i}]` : path);
      throw new ConfigError(w.field, w.value(v), a.accepted);
    }
    if (out.includes(p)) {
      const w = where(a.name, Array.isArray(raw) ? `${path}[${i}]` : path);
      throw new ConfigError(w.field, w.value(v), `${a.accepted}, each value once`);
    }
    out.push(p);
  });
  return out;
}

/** Seeds derived from a base seed: the first is the base itself (so `--seeds 1` is `run --seed S`). */
export function deriveSeeds(base: number, k: number): number[] {
  const out: number[] = [];
  for (let i = 0; out.length < k; i++) {
    let s = base >>> 0;
    if (i > 0) {
      // SplitMix32 of (base, i): well-spread seeds, distinct for distinct base seeds
      let z = (base + Math.imul(i, 0x9e3779b9)) >>> 0;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      s = (z ^ (z >>> 16)) >>> 0;
    }
    if (!out.includes(s)) out.push(s);
  }
  return out;
}

/**
 * Validates a grid and returns its canonical spec; every error names the field and the accepted values. Workload
 * profile files are read here (by `readProfile`), once: the spec holds their contents.
 */
export function gridSpec(
  g: GridInput,
  where: Where = FLAG_WHERE,
  baseCosts: Costs = defaultCosts(),
  readProfile: (file: string) => WorkloadProfile = loadProfile,
): SweepSpec {
  const known = new Set(["axes", "zip", "seeds", "seed", "costs"]);
  for (const k of Object.keys(g)) {
    if (!known.has(k)) {
      const w = where(k, k);
      throw new ConfigError(w.field, w.field === "grid" ? w.value(k).replace(/=.*$/, "") : k, "grid keys axes, zip, seeds, seed, costs");
    }
  }
  const used = new Set<string>();
  const claim = (a: Axis, path: string): void => {
    if (used.has(a.name) || a.name === "seed") {
      const w = where(a.name, path);
      throw new ConfigError(w.field, w.field === "grid" ? w.value(a.name).replace(/=.*$/, "") : a.name,
        a.name === "seed" ? "seeds through 'seed' and 'seeds', not as an axis" : "each axis once (cartesian or in one zip group)");
    }
    used.add(a.name);
  };
  const axesIn = g.axes ?? {};
  if (typeof axesIn !== "object" || axesIn === null || Array.isArray(axesIn)) {
    const w = where("axes", "axes");
    throw new ConfigError(w.field, w.value(axesIn), "an object mapping axis names to lists of values");
  }
  const cart: AxisValues[] = [];
  for (const [name, raw] of Object.entries(axesIn)) {
    const a = axisOrThrow(name, where, `axes.${name}`);
    claim(a, `axes.${name}`);
    cart.push({ name: a.name, values: parseValues(a, raw, where, `axes.${name}`) });
  }
  const order = [...AXES, ...HW_AXES, ...COST_AXES].map((a) => a.name);
  cart.sort((x, y) => order.indexOf(x.name) - order.indexOf(y.name));

  const zipIn = g.zip ?? [];
  if (!Array.isArray(zipIn)) {
    const w = where("zip", "zip");
    throw new ConfigError(w.field, w.value(zipIn), "a list of objects mapping axis names to equal-length lists");
  }
  const zip: AxisValues[][] = zipIn.map((group: unknown, gi) => {
    if (typeof group !== "object" || group === null || Array.isArray(group) || Object.keys(group).length === 0) {
      const w = where("zip", `zip[${gi}]`);
      throw new ConfigError(w.field, w.value(group), "an object mapping axis names to equal-length lists");
    }
    const out: AxisValues[] = [];
    for (const [name, raw] of Object.entries(group as Record<string, unknown>)) {
      const path = `zip[${gi}].${name}`;
      const a = axisOrThrow(name, where, path);
      claim(a, path);
      if (!Array.isArray(raw)) {
        const w = where(a.name, path);
        throw new ConfigError(w.field, w.value(raw), `a list of ${a.accepted}`);
      }
      const values = parseValues(a, raw, where, path);
      const first = out[0];
      if (first && first.values.length !== values.length) {
        const w = where(a.name, path);
        throw new ConfigError(w.field, w.value(raw), `a list as long as ${first.name}'s (${first.values.length} values)`);
      }
      out.push({ name: a.name, values });
    }
    return out;
  });

  let seeds: number[];
  const seedIn = g.seed ?? 1;
  if (Array.isArray(seedIn)) {
    if (g.seeds !== undefined) {
      const w = where("seeds", "seeds");
      throw new ConfigError(w.field, w.value(g.seeds), "absent when 'seed' is a list (give either a seed list or a count)");
    }
    seeds = parseValues(SEED_AXIS, seedIn, where, "seed") as number[];
  } else {
    const base = SEED_AXIS.parse(seedIn);
    if (base === undefined) {
      const w = where("seed", "seed");
      throw new ConfigError(w.field, w.value(seedIn), SEED_AXIS.accepted);
    }
    const k = g.seeds ?? 1;
    if (typeof k !== "number" || !Number.isInteger(k) || k < 1 || k > SWEEP_LIMITS.maxSeeds) {
      const w = where("seeds", "seeds");
      throw new ConfigError(w.field, w.value(k), `an integer 1..${SWEEP_LIMITS.maxSeeds}`);
    }
    seeds = deriveSeeds(base as number, k);
  }

  const costs: Record<string, number> = {};
  const def = defaultCosts();
  for (const k of COST_NAMES) if (baseCosts[k] !== def[k]) costs[k] = baseCosts[k];
  if (g.costs !== undefined) {
    if (typeof g.costs !== "object" || g.costs === null || Array.isArray(g.costs)) {
      const w = where("costs", "costs");
      throw new ConfigError(w.field, w.value(g.costs), "an object mapping unit-cost names to numbers");
    }
    for (const [k, v] of Object.entries(g.costs)) {
      const name = COST_NAMES.find((n) => n === k);
      const spec = name && costValue(name);
      const p = spec ? numberFrom(v, spec) : undefined;
      if (!name || !spec || typeof v !== "number" || p === undefined) {
        const w = where("costs", `costs.${k}`);
        throw new ConfigError(w.field, w.value(v), spec ? `${k}: ${describeValue(spec)}` : `unit-cost names ${COST_NAMES.join(", ")}`);
      }
      if (p !== def[name]) costs[name] = p;
      else delete costs[name];
    }
  }
  let count = seeds.length;
  for (const a of cart) count *= a.values.length;
  for (const z of zip) count *= z[0]?.values.length ?? 1;
  if (count > SWEEP_LIMITS.maxRuns) {
    const w = where("axes", "axes");
    throw new ConfigError(w.field, `${count} runs`, `at most ${SWEEP_LIMITS.maxRuns} runs (points x seeds) in one sweep`);
  }
  const files = [...cart, ...zip.flat()]
    .filter((a) => a.name === "workload")
    .flatMap((a) => a.values.map(String))
    .filter((w) => namedProfile(w) === undefined)
    .sort();
  if (files.length === 0) return { axes: cart, zip, seeds, costs };
  const profiles = Object.fromEntries(files.map((f) => [f, readProfile(f)]));
  return { axes: cart, zip, seeds, costs, profiles };
}

/** The fingerprint of a sweep: sha256 (16 hex digits) of its canonical spec and the model's identity. */
export function specFingerprint(spec: SweepSpec, model: string = modelIdentity()): string {
  return createHash("sha256").update(exactJson({ format: "nestlab-sweep/2", model, spec })).digest("hex").slice(0, 16);
}

/** The profiles a spec's points run: its files' (from the spec) and the named ones. */
export function specProfiles(spec: SweepSpec): Profiles {
  return new Map(Object.entries(spec.profiles ?? {}));
}

/** Base unit costs of a spec: the defaults with the spec's overrides. */
export function specCosts(spec: SweepSpec): Costs {
  return { ...defaultCosts(), ...spec.costs } as Costs;
}

/**
 * Expands a spec into its points, in a fixed order, and sets aside the combinations the model forbids (the rules of
 * validateModelConfig / validateRunOptions, and what the engine refuses to build).
 */
export function planSpec(spec: SweepSpec, model: string = modelIdentity()): SweepPlan {
  const base = specCosts(spec);
  const profiles = specProfiles(spec);
  const dims: (readonly AxisValues[])[] = [...spec.axes.map((a) => [a]), ...spec.zip];
  const swept = new Set([...spec.axes, ...spec.zip.flat()].map((a) => a.name));
  const columns = [
    ...AXES.map((a) => a.column),
    ...HW_AXES.filter((a) => swept.has(a.name)).map((a) => a.column),
    ...COST_AXES.filter((a) => swept.has(a.name)).map((a) => a.column),
    SEED_AXIS.column,
  ];
  // each workload is loaded (and validated) once, before any point is checked
  const workloads = spec.axes.find((a) => a.name === "workload")?.values ?? spec.zip.flat().find((a) => a.name === "workload")?.values ?? [AXES[0]!.fallback!];
  const ioFallback = new Map<string, number>();
  for (const w of workloads) {
    const p = namedProfile(String(w)) ?? profiles.get(String(w));
    if (!p) throw new ConfigError("workload", String(w), "a workload profile the spec holds (its file was not read)");
    ioFallback.set(String(w), p.ioRate);
  }

  const sizes = dims.map((d) => d[0]?.values.length ?? 1);
  const total = sizes.reduce((p, s) => p * s, 1);
  const points: SweepPoint[] = [];
  const skipped: SkippedPoint[] = [];
  const idx = sizes.map(() => 0);
  for (let n = 0; n < total; n++) {
    let r = n;
    for (let i = sizes.length - 1; i >= 0; i--) {
      idx[i] = r % sizes[i]!;
      r = Math.floor(r / sizes[i]!);
    }
    const chosen = new Map<string, AxisValue>();
    dims.forEach((d, i) => d.forEach((a) => chosen.set(a.name, a.values[idx[i]!]!)));
    const params: Record<string, AxisValue> = {};
    for (const a of AXES) {
      // io-rate falls back to the workload's own rate (workload precedes it in AXES)
      const v = chosen.get(a.name) ?? a.fallback ?? (a.name === "io-rate" ? ioFallback.get(String(params.workload)) : undefined);
      if (v !== undefined) params[a.column] = v;
    }
    for (const a of [...HW_AXES, ...COST_AXES]) {
      const v = chosen.get(a.name);
      if (v !== undefined) params[a.column] = v;
    }
    const reason = forbidden(params, base, profiles);
    if (reason) skipped.push({ params, reason });
    else points.push({ point: points.length, params });
  }
  return { spec, model, fingerprint: specFingerprint(spec, model), columns, points, skipped, runs: points.length * spec.seeds.length };
}

function forbidden(params: { readonly [column: string]: AxisValue }, base: Costs, profiles: Profiles): string | undefined {
  try {
    const o = pointRunOptions({ ...params, seed: 1 }, base, profiles);
    validateRunOptions(o);
    return undefined;
  } catch (e) {
    if (e instanceof ConfigError || e instanceof LimitError) return e.message;
    throw e;
  }
}

/** Grid input -> plan, for notebooks: `runSweep(planSweep({ axes: { depth: [1, 2, 3] }, seeds: 3 }))`. */
export function planSweep(g: GridInput, baseCosts?: Costs): SweepPlan {
  return planSpec(gridSpec(g, FLAG_WHERE, baseCosts));
}

/** Reads and validates `--grid FILE`. */
export function readGridFile(file: string): GridInput {
  const obj = readJsonInput(file, "grid", "a JSON grid file");
  if (typeof obj !== "object" || obj === null || Array.isArray(obj)) {
    throw new ConfigError("grid", file, "a JSON grid file: an object with keys axes, zip, seeds, seed, costs");
  }
  return obj as GridInput;
}

/** The parameters of run `run` of a plan (the seed is the innermost axis). */
export function runAt(plan: SweepPlan, run: number): { point: number; replicate: number; params: { readonly [column: string]: AxisValue } } {
  const k = plan.spec.seeds.length;
  const point = Math.floor(run / k);
  const replicate = run % k;
  const p = plan.points[point];
  if (!p) throw new RangeError(`run ${run} is outside the plan (${plan.runs} runs)`);
  return { point, replicate, params: { ...p.params, seed: plan.spec.seeds[replicate]! } };
}

/** The axes a spec varies (more than one value), by name: what tells its points apart in listings. */
export function sweptAxes(spec: SweepSpec): string[] {
  return [...spec.axes, ...spec.zip.flat()].filter((a) => a.values.length > 1).map((a) => a.name);
}

/** `name=value` text of the given axes of a point, e.g. for the list of skipped combinations. */
export function describeParams(params: { readonly [column: string]: AxisValue }, names: readonly string[]): string {
  return names
    .map((n) => findAxis(n))
    .filter((a): a is Axis => a !== undefined && params[a.column] !== undefined)
    .map((a) => `${a.name}=${String(params[a.column])}`)
    .join(" ");
}
