import * as access from "../engine/access";
import type { Engine } from "../engine/engine";
import * as events from "../engine/events";
import * as layout from "../engine/layout";
import * as observe from "../engine/observe";
import type { Trap } from "../engine/events";
import * as emit from "../trace/emit";
import * as ops from "./ops";
import type { Op } from "./ops";
import type { FpPolicy } from "./policy";

/**
 * FP/SIMD/SVE ownership at one level's KVM (arch/arm64/kvm/fpsimd.c, hyp/include/hyp/switch.h) and the host kernel's
 * FP state switching it relies on (arch/arm64/kernel/fpsimd.c): who owns the registers, when they are saved and
 * restored, the lazy FP trap, and the change under study (kvm_arch_vcpu_put_fp / kvm_arch_vcpu_load_fp return early
 * under IN_NESTED_ERET / IN_NESTED_EXCEPTION).
 */

// hot imports bound to module-local constants (see test/engine/hot-imports.test.ts)
const { R, W } = access;
const { EV_FP, EV_SVE } = events;
const { F_FP_BYTES, F_FP_RESTORES, F_FP_SAVES, F_FP_SAVES_ELIDED, F_FP_TRAPS, F_HOST_FP_RESTORES, F_HOST_FP_SAVES } = layout;
const { FP_RESTORE, FP_SAVE, FP_ZCR, MECH_FP } = layout;
const { traceFpMove, traceFpTrap } = emit;
const { OBS_RESTORE, OBS_SAVE, OBS_USE, WHO_LEAF, WHO_NEON, WHO_OTHER, WHO_VMM } = observe;

const A_CPACR_EL1_W = W("CPACR_EL1");
const A_FPCR_R = R("FPCR");
const A_FPCR_W = W("FPCR");
const A_FPSR_R = R("FPSR");
const A_FPSR_W = W("FPSR");
const A_HCR_EL2_R = R("HCR_EL2");
const A_ZCR_EL12_R = R("ZCR_EL12");
const A_ZCR_EL12_W = W("ZCR_EL12");
const A_ZCR_EL2_R = R("ZCR_EL2");
const A_DAIF_W = W("DAIF");
const ISB: Op = { kind: "isb" };
const STEP_PUT_FP = ops.STEP_INDEX.putFp;

/** the FP save/restore policy level j's KVM runs */
export function policyAt(m: Engine, j: number): FpPolicy {
  if (!m.levels[j]!.patched) return "baseline";
  return m.cfg.fpPolicy ?? "nv-fp-elision";
}

/**
 * Whether kvm_arch_vcpu_put_fp / kvm_arch_vcpu_load_fp return early at level j right now: the change returns under
 * IN_NESTED_ERET / IN_NESTED_EXCEPTION (as does the no-zcr-reset variant); elide-always always does. (The
 * elide-save-only variant does not return early: its put flushes without saving; see putFp.)
 */
export function fpPutLoadElided(m: Engine, j: number): boolean {
  // the edits of the change (lib/changes/builtin.ts nv-fp-elision) and of the policy variants, at the levels that
  // carry them, applied where steps are dispatched (lib/changes/tables.ts)
  return m.stepSkipped(j, STEP_PUT_FP);
}

/**
 * Software at level k touches the FP/SIMD/SVE registers. Architecturally this traps when any hypervisor below
 * traps FP for the context that runs: level i (< k) does so unless it has given the registers to its vcpu
 * (fp_owner == GUEST_OWNED; __activate_cptr_traps_vhe), and in nested context the host merges the guest
 * hypervisor's own CPTR_EL2 on top. The trap goes to L0, which forwards it while a guest hypervisor above traps
 * it (guest_hyp_fpsimd_traps_enabled): the highest level that traps handles it (kvm_hyp_handle_fpsimd).
 */
export function fpAccess(m: Engine, k: number): void {
  const levels = m.levels;
  for (;;) {
    let owner = -1;
    for (let i = k - 1; i >= 0; i--) {
      if (!levels[i]!.guestOwnsFp) {
        owner = i;
        break;
      }
    }
    if (owner < 0) return;
    m.trap(k, m.cfg.sveVl > 0 ? EV_SVE : EV_FP);
  }
}

/** The level that handles an FP trap from level k: the highest level below k that traps FP (see fpAccess). */
export function fpTrapOwner(m: Engine, k: number): number {
  for (let i = k - 1; i >= 0; i--) if (!m.levels[i]!.guestOwnsFp) return i;
  throw new Error("FP trap with no trapping level");
}

