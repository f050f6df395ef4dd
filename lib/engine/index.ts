/**
 * The engine's door, for those who need its workings (tests, benchmarks, tools that drive a machine directly); the
 * library's public door is lib/index.ts.
 *
 *   lib/engine/machine.ts   the hot core: charge, run a compiled path, sysreg access, trap, handle at a level, ERET
 *   lib/engine/events.ts    trap events (interned), the reasons and the events the engine raises
 *   lib/engine/layout.ts    the flat totals: counter indices, mechanisms, readers
 *   lib/engine/access.ts    system register accesses resolved once from lib/arch/sysregs.ts
 *   lib/engine/compile.ts   the path compiler (folded segments)
 *   lib/engine/memo.ts      the fast engine's memo: keys derived from the types, records, replay
 *   lib/engine/engine.ts    the Engine interface that lib/kvm is written against
 *   lib/engine/leaf.ts      the drivers' vocabulary: leaf and host events
 *   lib/kvm/                the KVM behaviour beside its paths (paths.ts, steps.ts, handlers.ts, fpsimd.ts, ...)
 */
export { ACCESS, type SysregAccess } from "./access";
export { EXCEPTION_CLASSES, type ExceptionClass } from "../arch/exceptions";
export { fpStateBytes } from "../arch/sve";
export { NVHE_HYP_ENCODING, resolveGuestHypAccess, type SysRegClass, type SysRegName, SYSREGS, trapHandling } from "../arch/sysregs";
export { COUNTER_FIELDS, type CounterField, type LevelCounters } from "./counters";
export type { Engine, Handler, StepFn } from "./engine";
export { TraceState, type TraceSink } from "./tracing";
export { EV_HVC, EV_MMIO_KERNEL, EV_MMIO_USER, type HostIrqWork, Trap, TRAP_REASONS, type TrapEvent, trapEvent, type TrapReason } from "./events";
export { type FpInclusive, MECHANISMS, type Mechanism } from "./layout";
export { applyHostEvent, applyLeafEvent, HOST_EVENTS, type HostEvent, hostEvent, LEAF_EVENTS, type LeafEvent } from "./leaf";
export { ENGINE_KINDS, type EngineKind, Machine, type MachineOptions } from "./machine";
export { CONFIG_IN_MEMO_KEY, LEVEL_STATE_IN_KEY, PACK_SOURCE } from "./memo";
export type { FpBinding, FpObserver, LevelState, VcpuContext } from "./types";
export { FP_POLICIES, type FpPolicy } from "../kvm/policy";
export { FpOracle, type Tag, type Violation } from "../oracle/oracle";
export { runSchedule, shrink, stepAlphabet } from "../oracle/check";
export { PATH_DEFS, type PathName, PATHS } from "../kvm/paths";
export { STEPS } from "../kvm/steps";
export { HANDLERS } from "../kvm/handlers";
