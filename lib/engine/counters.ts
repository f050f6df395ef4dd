import { EXCEPTION_CLASS_NAMES, type ExceptionClass } from "../arch/exceptions";

/**
 * What the engine counts, per level whose KVM acted (docs/counters.md "Counter fields"). All fields are exact integers.
 * - l0Traps: hardware exceptions taken to L0 from any guest context (only level 0 has them).
 * - exits: exceptions entering this level's hypervisor from its guest (at L0: = l0Traps), by exception class.
 * - fullExits / fastExits: of those, handled after a full exit or completed on the hyp fast path (incl. forwards).
 * - nestedExceptions / nestedErets: put/load transitions into / out of the guest hypervisor's vEL2.
 * - directInjects, fastErets: the transitions that need no put/load.
 * - fpSaves / fpRestores / fpTraps: FP/SVE state saved by put/load, restored by the lazy trap, traps handled here.
 * - fpSavesElided / fpLoadsElided: put_fp / load_fp calls that returned early under IN_NESTED_* (patch).
 * - fpBytes: bytes moved by this level's FP/SVE saves and restores.
 * - vncrAccesses: VNCR-page memory accesses performed by this level's software (NV2).
 * - vcpuPuts / vcpuLoads: kvm_arch_vcpu_put / load executions.
 * - cycles: cycles executed by this level's software (its hypervisor code, or L0's hardware exception entry/return).
 */
export const COUNTER_FIELDS = [
  "l0Traps",
  "exits",
  "fullExits",
  "fastExits",
  "nestedExceptions",
  "nestedErets",
  "directInjects",
  "fastErets",
  "fpTraps",
  "fpSaves",
  "fpRestores",
  "fpSavesElided",
  "fpLoadsElided",
  "fpBytes",
  "vncrAccesses",
  "vcpuPuts",
  "vcpuLoads",
  "hostFpSaves",
  "hostFpRestores",
  "cycles",
] as const;

export type CounterField = (typeof COUNTER_FIELDS)[number];

export type LevelCounters = { [K in CounterField]: number } & { exitsByClass: Partial<Record<ExceptionClass, number>> };

export function newLevelCounters(): LevelCounters {
  // every exception class present from the start: a stable object shape keeps the engine's updates fast
  const byClass: Partial<Record<ExceptionClass, number>> = {};
  for (const ec of EXCEPTION_CLASS_NAMES) byClass[ec] = 0;
  const c = { exitsByClass: byClass } as LevelCounters;
  for (const f of COUNTER_FIELDS) c[f] = 0;
  return c;
}

export function addLevelCounters(into: LevelCounters, from: LevelCounters, scale = 1): void {
  for (const f of COUNTER_FIELDS) into[f] += from[f] * scale;
  for (const [k, v] of Object.entries(from.exitsByClass) as [ExceptionClass, number][]) {
    into.exitsByClass[k] = (into.exitsByClass[k] ?? 0) + v * scale;
  }
}

export function cloneLevelCounters(c: LevelCounters): LevelCounters {
  const out = newLevelCounters();
  addLevelCounters(out, c);
  return out;
}

export function diffLevelCounters(a: LevelCounters, b: LevelCounters): LevelCounters {
  const out = cloneLevelCounters(a);
  addLevelCounters(out, b, -1);
  return out;
}
