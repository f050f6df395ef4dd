import type { ModelConfig } from "../kvm/config";
import { STEP_INDEX, STEP_NAMES } from "../kvm/ops";
import { PATH_COUNT, PATHS } from "../kvm/paths";
import { CONDITION_MASK, type Edit } from "./change";
import { fpPolicyEdits } from "./builtin";

/**
 * The per-level tables through which the engine applies adopted changes: for each step and path, the set of vcpu
 * states (CONDITION_MASK bits: 1 IN_NESTED_ERET, 2 IN_NESTED_EXCEPTION, 4 outside both) in which it is skipped, and
 * for steps the states in which another step replaces it. Built once per machine from the configuration: the
 * FP-elision change at the levels of ModelConfig.patch (under ModelConfig.fpPolicy) and every ModelConfig.changes
 * entry at its levels. Edits of several changes on one target combine: skipped if any skips, replaced by the last.
 */
export interface LevelEdits {
  readonly stepSkip: Uint8Array;
  readonly stepReplace: Uint8Array;
  readonly stepWith: Int16Array;
  readonly pathSkip: Uint8Array;
}

/** the vcpu state of a level as a CONDITION_MASK bit */
export function stateBit(inNestedEret: boolean, inNestedException: boolean): number {
  return inNestedEret ? 1 : inNestedException ? 2 : 4;
}

function emptyLevel(): LevelEdits {
  return {
    stepSkip: new Uint8Array(STEP_NAMES.length),
    stepReplace: new Uint8Array(STEP_NAMES.length),
    stepWith: new Int16Array(STEP_NAMES.length).fill(-1),
    pathSkip: new Uint8Array(PATH_COUNT),
  };
}

function applyEdit(t: LevelEdits, e: Edit): void {
  const mask = CONDITION_MASK[e.when];
  const skip = e.action === "drop" ? mask : e.action === "guard" ? 7 & ~mask : 0;
  if (e.step !== undefined) {
    const i = STEP_INDEX[e.step];
    t.stepSkip[i]! |= skip;
    if (e.action === "replace") {
      t.stepReplace[i]! |= mask;
      t.stepWith[i] = STEP_INDEX[e.with!];
    }
  } else if (e.path !== undefined) t.pathSkip[PATHS[e.path].id]! |= skip;
}

/** Per-level edit tables of a configuration, or undefined when no level carries any edit (the engine's fast case). */
export function levelEdits(cfg: ModelConfig): readonly (LevelEdits | undefined)[] | undefined {
  const out: (LevelEdits | undefined)[] = new Array(cfg.depth).fill(undefined);
  let any = false;
  const add = (j: number, edits: readonly Edit[]): void => {
    if (edits.length === 0 || j >= cfg.depth) return;
    const t = (out[j] ??= emptyLevel());
    for (const e of edits) applyEdit(t, e);
    any = true;
  };
  const fp = fpPolicyEdits(cfg.fpPolicy ?? "nv-fp-elision");
  for (const j of cfg.patch) add(j, fp);
  for (const a of cfg.changes ?? []) for (const j of a.levels) add(j, a.change.edits);
  return any ? out : undefined;
}
