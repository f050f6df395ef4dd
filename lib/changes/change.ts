import { STEP_NAMES, type StepName } from "../kvm/ops";
import { PATH_DEFS, type PathName } from "../kvm/paths";
import { ConfigError } from "../util/errors";
import { didYouMean, nearest } from "../util/text";

/**
 * A kernel change as data (docs/changes.md): the steps and paths of lib/kvm it alters, each under a condition on the
 * vcpu's nested-transition flags, where it comes from, and the levels that adopt it by default. The engine applies an
 * adopted change through per-level tables (lib/changes/tables.ts) at the one place steps and paths are dispatched
 * (lib/engine/machine.ts), so a change needs no engine code; the FP-elision change itself is one (builtin.ts).
 */

/**
 * When an edit applies, as the vcpu flags of the level whose KVM runs the target (arm64 kvm_host.h vcpu_flags):
 * inside kvm_emulate_nested_eret's put/load (IN_NESTED_ERET), inside kvm_inject_nested's (IN_NESTED_EXCEPTION),
 * either (IN_NESTED), neither (OUTSIDE_NESTED: ordinary vcpu_put/vcpu_load, exits, entries), or always.
 */
export const CONDITIONS = ["always", "IN_NESTED_ERET", "IN_NESTED_EXCEPTION", "IN_NESTED", "OUTSIDE_NESTED"] as const;
export type Condition = (typeof CONDITIONS)[number];

/** the state bits a condition covers: 1 IN_NESTED_ERET, 2 IN_NESTED_EXCEPTION, 4 outside both */
export const CONDITION_MASK: Readonly<Record<Condition, number>> = {
  always: 7,
  IN_NESTED_ERET: 1,
  IN_NESTED_EXCEPTION: 2,
  IN_NESTED: 3,
  OUTSIDE_NESTED: 4,
};

/**
 * What an edit does to its target while its condition holds: `drop` skips it; `guard` runs it only while the
 * condition holds (skips it otherwise); `replace` runs the step named by `with` instead (steps only).
 */
export const ACTIONS = ["drop", "guard", "replace"] as const;
export type Action = (typeof ACTIONS)[number];

/** One alteration: a step (`step NAME` in a path) or a whole path (wherever it runs or is called). */
export interface Edit {
  readonly step?: StepName;
  readonly path?: PathName;
  readonly action: Action;
  /** default "always" */
  readonly when: Condition;
  /** the replacement step (action "replace") */
  readonly with?: StepName;
}

/** Default adoption: every hypervisor level, none, or a list of levels (those beyond the depth are left out). */
export type DefaultLevels = "all" | "none" | readonly number[];

export interface Change {
  /** a lowercase name: letters, digits and dashes */
  readonly name: string;
  /** one line: what the change does */
  readonly title: string;
  /** where it comes from: "hypothetical", or a citation (a patch, a commit, a discussion) */
  readonly origin: string;
  /** why it could be correct, and what a real patch would have to argue */
  readonly rationale: string;
  readonly levels: DefaultLevels;
  readonly edits: readonly Edit[];
}

export const CHANGE_FIELDS = ["name", "title", "origin", "rationale", "levels", "edits"] as const;
const EDIT_FIELDS = ["step", "path", "action", "when", "with"] as const;
const PATH_NAMES = Object.keys(PATH_DEFS) as PathName[];
const NAME_RE = /^[a-z][a-z0-9-]{0,63}$/;

const kind = (v: unknown): string => (v === null ? "null" : Array.isArray(v) ? "an array" : typeof v === "object" ? "an object" : `a ${typeof v}`);

/**
 * Validates a change given as parsed JSON (or a TypeScript object). Every error is a ConfigError on `field` (the
 * command-line option, `change`), naming the source, the member at fault and what it accepts.
 */
export function validateChange(obj: unknown, source: string, field = "change"): Change {
  const bad = (member: string, value: unknown, accepted: string): ConfigError =>
    new ConfigError(field, `${source}: ${member}=${typeof value === "string" ? value : JSON.stringify(value) ?? String(value)}`, accepted);
  if (typeof obj !== "object" || obj === null || Array.isArray(obj)) {
    throw new ConfigError(field, source, `a JSON change file: an object with ${CHANGE_FIELDS.join(", ")} (this file holds ${kind(obj)})`);
  }
  const o = obj as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!(CHANGE_FIELDS as readonly string[]).includes(k)) {
      throw new ConfigError(field, `${source}: ${k}`, `change fields ${CHANGE_FIELDS.join(", ")}${didYouMean(nearest(k, CHANGE_FIELDS))}`);
    }
  }
  for (const k of CHANGE_FIELDS) {
    if (!Object.hasOwn(o, k)) throw new ConfigError(field, source, `a change with every field: ${CHANGE_FIELDS.join(", ")} (missing: ${k})`);
  }
  if (typeof o.name !== "string" || !NAME_RE.test(o.name)) throw bad("name", o.name, "a lowercase name of letters, digits and dashes (1..64, starting with a letter)");
  for (const k of ["title", "origin", "rationale"] as const) {
    const v = o[k];
    if (typeof v !== "string" || v.trim().length === 0 || /[\u0000-\u001f\u007f]/.test(v)) {
      throw bad(k, v, k === "origin" ? `"hypothetical", or a citation of the patch or discussion it comes from (one non-empty line)` : "a non-empty line of text");
    }
  }
  const levels = o.levels;
  const levelsOk =
    levels === "all" ||
    levels === "none" ||
    (Array.isArray(levels) && levels.length > 0 && levels.every((l, i) => Number.isInteger(l) && (l as number) >= 0 && (l as number) < 8 && levels.indexOf(l) === i));
  if (!levelsOk) throw bad("levels", levels, `"all", "none", or a list of distinct hypervisor levels 0..7, like [0, 1]`);
  if (!Array.isArray(o.edits) || o.edits.length === 0) throw bad("edits", o.edits, "a non-empty list of edits, each {step|path, action, when}");
  const edits = o.edits.map((e: unknown, i: number) => validateEdit(e, i, bad));
  return {
    name: o.name,
    title: o.title as string,
    origin: o.origin as string,
    rationale: o.rationale as string,
    levels: (Array.isArray(levels) ? [...(levels as number[])].sort((a, b) => a - b) : levels) as DefaultLevels,
    edits,
  };
}

