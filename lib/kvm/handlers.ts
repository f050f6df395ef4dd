import type { HypFastPath } from "../arch/sysregs";
import * as access from "../engine/access";
import type { Engine, Handler } from "../engine/engine";
import * as events from "../engine/events";
import type { Trap, TrapReason } from "../engine/events";
import * as layout from "../engine/layout";
import * as emit from "../trace/emit";
import * as arm from "./arm";
import * as debug from "./debug";
import * as fpsimd from "./fpsimd";
import * as nested from "./nested";
import type { Op } from "./ops";
import * as paths from "./paths";
import type { Path } from "./paths";
import * as vgic from "./vgic";

/**
 * How one level's KVM handles an exception from its guest (arch/arm64/kvm/handle_exit.c, hyp/vhe/switch.c,
 * hyp/nvhe/switch.c): the exit handler of each trap reason at the owning level (a hyp fast path, or a full exit
 * through the run loop), and the forward of an exception that belongs to a guest hypervisor above (routing, then
 * kvm_inject_nested).
 */

// hot imports bound to module-local constants (see test/engine/hot-imports.test.ts)
const { accessOfEvent, W } = access;
const { EV_WFI, hvcHypEvent, REASON_CODE } = events;
const { F_FAST_ERETS, F_FAST_EXITS, F_FULL_EXITS, MECH_EXIT, MECH_HANDLER } = layout;
const { enterGuest, fastReenter, migrateL0, nvhe, preempt, vcpuLoad, vcpuPut } = arm;
const { hypHandleFpsimd, hypHandleZcrEl2, kernelNeon, restoreCurrentState, vmmFpUse } = fpsimd;
const { emulateNestedEret, injectNested } = nested;
const { lrInjected } = vgic;
const { debugSetGuestOwnership } = debug;
const { traceExitHandler, traceKvmEntry, traceKvmExit, traceUserspaceExit } = emit;
const { PATHS } = paths;

const A_ICC_SGI1R_EL1_W = W("ICC_SGI1R_EL1");
const OP_MMIO_DECODE: Op = { kind: "code", cost: "mmioDecode" };
const OP_VMM_MMIO: Op = { kind: "code", cost: "vmmMmio" };

/** A handler body: runs with the "handler" mechanism between the exit and the re-entry. */
type Body = (m: Engine, j: number, ev: Trap, from: number) => void;

// ---------------------------------------------------------------------------------------------------------------------
// Forwarding to the guest hypervisor above

/**
 * Level j forwards the exception (from level `from`, for `owner`) to the guest hypervisor above it (kvm_inject_nested).
 * The run loop's order (arm.c kvm_arch_vcpu_ioctl_run): the exit half and syncs, an interrupt's host handler (the IRQ
 * window), trace_kvm_exit, handle_exit, the handler (routing, the nested stage-2 walk, kvm_inject_nested), then the
 * next iteration up to trace_kvm_entry and the entry half (enterGuest).
 */
export function forward(m: Engine, j: number, ev: Trap, from: number, owner: number): void {
  m.bump(j, F_FULL_EXITS);
  if (ev.ec === "DABT_LOW") m.runAs(MECH_EXIT, j, PATHS.dabtFaultInfo);
  m.runAs(MECH_EXIT, j, PATHS.runLoopExit);
  if (ev.ec === "IRQ") m.runAs(MECH_HANDLER, j, PATHS.hostTimerIrq);
  if (m.trace.active) traceKvmExit(m, j, ev, "forward", from, owner);
  m.runAs(MECH_EXIT, j, PATHS.handleExit);
  if (m.trace.active) traceExitHandler(m, j, ev, "forward");
  m.runAs(MECH_HANDLER, j, ev.ec === "DABT_LOW" ? PATHS.forwardS2Walk : PATHS.forwardRoute);
  injectNested(m, j, ev);
  enterGuest(m, j);
}

// ---------------------------------------------------------------------------------------------------------------------
// Exits at the owning level

/**
 * A full exit, in the run loop's order (arm.c kvm_arch_vcpu_ioctl_run): the exit half and the syncs (runLoopExit);
 * for an interrupt, its host handler (`irq`), taken in the IRQ window (local_irq_enable; isb) before trace_kvm_exit;
 * trace_kvm_exit; handle_exit (handleExit) and the exit's handler (`body`); the next iteration up to trace_kvm_entry,
 * the entry half and the ERET (enterGuest).
 */
