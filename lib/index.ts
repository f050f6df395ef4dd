/**
 * nestlab public API: the only door into the library (notebooks and tools import from here).
 *
 * Pipeline: ModelConfig (lib/kvm/config) -> Machine (lib/engine/machine: the exact nesting engine running the KVM
 * paths of lib/kvm/paths at every level, costed by lib/costs/table) -> drivers (lib/micro) -> results.
 */
export { EXCEPTION_CLASSES, type ExceptionClass } from "./arch/exceptions";
export { fpStateBytes, SVE_VECTOR_LENGTHS, type SveVectorLength } from "./arch/sve";
export { resolveGuestHypAccess, type SysRegClass, type SysRegName, SYSREGS } from "./arch/sysregs";
export { COST_NAMES, type CostBasis, type CostEntry, type CostName, type Costs, COSTS, defaultCosts } from "./costs/table";
export { COUNTER_FIELDS, type CounterField, type LevelCounters } from "./engine/counters";
export {
  type EngineEvent,
  type EngineListener,
  Machine,
  MECHANISMS,
  type Mechanism,
  type TrapEvent,
  type TrapReason,
} from "./engine/machine";
export { defaultModelConfig, type GuestHypFlavour, MAX_DEPTH, type ModelConfig, validateModelConfig } from "./kvm/config";
export { PATH_DEFS, type PathName, PATHS } from "./kvm/paths";
export { MICRO_OPS, type MicroOp, type MicroResult, runMicro } from "./micro/micro";
export { ConfigError, LimitError } from "./util/errors";
