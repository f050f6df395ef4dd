import { COST_NAMES, COSTS, type CostName, type Costs } from "../costs/table";
import type { GuestHypFlavour, ModelConfig } from "../kvm/config";
import { BUILTIN_CHANGES } from "../changes/builtin";
import { type Adopted, defaultLevels } from "../changes/change";
import { type RunOptions, runWorkload } from "../run/run";
import { ConfigError, LimitError } from "../util/errors";
import { namedProfile, type WorkloadProfile } from "../workload/profiles";
import type { AxisValue } from "./axes";
import { type Cell, errorCells, metricCells, type SweepRow } from "./rows";

/** The parameters of one run: every parameter column of the plan, seed included. */
export type RunParams = { readonly [column: string]: AxisValue };

/** The workload profiles read from files, by file name (the spec holds them: points never read files). */
export type Profiles = ReadonlyMap<string, WorkloadProfile>;

function profileOf(workload: string, profiles: Profiles): WorkloadProfile {
  const p = namedProfile(workload) ?? profiles.get(workload);
  if (!p) throw new ConfigError("workload", workload, "a named profile, or a profile file the sweep's spec holds");
  return p;
}

const num = (p: RunParams, c: string): number => {
  const v = p[c];
  if (typeof v !== "number") throw new TypeError(`sweep parameter ${c} is not a number: ${String(v)}`);
  return v;
};
const bool = (p: RunParams, c: string): boolean => p[c] === true;

/** `none` / `all` / `0+1` at a depth -> the patched levels (levels beyond the depth are left for validation). */
export function patchLevels(patch: string, depth: number): number[] {
  if (patch === "all") return Array.from({ length: depth }, (_, i) => i);
  if (patch === "none") return [];
  return patch.split("+").map(Number);
}

/** the change axis's value at a depth (`none`, NAME, NAME@LEVELS; lib/sweep/axes.ts) -> the adopted changes */
export function pointChanges(value: string, depth: number): Adopted[] {
  if (value === "none") return [];
  const at = value.indexOf("@");
  const change = BUILTIN_CHANGES.get(at < 0 ? value : value.slice(0, at));
  if (!change) throw new ConfigError("change", value, "a shipped change's name (lib/changes/builtin.ts)");
  return [{ change, levels: at < 0 ? defaultLevels(change, depth) : patchLevels(value.slice(at + 1), depth) }];
}

/** Unit costs of a point: the base costs, then `cost.NAME` values, then `cost-scale.NAME` factors. */
export function pointCosts(p: RunParams, base: Costs): Costs {
  const out = { ...base } as { [K in CostName]: number };
  for (const k of COST_NAMES) {
    const abs = p[`cost.${k}`];
    if (typeof abs === "number") out[k] = abs;
    const scale = p[`costScale.${k}`];
    if (typeof scale === "number") out[k] *= scale;
    // cycle costs stay integers (run totals are exact integers): scaled values are rounded
    if (COSTS[k].unit !== "bytes/cycle") out[k] = Math.round(out[k]);
  }
  return out;
}

/** One sweep point as the options of a fixed-work run (the same function plans, checks and runs it). */
export function pointRunOptions(p: RunParams, base: Costs, profiles: Profiles = new Map()): RunOptions {
  const depth = num(p, "depth");
  const model: ModelConfig = {
    depth,
    nv2: bool(p, "nv2"),
    ecv: bool(p, "ecv"),
    guestHyp: p.guestHyp as GuestHypFlavour,
    patch: patchLevels(String(p.patch), depth),
    sveVl: num(p, "sveVl"),
    el2Vtimer: bool(p, "el2Vtimer"),
    // hardware and VM inputs: columns only when swept (lib/sweep/axes.ts HW_AXES); otherwise the model's defaults
    ...(p.physOffset !== undefined ? { physOffset: bool(p, "physOffset") } : {}),
    ...(p.fgt !== undefined ? { fgt: bool(p, "fgt") } : {}),
    ...(p.nv2p1 !== undefined ? { nv2p1: bool(p, "nv2p1") } : {}),
    ...(p.vpmu !== undefined ? { vpmu: bool(p, "vpmu") } : {}),
    ...(p.lrs !== undefined ? { lrs: num(p, "lrs") } : {}),
    ...(p.change !== undefined && p.change !== "none" ? { changes: pointChanges(String(p.change), depth) } : {}),
    costs: pointCosts(p, base),
  };
  return {
    model,
    profile: profileOf(String(p.workload), profiles),
    ioRate: num(p, "ioRate"),
    durationMs: num(p, "durationMs"),
    seed: num(p, "seed"),
    clockGhz: num(p, "clockGhz"),
    hypHz: num(p, "hypHz"),
    hostPreemptRate: num(p, "hostPreemptRate"),
    hostNeonRate: num(p, "hostNeonRate"),
    engine: "fast",
  };
}

/** Runs one sweep run and returns its row (bookkeeping, parameters in column order, metrics). */
export function runPoint(
  run: { readonly run: number; readonly point: number; readonly replicate: number; readonly params: RunParams },
  columns: readonly string[],
  base: Costs,
  profiles: Profiles = new Map(),
): SweepRow {
  const row: Record<string, Cell> = { run: run.run, point: run.point, replicate: run.replicate };
  for (const c of columns) row[c] = run.params[c] ?? null;
  let metrics: Record<string, Cell>;
  try {
    metrics = metricCells(runWorkload(pointRunOptions(run.params, base, profiles)));
  } catch (e) {
    // a run beyond the engine's limits is a deterministic outcome of its parameters: record it, do not abort
    if (e instanceof LimitError) metrics = errorCells(e.message);
    else throw e;
  }
  return Object.assign(row, metrics);
}