function validateEdit(e: unknown, i: number, bad: (m: string, v: unknown, a: string) => ConfigError): Edit {
  const at = `edits[${i}]`;
  if (typeof e !== "object" || e === null || Array.isArray(e)) throw bad(at, e, "an edit object {step|path, action, when, with}");
  const o = e as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (!(EDIT_FIELDS as readonly string[]).includes(k)) throw bad(`${at}.${k}`, o[k], `edit fields ${EDIT_FIELDS.join(", ")}${didYouMean(nearest(k, EDIT_FIELDS))}`);
  }
  const hasStep = Object.hasOwn(o, "step");
  const hasPath = Object.hasOwn(o, "path");
  if (hasStep === hasPath) throw bad(at, e, "an edit naming exactly one target: step (a step name) or path (a path name)");
  if (hasStep && !(typeof o.step === "string" && (STEP_NAMES as readonly string[]).includes(o.step))) {
    throw bad(`${at}.step`, o.step, `a step name${didYouMean(nearest(String(o.step), STEP_NAMES))} (all: ${STEP_NAMES.join(", ")})`);
  }
  if (hasPath && !(typeof o.path === "string" && Object.hasOwn(PATH_DEFS, o.path))) {
    throw bad(`${at}.path`, o.path, `a path name${didYouMean(nearest(String(o.path), PATH_NAMES))} (all: ${PATH_NAMES.join(", ")})`);
  }
  if (!(typeof o.action === "string" && (ACTIONS as readonly string[]).includes(o.action))) throw bad(`${at}.action`, o.action, ACTIONS.join(", "));
  const when = o.when === undefined ? "always" : o.when;
  if (!(typeof when === "string" && (CONDITIONS as readonly string[]).includes(when))) {
    throw bad(`${at}.when`, o.when, `a condition: ${CONDITIONS.join(", ")}${didYouMean(nearest(String(o.when), CONDITIONS))}`);
  }
  const action = o.action as Action;
  if (action === "guard" && when === "always") throw bad(`${at}.when`, when, `a condition other than always for guard (guard runs the target only while it holds): ${CONDITIONS.slice(1).join(", ")}`);
  if (action === "replace") {
    if (!hasStep) throw bad(`${at}.action`, action, "drop or guard for a path (replace applies to steps)");
    if (!(typeof o.with === "string" && (STEP_NAMES as readonly string[]).includes(o.with))) {
      throw bad(`${at}.with`, o.with, `the replacement step's name${didYouMean(nearest(String(o.with), STEP_NAMES))} (all: ${STEP_NAMES.join(", ")})`);
    }
    if (o.with === o.step) throw bad(`${at}.with`, o.with, "a step other than the one replaced");
  } else if (Object.hasOwn(o, "with")) throw bad(`${at}.with`, o.with, "no `with` unless action is replace");
  return {
    ...(hasStep ? { step: o.step as StepName } : { path: o.path as PathName }),
    action,
    when: when as Condition,
    ...(action === "replace" ? { with: o.with as StepName } : {}),
  };
}

/** The levels a change's default adoption gives at a depth (hypervisor levels 0..depth-1). */
export function defaultLevels(c: Change, depth: number): number[] {
  if (c.levels === "none") return [];
  if (c.levels === "all") return Array.from({ length: depth }, (_, i) => i);
  return c.levels.filter((l) => l < depth);
}

/** An adopted change: the change and the levels whose KVM carries it. */
export interface Adopted {
  readonly change: Change;
  readonly levels: readonly number[];
}

/** the steps that move or re-own FP/SVE state (lib/kvm/fpsimd.ts), and the steps that run put/load (which hold them) */
const FP_STEPS: ReadonlySet<string> = new Set(["putFp", "loadFp", "ctxflushFp", "ctxsyncFp", "lazySwitchToGuest", "lazySwitchToHost", "vcpuPut", "vcpuLoad"]);

/** whether a path's operations, or those of the paths it calls, include an FP step */
function pathTouchesFp(name: PathName, seen: Set<string> = new Set()): boolean {
  if (seen.has(name)) return false;
  seen.add(name);
  for (const op of PATH_DEFS[name].ops as readonly string[]) {
    if (op.startsWith("step ") && FP_STEPS.has(op.slice(5))) return true;
    if (op.startsWith("call ") && pathTouchesFp(op.slice(5) as PathName, seen)) return true;
  }
  return false;
}

/**
 * Whether a change alters FP/SVE state handling: an edit whose target (or replacement) is an FP step or a path that
 * runs one. `check`'s oracle follows FP/SVE register contents only, so it judges exactly these changes.
 */
export function touchesFp(c: Change): boolean {
  return c.edits.some((e) => (e.step !== undefined && FP_STEPS.has(e.step)) || (e.with !== undefined && FP_STEPS.has(e.with)) || (e.path !== undefined && pathTouchesFp(e.path)));
}

/** the targets of a change's edits, for notes: `step putFp`, `path timerLoadNested` */
export function editTargets(c: Change): string[] {
  return c.edits.map((e) => (e.step !== undefined ? `step ${e.step}` : `path ${e.path}`));
}
