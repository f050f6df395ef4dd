import { applyHostEvent, applyLeafEvent } from "../engine/leaf";
import { Machine } from "../engine/machine";
import type { FpPolicy } from "../kvm/policy";
import { defaultModelConfig, type ModelConfig, validateModelConfig } from "../kvm/config";
import { Rng } from "../run/rng";
import { FpOracle, tagText, type Violation } from "./oracle";

/**
 * `check`: FP-integrity checking of a policy by running schedules on the hypervisor model with the oracle attached.
 * A step is one scheduled event:
 *   leaf-fp              the leaf uses FP/SIMD (reads its values, writes new ones)
 *   hvc, mmio-kernel, mmio-user, timer, s2fault, wfi
 *                        a leaf exit: nested exceptions and ERETs at every level below, put/loads, VMM round trips
 *   preempt@Lj           level j's host preempts the vcpu thread (sched out: put, another task uses FP, sched in: load)
 *   neon@Lj              kernel-mode NEON at level j (softirq) between two leaf events
 *   neon-window@Lj       arms softirq NEON inside level j's next IN_NESTED_* window (put..load, preemption off)
 *   migrate              L0 moves the vcpu thread to the other physical CPU
 *   leaf-vl              the leaf halves or restores its SVE vector length (only with --sve-vl >= 256)
 */
export type StepName = string;

/** L0 traps one schedule may step with `--engine exact`: depth 4 with NV2 fits, depth 5 without NV2 does not */
export const CHECK_TRAP_BUDGET = 3_000_000;

/**
 * FP/SVE state movements the oracle may follow in one schedule (either engine; ~10 s of oracle work): the baseline at
 * depth 8 with NV2 and SVE makes ~7 million per schedule; depth 8 without NV2 makes billions, and is refused.
 */
export const CHECK_OBSERVATION_BUDGET = 500_000_000;

export interface CheckConfig {
  readonly model: ModelConfig;
  readonly policy: FpPolicy;
  /**
   * fast (default): memoized trap handling, whose records replay the FP observer calls the stepped handling made, so
   * the oracle sees the identical sequence (tested against exact); exact: every operation stepped, within
   * CHECK_TRAP_BUDGET per schedule.
   */
  readonly engine?: "fast" | "exact";
}

export function stepAlphabet(depth: number, sveVl: number): StepName[] {
  const steps: StepName[] = ["leaf-fp", "hvc", "mmio-kernel", "mmio-user", "timer", "s2fault", "wfi"];
  for (let j = 0; j < depth; j++) steps.push(`preempt@L${j}`, `neon@L${j}`);
  for (let j = 0; j < depth - 1; j++) steps.push(`neon-window@L${j}`);
  steps.push("migrate");
  if (sveVl >= 256) steps.push("leaf-vl");
  return steps;
}

interface Sim {
  readonly m: Machine;
  readonly o: FpOracle;
}

function newSim(c: CheckConfig): Sim {
  const o = new FpOracle(c.model.depth, c.model.sveVl);
  const m = new Machine(
    { ...c.model, fpPolicy: c.policy },
    // the exact engine refuses configurations beyond its budget instead of running for hours
    { engine: c.engine ?? "fast", trapBudget: CHECK_TRAP_BUDGET, oracle: o, observationBudget: CHECK_OBSERVATION_BUDGET },
  );
  return { m, o };
}

function apply(sim: Sim, step: StepName): void {
  const { m, o } = sim;
  switch (step) {
    case "leaf-fp":
      applyLeafEvent(m, "fp");
      return;
    case "hvc":
    case "mmio-kernel":
    case "mmio-user":
    case "timer":
    case "s2fault":
    case "wfi":
      applyLeafEvent(m, step);
      return;
    case "migrate":
      applyHostEvent(m, "migrate", 0);
      return;
    case "leaf-vl":
      o.setLeafVl(o.leafVl === o.maxVl ? o.maxVl / 2 : o.maxVl);
      applyLeafEvent(m, "fp");
      return;
  }
  const at = step.indexOf("@L");
  const kind = step.slice(0, at);
  const j = Number(step.slice(at + 2));
  if (kind === "preempt" || kind === "neon") applyHostEvent(m, kind, j);
  else if (kind === "neon-window") m.armWindowNeon(j);
  else throw new Error(`unknown step ${step}`);
}

/**
 * The step every schedule ends with, after its own steps (so a schedule of no steps is this step alone): the leaf uses
 * FP/SIMD once more, so state lost or leaked by the last step is read and shows.
 */
export const FINAL_STEP: StepName = "leaf-fp";

/** What `violations` counts: schedules with at least one wrong read (a schedule stops at its first), not reads. */
export const VIOLATION_UNIT = "schedules";

/** Runs a schedule; returns the index of the step at which the first violation appeared, or -1. */
export function runSchedule(c: CheckConfig, schedule: readonly StepName[]): { at: number; violation?: Violation } {
  const sim = newSim(c);
  for (let i = 0; i < schedule.length; i++) {
    apply(sim, schedule[i]!);
    const v = sim.o.violations[0];
    if (v) return { at: i, violation: v };
  }
  // a final read by the leaf and by every VMM: state lost at the end must show too
  apply(sim, FINAL_STEP);
  const v = sim.o.violations[0];
  return v ? { at: schedule.length, violation: v } : { at: -1 };
}