/** save the FP/SVE registers of the context bound to this CPU (fpsimd_save_and_flush_cpu_state / __fpsimd_save_state) */
export function fpSaveRegs(m: Engine, j: number, buffer: "host" | "vcpu", kernelSave = false): void {
  const host = buffer === "host" || kernelSave;
  fpAccess(m, j);
  m.observe(OBS_SAVE, j, buffer === "host" ? 1 : 0, m.levels[j]!.zcrAtGuestVl ? 1 : 0);
  const c0 = m.cycles;
  m.cost(j, "fpCallOverhead");
  m.charge(j, m.fpMoveCycles);
  m.sr(j, A_FPSR_R);
  m.sr(j, A_FPCR_R);
  m.fpMoved(m.cycles - c0);
  m.bump(j, F_FP_BYTES, m.fpBytes);
  m.bump(j, host ? F_HOST_FP_SAVES : F_FP_SAVES);
  if (m.trace.active) traceFpMove(m, true, j, host, m.fpBytes);
}

/** restore the FP/SVE registers from a buffer (__fpsimd_restore_state / sve_load_state) */
export function fpRestoreRegs(m: Engine, j: number, buffer: "host" | "vcpu"): void {
  const host = buffer === "host";
  fpAccess(m, j);
  m.observe(OBS_RESTORE, j, buffer === "host" ? 1 : 0, 0);
  const c0 = m.cycles;
  m.cost(j, "fpCallOverhead");
  m.charge(j, m.fpMoveCycles);
  m.sr(j, A_FPSR_W);
  m.sr(j, A_FPCR_W);
  m.fpMoved(m.cycles - c0);
  m.bump(j, F_FP_BYTES, m.fpBytes);
  m.bump(j, host ? F_HOST_FP_RESTORES : F_FP_RESTORES);
  if (m.trace.active) traceFpMove(m, false, j, host, m.fpBytes);
}

/**
 * arch/arm64/kernel/fpsimd.c fpsimd_save_and_flush_cpu_state: fpsimd_save_user_state() writes the registers back
 * to the buffer bound to this CPU (fpsimd_last_state: the thread's user state, or the vcpu's state bound by
 * kvm_arch_vcpu_ctxsync_fp) unless TIF_FOREIGN_FPSTATE says the registers are not the thread's; then
 * fpsimd_flush_cpu_state() unbinds and sets TIF_FOREIGN_FPSTATE.
 */
export function fpsimdSaveAndFlush(m: Engine, j: number, kernelSave = false): void {
  const lv = m.levels[j]!;
  if (!lv.foreignFp && lv.bound !== "none") {
    const start = m.fpBegin();
    const prev = m.setMech(MECH_FP);
    fpSaveRegs(m, j, lv.bound, kernelSave);
    m.setMech(prev);
    m.fpEnd(FP_SAVE, start, j);
  }
  lv.bound = "none";
  lv.foreignFp = true;
}

/**
 * kernel_neon_begin/end at level j (fpsimd.c): the bound state is saved and flushed first, then the NEON code
 * clobbers the registers; the thread's state comes back lazily (TIF_FOREIGN_FPSTATE, ctxflush -> fp_owner FREE).
 */
export function kernelNeon(m: Engine, j: number): void {
  fpsimdSaveAndFlush(m, j, true);
  fpAccess(m, j); // the NEON code itself
  m.observe(OBS_USE, j, WHO_NEON, 0);
  m.cost(j, "neonWork");
}

/** fpsimd_thread_switch: another task runs on this CPU at level j and uses FP; the thread comes back foreign. */
export function contextSwitch(m: Engine, j: number): void {
  fpsimdSaveAndFlush(m, j, true);
  m.cost(j, "schedCode");
  fpAccess(m, j);
  m.observe(OBS_USE, j, WHO_OTHER, 0);
}

/** fpsimd_restore_current_state on the return to userspace at level j: reload the thread's own state. */
export function restoreCurrentState(m: Engine, j: number): void {
  const lv = m.levels[j]!;
  if (!lv.foreignFp) return;
  const start = m.fpBegin();
  const prev = m.setMech(MECH_FP);
  fpRestoreRegs(m, j, "host");
  m.setMech(prev);
  m.fpEnd(FP_RESTORE, start, j);
  lv.bound = "host";
  lv.foreignFp = false;
}

/** A VMM (userspace of level j's hypervisor) uses FP/SIMD: libc string and memory routines. */
export function vmmFpUse(m: Engine, j: number): void {
  fpAccess(m, j);
  m.observe(OBS_USE, j, WHO_VMM, 0);
}

/** The leaf (software at level depth) uses FP/SIMD: reads its own values and writes new ones. */
export function leafFpUse(m: Engine): void {
  fpAccess(m, m.depth);
  m.observe(OBS_USE, m.depth, WHO_LEAF, 0);
}