function fullExit(m: Engine, j: number, ev: Trap, from: number, body: Body, irq?: Body): void {
  m.bump(j, F_FULL_EXITS);
  if (nvhe(m, j)) {
    nvheFullExit(m, j, ev, from, body, irq);
    return;
  }
  m.runAs(MECH_EXIT, j, PATHS.runLoopExit);
  exitToHandler(m, j, ev, from, body, irq);
  enterGuest(m, j);
}

/** From the IRQ window to the end of the exit's handler (shared by the VHE and the nVHE run loops). */
function exitToHandler(m: Engine, j: number, ev: Trap, from: number, body: Body, irq: Body | undefined): void {
  if (irq !== undefined) {
    const prev = m.setMech(MECH_HANDLER);
    irq(m, j, ev, from);
    m.setMech(prev);
  }
  if (m.trace.active) traceKvmExit(m, j, ev, "full", from, j);
  m.runAs(MECH_EXIT, j, PATHS.handleExit);
  if (m.trace.active) traceExitHandler(m, j, ev, "full");
  const prev = m.setMech(MECH_HANDLER);
  body(m, j, ev, from);
  m.setMech(prev);
}

/**
 * An nVHE guest hypervisor's full exit (hyp/nvhe/switch.c __kvm_vcpu_run): its hyp code at vEL2 switches the whole
 * EL1 context (guest out, host in: VNCR memory under NV2), then ERETs to its host kernel at EL1 -- a nested ERET at
 * L0, since L0 sees that kernel as L1's nested context. The host kernel handles the exit (arm.c run loop,
 * handle_exit, at EL1: its register accesses are its own) and calls kvm_call_hyp(__kvm_vcpu_run): an HVC that L0
 * forwards to L1's vEL2 (a nested exception), whose hyp code switches back and ERETs into the guest. Its
 * trace_kvm_exit and trace_kvm_entry are in the host kernel's run loop: after the syncs, and before the HVC.
 */
function nvheFullExit(m: Engine, j: number, ev: Trap, from: number, body: Body, irq: Body | undefined): void {
  const lv = m.levels[j]!;
  m.runAs(MECH_EXIT, j, PATHS.nvheExitHalf);
  m.eret(j, "guest"); // __host_enter: ERET to the host kernel at EL1
  lv.hostMode = true;
  m.runAs(MECH_EXIT, j, PATHS.nvheHostRunLoopExit);
  exitToHandler(m, j, ev, from, body, irq);
  const prev = m.setMech(MECH_EXIT);
  m.run(j, PATHS.nvheHostRunLoopEntry);
  if (m.trace.active) traceKvmEntry(m, j);
  // kvm_arm_vcpu_enter_exit -> kvm_call_hyp_ret(__kvm_vcpu_run): HVC to its own hyp
  m.trap(j, hvcHypEvent(j));
  m.setMech(prev);
}

function fastExit(m: Engine, j: number, ev: Trap, from: number, body: Body): void {
  m.bump(j, F_FAST_EXITS);
  if (m.trace.active) traceKvmExit(m, j, ev, "fast", from, j);
  const prev = m.setMech(MECH_HANDLER);
  body(m, j, ev, from);
  m.setMech(prev);
  fastReenter(m, j);
}

// ---------------------------------------------------------------------------------------------------------------------
// Handler bodies: module-level functions, so a handled exit allocates nothing

const runs =
  (p: Path): Body =>
  (m, j) =>
    m.run(j, p);
const B_HVC = runs(PATHS.hvcHandler);
const B_MMIO_KERNEL = runs(PATHS.mmioKernel);
const B_SYSREG_EMULATE = runs(PATHS.sysregEmulate);
const B_FAST_ERET = runs(PATHS.fastEret);
const B_S2FAULT = runs(PATHS.s2Fault);
const B_S2SHADOW = runs(PATHS.s2ShadowFill);
/** a guest hypervisor kernel's tick (its IRQ window's handler): on the EL2 virtual timer or the EL2 physical one (arch_timer_select_ppi) */
const I_HYPTICK: Body = (m, j) => m.run(j, m.cfg.el2Vtimer ? PATHS.hypTickVirt : PATHS.hypTickPhys);
/** handle_exit of an interrupt exit: nothing left to do (its handler ran in the IRQ window) */
const B_NONE: Body = () => {};

