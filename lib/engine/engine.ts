import type { CostName } from "../costs/table";
import type { ModelConfig } from "../kvm/config";
import type { Op } from "../kvm/ops";
import type { Path } from "../kvm/paths";
import type { SysregAccess } from "./access";
import type { Trap } from "./events";
import type { TraceState } from "./tracing";
import type { FpObserver, LevelState } from "./types";

/**
 * The engine as the KVM behaviour (lib/kvm) sees it: what a kernel function modelled there may do. Machine implements
 * it; lib/kvm imports no engine value that could call back into the machine, so the dependency runs one way
 * (engine core -> kvm behaviour -> this interface).
 *
 * Levels: `j` is the level whose KVM acts (0 = L0 on hardware); `k` the level whose software performs an operation.
 * Cycles are charged to the mechanism in force (setMech), which a kernel function sets around what it does.
 */
export interface Engine {
  readonly cfg: ModelConfig;
  readonly depth: number;
  readonly levels: readonly LevelState[];
  /** bytes of one FP/SVE register file at this configuration's vector length */
  readonly fpBytes: number;
  /** cycles of one FP/SVE register-file transfer */
  readonly fpMoveCycles: number;
  readonly oracle: FpObserver | undefined;
  /** the machine's tracepoints: emit at a site with `if (m.trace.active) traceX(m, ...)` (lib/trace/emit.ts) */
  readonly trace: TraceState;
  /** simulated cycles so far (the records' time stamps) */
  readonly cycles: number;

  /** preempt_disable() depth (nested put/loads, preempt notifiers) */
  preemptOff: number;
  /** the physical CPU the vcpu thread of L0 runs on */
  cpu: number;
  /** each physical CPU's fp_owner as last left (L0 is on hardware) */
  readonly cpuFpOwner: boolean[];

  /** charges cycles to software at `level` under the mechanism in force */
  charge(level: number, cycles: number): void;
  /** charges one unit cost */
  cost(level: number, name: CostName): void;
  /** adds n to counter `field` (a layout F_* index) of level j */
  bump(j: number, field: number, n?: number): void;
  /** sets the mechanism cycles are charged to (a layout MECH_* index); returns the previous one to restore */
  setMech(mech: number): number;

  /** a system register access by software at level k (native, VNCR memory or a trap, by the register table) */
  sr(k: number, a: SysregAccess): void;
  /** runs a path at level k */
  run(k: number, p: Path): void;
  /** runs a path at level k with its cycles charged to mechanism `mech` */
  runAs(mech: number, k: number, p: Path): void;
  /** one operation, stepped */
  exec(k: number, op: Op): void;
  /** a hardware exception taken from software at level k */
  trap(k: number, ev: Trap): void;
  /** ERET by level j's software: into its guest, or (InHost) to its own userspace */
  eret(j: number, to: "guest" | "inhost"): void;

  /** whether an adopted change skips step `step` (an index into STEP_NAMES) at level j in its current state (lib/changes) */
  stepSkipped(j: number, step: number): boolean;

  /** opens an inclusive FP frame: returns its start (or -1 when nested in another frame) */
  fpBegin(): number;
  /** closes it, adding its cycles to the inclusive FP slot (layout FP_*) and to level j's FP detail */
  fpEnd(slot: number, start: number, j: number): void;
  /** cycles of one FP/SVE register-file transfer (layout FP_MOVES), wherever it happens */
  fpMoved(cycles: number): void;
  /** put_fp / load_fp work at level j outside any FP frame (layout FPD_PUTFP) */
  fpOutside(j: number, cycles: number): void;
  /** one FP observer call (lib/engine/observe codes) */
  observe(kind: number, level: number, a: number, b: number): void;
}

/** A stateful step of a path (`step NAME`), following one kernel function at level j. */
export type StepFn = (m: Engine, j: number) => void;

/** The exit handler of a trap reason at the owning level j (`from`: the level whose software trapped). */
export type Handler = (m: Engine, j: number, ev: Trap, from: number) => void;
