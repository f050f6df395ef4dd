import { EXCEPTION_CLASSES, type ExceptionClass } from "../arch/exceptions";
import type { SysRegName } from "../arch/sysregs";
import type { Engine } from "../engine/engine";
import type { Trap } from "../engine/events";
import type { VcpuContext } from "../engine/types";
import { type ExitHow, TRACEPOINT_INDEX, type TraceFields, type TracepointName, type TraceRecord } from "./tracepoints";

/**
 * The tracepoints' emitters, called at their sites in the engine (lib/engine/machine.ts) and in the KVM behaviour
 * (lib/kvm), the way the kernel's code calls trace_kvm_exit(): a call site reads `if (m.trace.active) traceX(m, ...)`,
 * so that nothing is built when nobody listens, and each emitter checks its own tracepoint's bit.
 *
 * Slices: a trap slice (trap_begin/trap_end) runs from the exception until the software that took it runs again (every
 * level's handling, nested traps included); a handling slice (handle_begin/handle_end) from the moment a level's
 * hypervisor is entered for it until its guest runs again. Both end with the last ERET of the handling, so slice ends
 * are emitted where that happens: at the end of the trap, and after each level's part of the handling.
 */

const I = TRACEPOINT_INDEX;

function emit<N extends TracepointName>(m: Engine, name: N, level: number, ts: number, fields: TraceFields<N>): void {
  m.trace.sink?.(I[name], { name, level, vcpu: 0, ts, fields } as TraceRecord);
}

const esrEc = (ec: ExceptionClass): number => EXCEPTION_CLASSES[ec].ec;

/** A hardware exception from software at level k taken to L0, and L0's part of its handling beginning. */
export function traceTrapBegin(m: Engine, k: number, ev: Trap, owner: number, fpWork: boolean): void {
  const t = m.trace;
  const ts = m.cycles;
  t.trapBegin[k] = ts;
  if (t.on[I.trap_begin]) emit(m, "trap_begin", k, ts, { ec: ev.ec, esr_ec: esrEc(ev.ec), reason: ev.reason, owner, fp_work: fpWork });
  traceHandleBegin(m, 0, ev, k);
}

/** The software that took the exception runs again. */
export function traceTrapEnd(m: Engine, k: number, ev: Trap, owner: number): void {
  const t = m.trace;
  const begin = t.trapBegin[k]!;
  if (begin < 0) return;
  t.trapBegin[k] = -1;
  const ts = m.cycles;
  if (t.on[I.trap_end]) emit(m, "trap_end", k, ts, { ec: ev.ec, reason: ev.reason, owner, cycles: ts - begin });
}

/** Level j's hypervisor is entered for an exception from level `from`. */
export function traceHandleBegin(m: Engine, j: number, ev: Trap, from: number): void {
  const t = m.trace;
  const ts = m.cycles;
  t.handleBegin[j] = ts;
  t.how[j] = "unknown";
  if (t.on[I.handle_begin]) emit(m, "handle_begin", j, ts, { ec: ev.ec, reason: ev.reason, from });
}

/** Level j's part of the handling is over: its guest runs again. */
export function traceHandleEnd(m: Engine, j: number, ev: Trap): void {
  const t = m.trace;
  const begin = t.handleBegin[j]!;
  if (begin < 0) return;
  t.handleBegin[j] = -1;
  const ts = m.cycles;
  if (t.on[I.handle_end]) emit(m, "handle_end", j, ts, { ec: ev.ec, reason: ev.reason, how: t.how[j]!, cycles: ts - begin });
}

/**
 * kvm_exit: level j's hypervisor takes an exception from its guest and handles it on its fast path (how: fast), after
 * a full exit (full), or forwards it (forward). A full or forwarded exit is emitted where arch/arm64/kvm/arm.c
 * kvm_arch_vcpu_ioctl_run calls trace_kvm_exit: after the exit half (kvm_arm_vcpu_enter_exit returned), the vgic,
 * timer and FP syncs and, for an interrupt, the host's handler taken in the IRQ window; a fast exit (which the kernel
 * never traces) at the fast path's decision, after the exception vector.
 */
export function traceKvmExit(m: Engine, j: number, ev: Trap, how: ExitHow, from: number, owner: number): void {
  const t = m.trace;
  t.how[j] = how;
  if (t.on[I.kvm_exit]) emit(m, "kvm_exit", j, m.cycles, { ec: ev.ec, esr_ec: esrEc(ev.ec), reason: ev.reason, how, from, owner });
}