/** the path of each hyp fast path that completes a trapped system register access (lib/arch/sysregs.ts) */
export const FAST_PATHS: Readonly<Record<HypFastPath, Path>> = {
  cpacr: PATHS.fastCpacr,
  timer: PATHS.fastTimer,
  timerMem: PATHS.fastTimerMem,
  timerHw: PATHS.fastTimerHw,
};
/** by Trap.id: the fast path of a trapped system register access, or null (a full exit) */
const FAST_PATH_OF: (Path | null | undefined)[] = [];
function fastSysregPath(ev: Trap): Path | null {
  let p = FAST_PATH_OF[ev.id];
  if (p === undefined) {
    const fast = accessOfEvent(ev)?.fast ?? null;
    p = fast === null ? null : FAST_PATHS[fast];
    FAST_PATH_OF[ev.id] = p;
  }
  return p;
}
const B_FAST_SYSREG: Body = (m, j, ev) => m.run(j, fastSysregPath(ev)!);
/** sys_regs.c trap_debug_regs: the access emulated (access_rw), then the debug registers become the guest's */
const B_SYSREG_DEBUG: Body = (m, j) => {
  m.run(j, PATHS.sysregEmulate);
  debugSetGuestOwnership(m, j);
};
const B_VMM: Body = (m, j) => vmmRoundTrip(m, j);
const B_NESTED_ERET: Body = (m, j) => emulateNestedEret(m, j);
const B_HYP_FPSIMD: Body = (m, j, ev, from) => hypHandleFpsimd(m, j, ev, from);
/** an interrupt's host handler, taken in the run loop's IRQ window before trace_kvm_exit (arm.c kvm_arch_vcpu_ioctl_run) */
const I_HOST_TIMER: Body = (m, j) => m.run(j, PATHS.hostTimerIrq);
/** the virtual interrupt the handler made pending goes into a list register */
const B_IRQ: Body = (m, j) => lrInjected(m, j);
/** kvm_handle_wfx -> kvm_vcpu_wfi: vgic put, kvm_vcpu_halt (schedule: preempt notifiers put/load), vgic load. */
const B_WFI: Body = (m, j) => {
  m.run(j, m.levels[j]!.ctx === "nested" ? PATHS.putVgicNested : PATHS.putVgic);
  vcpuPut(m, j); // kvm_sched_out
  // this level's own CPU idles: a guest hypervisor's idle WFI traps to its own host in turn
  if (j > 0) m.trap(j, EV_WFI);
  else m.cost(0, "schedCode");
  vcpuLoad(m, j); // kvm_sched_in
  m.run(j, m.levels[j]!.ctx === "nested" ? PATHS.loadVgicNested : PATHS.loadVgic);
  m.run(j, PATHS.skipInstr);
};
/** a host interrupt's handler in the IRQ window, and a softirq's kernel-mode NEON at its irq_exit */
const I_HOST_IRQ: Body = (m, j, ev) => {
  m.run(j, PATHS.hostTimerIrq);
  if (ev.hostWork === "neon") kernelNeon(m, j);
};
/** after trace_kvm_exit: a preemption (preempt_enable, or the next iteration's xfer_to_guest_mode work), a migration */
const B_HOST_IRQ: Body = (m, j, ev) => {
  if (ev.hostWork === "preempt") preempt(m, j);
  else if (ev.hostWork === "migrate") {
    if (j !== 0) throw new Error("only L0 migrates vcpu threads between physical CPUs");
    migrateL0(m);
  }
};
const B_SGI: Body = (m, j) => {
  m.run(j, PATHS.sgiDispatch);
  // kvm_vcpu_kick -> smp_send_reschedule: this level's own IPI to the target vcpu's CPU
  m.sr(j, A_ICC_SGI1R_EL1_W);
};

/** KVM_EXIT_MMIO: the hypervisor at level j returns to its userspace VMM and comes back with KVM_RUN. */
function vmmRoundTrip(m: Engine, j: number): void {
  m.exec(j, OP_MMIO_DECODE); // io_mem_abort: no in-kernel device -> KVM_EXIT_MMIO
  m.run(j, PATHS.vmmExitToUser); // vcpu_put
  if (m.trace.active) traceUserspaceExit(m, j); // kvm_main.c kvm_vcpu_ioctl, after kvm_arch_vcpu_ioctl_run returned
  m.run(j, PATHS.syscallReturn);
  // fpsimd_restore_current_state on the way out to userspace: the VMM's FP state comes back
  restoreCurrentState(m, j);
  m.eret(j, "inhost");
  // the VMM (userspace) decodes and emulates the access; libc string/memory routines use FP/SIMD
  m.exec(j, OP_VMM_MMIO);
  vmmFpUse(m, j);
  m.cost(j, "excEntry"); // ioctl(KVM_RUN): an SVC from its userspace into its kernel (never reaches L0: vTGE)
  m.run(j, PATHS.vmmReenterKernel); // kvm_handle_mmio_return + vcpu_load
}

