/**
 * The state the engine and the KVM behaviour (lib/kvm) share: one LevelState per hypervisor level, and the observer
 * that follows FP/SVE register contents (the correctness oracle).
 */

/** Which context of a level's vcpu runs: a guest hypervisor's vEL2 (hyp), its nested guest (nested), or a plain guest. */
export type VcpuContext = "hyp" | "nested" | "guest";
/** which buffer the CPU's FP registers are bound to (fpsimd_last_state) */
export type FpBinding = "none" | "host" | "vcpu";

/** Per-level hypervisor state (one vcpu of each level runs on the modelled physical CPU). */
export interface LevelState {
  ctx: VcpuContext;
  /** per-CPU fp_owner == FP_STATE_GUEST_OWNED for this level's vcpu */
  guestOwnsFp: boolean;
  /** TIF_FOREIGN_FPSTATE of the vcpu thread */
  foreignFp: boolean;
  /** which buffer the CPU's FP registers are bound to (fpsimd_last_state): the thread's user state, the vcpu's, none */
  bound: FpBinding;
  inNestedEret: boolean;
  inNestedException: boolean;
  /** this level's KVM carries the change (configuration: cfg.patch) */
  readonly patched: boolean;
  /** vgic list registers hold an interrupt injected into this level's guest */
  lrInUse: boolean;
  /** timer map last loaded (NV: hyp or nested) */
  timerMap: VcpuContext;
  /** an nVHE hypervisor's host kernel is running at (v)EL1 (its EL1 register accesses are its own, on hardware) */
  hostMode: boolean;
  /** no-zcr-reset variant only: ZCR_EL2 left at the guest's VL by this level's last exit */
  zcrAtGuestVl: boolean;
  /** kernel-mode NEON (a softirq) armed to run inside this level's next IN_NESTED_* window (see armWindowNeon) */
  neonInWindow: boolean;
  /**
   * vcpu->arch.debug_owner of this level's vcpu (arch/arm64/kvm/debug.c): FREE after each load (no guest in the model
   * sets MDSCR_EL1.KDE/MDE), GUEST_OWNED after a trapped debug register access (trap_debug_regs). While it is not FREE
   * this level switches the breakpoint/watchpoint state on every entry and exit; while it is FREE, MDCR_EL2.TDA traps
   * its guest's debug register accesses.
   */
  debugOwner: DebugOwner;
}

/** vcpu->arch.debug_owner (HOST_OWNED, for a VMM debugging its guest, is not modelled) */
export type DebugOwner = "free" | "guest";

/** The state of level j of a machine of depth `depth` before anything ran. */
export function initialLevelState(j: number, depth: number, patched: boolean): LevelState {
  const ctx: VcpuContext = j === depth - 1 ? "guest" : "nested";
  return {
    ctx,
    guestOwnsFp: false,
    foreignFp: true,
    bound: "none",
    inNestedEret: false,
    inNestedException: false,
    patched,
    lrInUse: false,
    timerMap: ctx,
    hostMode: false,
    zcrAtGuestVl: false,
    neonInWindow: false,
    debugOwner: "free",
  };
}

/** Receives every movement of FP/SVE register contents (the correctness oracle); the fast engine replays the calls it recorded. */
export interface FpObserver {
  /** level j saves the registers into a buffer (its vcpu's state or its thread's user state) */
  save(level: number, buffer: "vcpu" | "host", truncateToGuestVl: boolean): void;
  /** level j loads a buffer into the registers */
  restore(level: number, buffer: "vcpu" | "host"): void;
  /** a context uses FP/SIMD at level j: the leaf or a VMM reads its own values and writes new ones; NEON and other tasks clobber */
  use(level: number, who: "leaf" | "vmm" | "neon" | "other"): void;
  /** the vcpu thread of L0 now runs on another physical CPU */
  switchCpu(cpu: number): void;
}

/**
 * Watches every trap a machine takes, as it begins and ends (lib/run/exit.ts attributes one leaf exit's cycles by the
 * code that raised each trap). While one is attached, the machine steps every trap (the exact engine).
 */
export interface TrapWatcher {
  /** a trap from software at level k, raised while that software ran code of mechanism `mech` (a layout MECH_* index) */
  begin(k: number, ev: import("./events").Trap, mech: number): void;
  /** the innermost trap begun has ended: its software runs again */
  end(): void;
}