/** kvm_hyp_handle_fpsimd at level j: give the FP/SVE registers to the vcpu (trap ev from level `from`). */
export function hypHandleFpsimd(m: Engine, j: number, ev: Trap, from: number): void {
  const lv = m.levels[j]!;
  m.bump(j, F_FP_TRAPS);
  if (m.trace.active) traceFpTrap(m, j, ev, from);
  const start = m.fpBegin();
  const prev = m.setMech(MECH_FP);
  m.sr(j, A_CPACR_EL1_W); // __deactivate_cptr_traps
  m.exec(j, ISB);
  if (m.cfg.sveVl > 0) {
    // __hyp_sve_restore_guest: sve_cond_update_zcr_vq(max, SYS_ZCR_EL2), restore, vZCR in nested context, ZCR_EL12
    m.sr(j, A_ZCR_EL2_R);
    fpRestoreRegs(m, j, "vcpu");
    if (lv.ctx === "nested") m.sr(j, A_ZCR_EL2_R);
    m.sr(j, A_ZCR_EL12_W);
  } else {
    fpRestoreRegs(m, j, "vcpu");
  }
  m.sr(j, A_HCR_EL2_R);
  lv.guestOwnsFp = true;
  m.sr(j, A_CPACR_EL1_W); // __activate_cptr_traps
  m.setMech(prev);
  m.fpEnd(FP_RESTORE, start, j);
}

/** kvm_hyp_handle_zcr_el2: a trapped ZCR_EL2 access while the vcpu does not own the registers loads them first. */
export function hypHandleZcrEl2(m: Engine, j: number, ev: Trap, from: number): void {
  if (m.levels[j]!.guestOwnsFp) return;
  const start = m.fpBegin();
  hypHandleFpsimd(m, j, ev, from);
  m.fpEnd(FP_ZCR, start, j);
}

// ---------------------------------------------------------------------------------------------------------------------
// Steps (`step NAME` in lib/kvm/paths.ts)

/** hyp/include/hyp/switch.h fpsimd_lazy_switch_to_guest: only when the guest owns the FP regs and has SVE. */
export function lazySwitchToGuest(m: Engine, j: number): void {
  const lv = m.levels[j]!;
  if (!lv.guestOwnsFp || m.cfg.sveVl === 0) return;
  // write_sysreg_el2(SYS_ZCR): the EL1 encoding with E2H; needs SVE enabled for this level's own context.
  const start = m.fpBegin();
  const prev = m.setMech(MECH_FP);
  fpAccess(m, j);
  m.sr(j, A_ZCR_EL12_W);
  m.setMech(prev);
  m.fpEnd(FP_ZCR, start, j);
}

/** fpsimd_lazy_switch_to_host: save the guest's ZCR_EL1 and set ZCR_EL2 back to max. */
export function lazySwitchToHost(m: Engine, j: number): void {
  const lv = m.levels[j]!;
  if (!lv.guestOwnsFp || m.cfg.sveVl === 0) return;
  const start = m.fpBegin();
  const prev = m.setMech(MECH_FP);
  m.sr(j, A_ZCR_EL12_R);
  if (policyAt(m, j) === "no-zcr-reset") {
    // unsound variant: ZCR_EL2 stays at the guest's VL, so a later save at this level truncates
    lv.zcrAtGuestVl = true;
  } else {
    fpAccess(m, j);
    lv.zcrAtGuestVl = false;
  }
  m.setMech(prev);
  m.fpEnd(FP_ZCR, start, j);
}

/** fpsimd.c kvm_arch_vcpu_ctxflush_fp: TIF_FOREIGN_FPSTATE -> fp_owner = FREE. */
export function ctxflushFp(m: Engine, j: number): void {
  const lv = m.levels[j]!;
  if (lv.foreignFp) lv.guestOwnsFp = false;
}

/** fpsimd.c kvm_arch_vcpu_ctxsync_fp: bind the vcpu's state to the CPU when the guest owns the regs. */
export function ctxsyncFp(m: Engine, j: number): void {
  const lv = m.levels[j]!;
  if (lv.guestOwnsFp) {
    lv.bound = "vcpu";
    lv.foreignFp = false;
  }
}

/**
 * fpsimd.c kvm_arch_vcpu_put_fp. The change's early return under IN_NESTED_ERET / IN_NESTED_EXCEPTION is an edit
 * applied where steps are dispatched (lib/changes: the engine skips this step and counts fpSavesElided).
 */
export function putFp(m: Engine, j: number): void {
  const lv = m.levels[j]!;
  let c0 = m.cycles;
  m.sr(j, A_DAIF_W); // local_irq_save
  m.fpOutside(j, m.cycles - c0);
  if (lv.guestOwnsFp) {
    if ((lv.inNestedEret || lv.inNestedException) && policyAt(m, j) === "elide-save-only") {
      // unsound variant: no save, but still flushed
      m.bump(j, F_FP_SAVES_ELIDED);
      lv.bound = "none";
      lv.foreignFp = true;
    } else fpsimdSaveAndFlush(m, j);
  }
  c0 = m.cycles;
  m.sr(j, A_DAIF_W); // local_irq_restore
  m.fpOutside(j, m.cycles - c0);
}

/**
 * fpsimd.c kvm_arch_vcpu_load_fp: save and flush the host task's FP state, fp_owner = FREE (the change's early return:
 * see putFp; the engine counts fpLoadsElided).
 */
export function loadFp(m: Engine, j: number): void {
  const lv = m.levels[j]!;
  fpsimdSaveAndFlush(m, j);
  lv.guestOwnsFp = false;
}