/** exit_handler: after handle_exit's dispatch (handle_exit.c handle_trap_exceptions), the exit's handler begins. */
export function traceExitHandler(m: Engine, j: number, ev: Trap, how: ExitHow): void {
  if (m.trace.on[I.exit_handler]) emit(m, "exit_handler", j, m.cycles, { ec: ev.ec, reason: ev.reason, how });
}

/**
 * kvm_entry: level j's KVM enters its guest. After a full exit, where arm.c kvm_arch_vcpu_ioctl_run calls
 * trace_kvm_entry: after the run loop's flushes, before kvm_arm_vcpu_enter_exit (the entry half and the ERET); after
 * a fast path (which the kernel never traces), at the ERET.
 */
export function traceKvmEntry(m: Engine, j: number): void {
  const lv = m.levels[j];
  if (lv !== undefined && m.trace.on[I.kvm_entry]) emit(m, "kvm_entry", j, m.cycles, { ctx: lv.ctx });
}

/** kvm_userspace_exit: KVM_RUN returns to level j's VMM (virt/kvm/kvm_main.c kvm_vcpu_ioctl: after vcpu_put). */
export function traceUserspaceExit(m: Engine, j: number): void {
  if (m.trace.on[I.kvm_userspace_exit]) emit(m, "kvm_userspace_exit", j, m.cycles, { reason: "KVM_EXIT_MMIO" });
}

export function traceVcpuPutLoad(m: Engine, put: boolean, j: number, ctx: VcpuContext, fpElided: boolean): void {
  if (m.trace.on[put ? I.vcpu_put : I.vcpu_load]) emit(m, put ? "vcpu_put" : "vcpu_load", j, m.cycles, { ctx, fp_elided: fpElided });
}

/**
 * kvm_inject_nested: level j delivers the exception into the vEL2 of the guest hypervisor above it (emulate-nested.c
 * kvm_inject_nested -> kvm_inject_el2_exception, after kvm_arch_vcpu_put).
 */
export function traceInjectNested(m: Engine, j: number, ev: Trap): void {
  if (m.trace.on[I.kvm_inject_nested_exception]) {
    emit(m, "kvm_inject_nested_exception", j, m.cycles, { ec: ev.ec, esr_ec: esrEc(ev.ec), type: ev.ec === "IRQ" ? "irq" : "sync", target: j + 1 });
  }
}

/**
 * kvm_inject_nested from the vEL2 of the guest hypervisor above (or its InHost EL0): a direct inject, no put/load.
 * The kernel traces it as kvm_inject_nested_exception (kvm_inject_el2_exception) with that source mode.
 */
export function traceDirectInject(m: Engine, j: number, ev: Trap): void {
  if (m.trace.on[I.direct_inject]) emit(m, "direct_inject", j, m.cycles, { ec: ev.ec, esr_ec: esrEc(ev.ec), type: ev.ec === "IRQ" ? "irq" : "sync", target: j + 1 });
}

/** kvm_emulate_nested_eret at level j: the guest hypervisor above ERETs into its own guest (traced after vcpu_put). */
export function traceNestedEret(m: Engine, j: number): void {
  if (m.trace.on[I.kvm_nested_eret]) emit(m, "kvm_nested_eret", j, m.cycles, { from: j + 1 });
}

/** FP/SVE registers saved or restored by level j (vcpu state, or a host task's); kvm_fpu for the vcpu's. */
export function traceFpMove(m: Engine, save: boolean, j: number, host: boolean, bytes: number): void {
  const t = m.trace;
  if (t.on[save ? I.fp_save : I.fp_restore]) emit(m, save ? "fp_save" : "fp_restore", j, m.cycles, { state: host ? "host" : "vcpu", bytes });
  if (!host && t.on[I.kvm_fpu]) emit(m, "kvm_fpu", j, m.cycles, { load: save ? "unload" : "load" });
}

/** kvm_hyp_handle_fpsimd at level j, for an FP/SVE trap (or a ZCR_EL2 trap) from level `from`. */
export function traceFpTrap(m: Engine, j: number, ev: Trap, from: number): void {
  if (m.trace.on[I.fp_trap]) emit(m, "fp_trap", j, m.cycles, { ec: ev.ec, from });
}

/** A system register access by level k that traps to L0. */
export function traceSysregTrap(m: Engine, k: number, reg: SysRegName, write: boolean): void {
  if (m.trace.on[I.sysreg_trap]) emit(m, "sysreg_trap", k, m.cycles, { reg, write });
}

/** A VNCR-mapped register access by level k, turned into a memory access (FEAT_NV2). */
export function traceVncrAccess(m: Engine, k: number, reg: SysRegName, write: boolean): void {
  if (m.trace.on[I.vncr_access]) emit(m, "vncr_access", k, m.cycles, { reg, write });
}