/** ddmin-style shrinking: a minimal schedule (no single step removable) that still violates. */
export function shrink(c: CheckConfig, schedule: readonly StepName[]): StepName[] {
  let cur = schedule.slice(0, Math.min(schedule.length, runSchedule(c, schedule).at + 1));
  let chunk = Math.max(1, Math.floor(cur.length / 2));
  while (chunk >= 1) {
    let removed = false;
    for (let i = 0; i + chunk <= cur.length; ) {
      const cand = [...cur.slice(0, i), ...cur.slice(i + chunk)];
      if (runSchedule(c, cand).at >= 0) {
        cur = cand;
        removed = true;
      } else i += chunk;
    }
    if (!removed) chunk = Math.floor(chunk / 2);
  }
  return cur;
}

export interface FirstViolation {
  readonly schedule: readonly StepName[];
  readonly reader: string;
  readonly level: number;
  readonly expected: string;
  readonly got: string;
  readonly text: string;
  /** the step run after the schedule's own steps (every schedule ends with it): FINAL_STEP */
  readonly finalStep: StepName;
  /** 1-based index of the step whose handling read the wrong values; schedule.length + 1 when it was the final step */
  readonly atStep: number;
}

export interface CheckResult {
  readonly policy: FpPolicy;
  readonly depth: number;
  readonly patch: readonly number[];
  readonly sveVl: number;
  readonly mode: "random" | "exhaustive";
  readonly engine: "fast" | "exact";
  readonly steps: number;
  readonly schedules: number;
  readonly maxLen?: number;
  readonly violations: number;
  /** what `violations` counts: VIOLATION_UNIT, schedules that violated (each once, at its first wrong read) */
  readonly violationUnit: typeof VIOLATION_UNIT;
  /** the step every schedule ends with after its own steps */
  readonly finalStep: StepName;
  readonly firstViolation: FirstViolation | null;
}

function describe(c: CheckConfig, schedule: readonly StepName[]): FirstViolation {
  const r = runSchedule(c, schedule);
  const v = r.violation!;
  const where = r.at < schedule.length ? `during step ${r.at + 1} (${schedule[r.at]})` : `at the final ${FINAL_STEP}`;
  const steps = schedule.length === 0 ? `no steps, then the final ${FINAL_STEP}` : `${schedule.join(" -> ")}, then the final ${FINAL_STEP}`;
  const text =
    `schedule [${schedule.join(" -> ")}] (${steps} every schedule ends with): ${where}, ` +
    `${v.reader} (L${v.level}) read ${tagText(v.got)} instead of its own ${tagText(v.expected)} on CPU ${v.cpu}`;
  return { schedule, reader: v.reader, level: v.level, expected: tagText(v.expected), got: tagText(v.got), text, finalStep: FINAL_STEP, atStep: r.at + 1 };
}

export interface CheckOptions {
  readonly steps: number;
  readonly seed: number;
  /** length of each random schedule (each starts from a fresh system) */
  readonly scheduleLength?: number;
  readonly progress?: (done: number, total: number, what: string) => void;
}

export function checkRandom(c: CheckConfig, o: CheckOptions): CheckResult {
  validateModelConfig(c.model);
  const alphabet = stepAlphabet(c.model.depth, c.model.sveVl);
  const len = o.scheduleLength ?? 48;
  const rng = new Rng(o.seed, 7);
  let done = 0;
  let schedules = 0;
  let violations = 0;
  let first: StepName[] | undefined;
  while (done < o.steps) {
    const n = Math.min(len, o.steps - done);
    const sched = Array.from({ length: n }, () => alphabet[rng.u32() % alphabet.length]!);
    schedules++;
    done += n;
    if (runSchedule(c, sched).at >= 0) {
      violations++;
      if (!first) first = shrink(c, sched);
    }
    // after every schedule: the printer decides what to show (lib/cli/progress.ts), so deep schedules report too
    o.progress?.(done, o.steps, "check steps");
  }
  o.progress?.(done, o.steps, "check steps");
  return result(c, "random", done, schedules, violations, first);
}

/** Every schedule of length 0..maxLen over the step alphabet (bounded model checking). */
export function checkExhaustive(c: CheckConfig, maxLen: number, progress?: CheckOptions["progress"]): CheckResult {
  validateModelConfig(c.model);
  const alphabet = stepAlphabet(c.model.depth, c.model.sveVl);
  let total = 0;
  for (let l = 0; l <= maxLen; l++) total += alphabet.length ** l;
  let schedules = 0;
  let steps = 0;
  let violations = 0;
  let first: StepName[] | undefined;
  const sched: StepName[] = [];
  const visit = (depthLeft: number): void => {
    schedules++;
    steps += sched.length;
    if (runSchedule(c, sched).at >= 0) {
      violations++;
      if (!first || sched.length < first.length) first = shrink(c, sched);
      return; // its extensions violate too; they are not counted again
    }
    progress?.(schedules, total, "check schedules");
    if (depthLeft === 0) return;
    for (const s of alphabet) {
      sched.push(s);
      visit(depthLeft - 1);
      sched.pop();
    }
  };
  visit(maxLen);
  progress?.(total, total, "check schedules");
  return { ...result(c, "exhaustive", steps, schedules, violations, first), maxLen };
}

function result(c: CheckConfig, mode: "random" | "exhaustive", steps: number, schedules: number, violations: number, first: StepName[] | undefined): CheckResult {
  return {
    policy: c.policy,
    depth: c.model.depth,
    patch: c.model.patch,
    sveVl: c.model.sveVl,
    mode,
    engine: c.engine ?? "fast",
    steps,
    schedules,
    violations,
    violationUnit: VIOLATION_UNIT,
    finalStep: FINAL_STEP,
    firstViolation: first ? describe(c, first) : null,
  };
}

export function checkConfig(depth: number, policy: FpPolicy, over: Partial<ModelConfig> = {}): CheckConfig {
  return { model: defaultModelConfig({ depth, ...over }), policy };
}