// ---------------------------------------------------------------------------------------------------------------------
// The exit handler of every trap reason: a Record over the reasons, so a new reason does not compile until handled.

export const HANDLERS: Readonly<Record<TrapReason, Handler>> = {
  hvc: (m, j, ev, from) => fullExit(m, j, ev, from, B_HVC),
  "mmio-kernel": (m, j, ev, from) => {
    m.run(j, PATHS.dabtFaultInfo);
    fullExit(m, j, ev, from, B_MMIO_KERNEL);
  },
  "mmio-user": (m, j, ev, from) => {
    m.run(j, PATHS.dabtFaultInfo);
    fullExit(m, j, ev, from, B_VMM);
  },
  sysreg: (m, j, ev, from) => {
    if (fastSysregPath(ev)) {
      fastExit(m, j, ev, from, B_FAST_SYSREG);
      return;
    }
    // kvm_hyp_handle_zcr_el2: load the FP state (kvm_hyp_handle_fpsimd), then the slow path
    if (ev.reg === "ZCR_EL2") hypHandleZcrEl2(m, j, ev, from);
    fullExit(m, j, ev, from, accessOfEvent(ev)?.tda === true ? B_SYSREG_DEBUG : B_SYSREG_EMULATE);
  },
  eret: (m, j, ev, from) => {
    if (ev.eretTo === "inhost") {
      m.bump(j, F_FAST_ERETS);
      fastExit(m, j, ev, from, B_FAST_ERET);
      return;
    }
    fullExit(m, j, ev, from, B_NESTED_ERET);
  },
  fp: (m, j, ev, from) => fastExit(m, j, ev, from, B_HYP_FPSIMD),
  "irq-timer": (m, j, ev, from) => fullExit(m, j, ev, from, B_IRQ, I_HOST_TIMER),
  "irq-ipi": (m, j, ev, from) => fullExit(m, j, ev, from, B_IRQ, I_HOST_TIMER),
  wfi: (m, j, ev, from) => fullExit(m, j, ev, from, B_WFI),
  /** stage-2 fault on RAM: kvm_handle_guest_abort -> user_mem_abort (gup + stage-2 map). */
  s2fault: (m, j, ev, from) => {
    m.run(j, PATHS.dabtFaultInfo);
    fullExit(m, j, ev, from, B_S2FAULT);
  },
  /** the re-executed access faults in a lower level's shadow stage-2: walk the guest's tables, fill the shadow. */
  "s2-shadow": (m, j, ev, from) => {
    m.run(j, PATHS.dabtFaultInfo);
    fullExit(m, j, ev, from, B_S2SHADOW);
  },
  /** A host interrupt at L0 while a guest runs: the IRQ exit, the handler, then softirq NEON or a preemption. */
  "host-irq": (m, j, ev, from) => fullExit(m, j, ev, from, B_HOST_IRQ, I_HOST_IRQ),
  /** A guest hypervisor's own tick (its EL2 timer, emulated by the level below): timer ISR and clock reads. */
  "irq-hyptick": (m, j, ev, from) => fullExit(m, j, ev, from, B_NONE, I_HYPTICK),
  /** an nVHE host kernel's HVC into its own hyp (__kvm_vcpu_run): switch to the guest and ERET into it */
  "hvc-hyp": (m, j) => {
    m.levels[j]!.hostMode = false;
    m.runAs(MECH_EXIT, j, PATHS.nvheEntryHalf);
    m.eret(j, "guest");
  },
  sgi: (m, j, ev, from) => fullExit(m, j, ev, from, B_SGI),
};

/** HANDLERS indexed by Trap.reasonIdx */
export const HANDLER_BY_REASON: Handler[] = [];
for (const r of Object.keys(HANDLERS) as TrapReason[]) HANDLER_BY_REASON[REASON_CODE[r]] = HANDLERS[r];
