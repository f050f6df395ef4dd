import * as access from "../engine/access";
import type { Engine } from "../engine/engine";
import type { Op } from "./ops";
import * as paths from "./paths";

/**
 * The arch timer at one level's KVM (arch/arm64/kvm/arch_timer.c, hyp/vhe/switch.c): timer put/load, the NV map
 * switch between a guest hypervisor's hyp and nested contexts, CNTPOFF with FEAT_ECV, and the kernel's clock reads.
 */

// hot imports bound to module-local constants (see test/engine/hot-imports.test.ts)
const { R, W } = access;
const { PATHS } = paths;

const A_CNTHCTL_EL2_R = R("CNTHCTL_EL2");
const A_CNTHCTL_EL2_W = W("CNTHCTL_EL2");
const A_CNTKCTL_EL1_R = R("CNTKCTL_EL1");
const A_CNTKCTL_EL1_W = W("CNTKCTL_EL1");
const A_CNTPCT_EL0_TRAPPED_R = R("CNTPCT_EL0_TRAPPED");
const A_CNTPOFF_EL2_R = R("CNTPOFF_EL2");
const A_CNTPOFF_EL2_W = W("CNTPOFF_EL2");
const A_CNTP_CVAL_EL02_R = R("CNTP_CVAL_EL02");
const A_CNTP_CVAL_EL02_W = W("CNTP_CVAL_EL02");
const A_CNTVCT_EL0_R = R("CNTVCT_EL0");
const A_CNTPCT_EL0_R = R("CNTPCT_EL0");
const A_CNTP_CTL_EL0_R = R("CNTP_CTL_EL0");
const A_CNTP_CTL_EL0_W = W("CNTP_CTL_EL0");
const A_CNTP_CVAL_EL0_W = W("CNTP_CVAL_EL0");
const A_CNTP_CTL_EL0_TRAPPED_R = R("CNTP_CTL_EL0_TRAPPED");
const A_CNTP_CTL_EL0_TRAPPED_W = W("CNTP_CTL_EL0_TRAPPED");
const A_CNTP_CVAL_EL0_TRAPPED_W = W("CNTP_CVAL_EL0_TRAPPED");
const ISB: Op = { kind: "isb" };
const OP_TIMER_EMUL: Op = { kind: "code", cost: "timerEmulCode" };
const P_TIMER_PUT_NESTED = PATHS.timerPutNested;
const P_TIMER_PUT = PATHS.timerPut;
const P_TIMER_LOAD_NESTED = PATHS.timerLoadNested;
const P_TIMER_LOAD = PATHS.timerLoad;

/** arch_timer.c kvm_timer_vcpu_put: save + disable the direct timers, cancel the emulated ones' hrtimers. */
export function putTimer(m: Engine, j: number): void {
  m.run(j, m.levels[j]!.ctx !== "guest" ? P_TIMER_PUT_NESTED : P_TIMER_PUT);
}

/** arch_timer.c kvm_timer_vcpu_load (+ kvm_timer_vcpu_load_nested_switch, timer_set_traps). */
export function loadTimer(m: Engine, j: number): void {
  m.run(j, m.levels[j]!.ctx !== "guest" ? P_TIMER_LOAD_NESTED : P_TIMER_LOAD);
}

/**
 * arch_timer.c kvm_timer_sync_nested (run loop, hyp context only): nothing with FEAT_ECV; without it the emulated timers
 * are processed on every exit (soft_timer_cancel x2, timer_emulate x2: a counter read each).
 */
export function timerSyncNested(m: Engine, j: number): void {
  if (m.levels[j]!.ctx !== "hyp" || m.cfg.ecv) return;
  m.exec(j, OP_TIMER_EMUL);
  counterRead(m, j);
  counterRead(m, j);
}

/**
 * arch_timer.c timer_set_traps: CNTHCTL_EL2 read-modify-written (sysreg_clear_set writes only a change). With FEAT_ECV
 * an NV vcpu's EL1NVVCT/EL1NVPCT are set in hyp context and cleared in nested context, so each switch between them
 * writes; a vcpu without NV keeps the same value (no write).
 */
export function timerSetTraps(m: Engine, j: number): void {
  // without FEAT_NV2p1 sysreg_clear_set(cnthctl_el2, ...); with it sysreg_clear_set(cntkctl_el1, ...), which at
  // (v)EL2 with E2H is the same register and, at a guest hypervisor, stateful hardware rather than a trap
  const nv2p1 = m.cfg.nv2p1 === true;
  m.sr(j, nv2p1 ? A_CNTKCTL_EL1_R : A_CNTHCTL_EL2_R);
  if (m.cfg.ecv && m.levels[j]!.ctx !== "guest") m.sr(j, nv2p1 ? A_CNTKCTL_EL1_W : A_CNTHCTL_EL2_W);
}

/** kvm_timer_vcpu_load_nested_switch: unmap x2, map x2 (irq locks, irq_set_vcpu_affinity) when the map changed. */
export function timerMapSwitch(m: Engine, j: number): void {
  const lv = m.levels[j]!;
  if (lv.timerMap === lv.ctx) return;
  m.exec(j, OP_TIMER_EMUL);
  lv.timerMap = lv.ctx;
}

/** arch_timer.c set_cntpoff: CNTPOFF exists only on hardware (L0) with FEAT_ECV. */
export function cntpoffLoad(m: Engine, j: number): void {
  if (j === 0 && m.cfg.ecv) m.sr(0, A_CNTPOFF_EL2_W);
}

/**
 * hyp/vhe/switch.c __activate_traps: with CNTPOFF (has_cntpoff()) the direct physical timer's CVAL is written.
 * Only L0 has CNTPOFF: KVM exposes FEAT_ECV to a guest hypervisor without CNTPOFF (nested.c limit_nv_id_reg,
 * inference), so has_cntpoff() is false there.
 */
export function cntpoffEnter(m: Engine, j: number): void {
  if (j !== 0 || !m.cfg.ecv) return;
  m.sr(0, A_CNTP_CVAL_EL02_W);
  m.exec(0, ISB);
}

/** hyp/vhe/switch.c __deactivate_traps: read back the direct ptimer CVAL and CNTPOFF (has_cntpoff() only). */
export function cntpoffExit(m: Engine, j: number): void {
  if (j !== 0 || !m.cfg.ecv) return;
  m.sr(0, A_CNTP_CVAL_EL02_R);
  m.sr(0, A_CNTPOFF_EL2_R);
}

/**
 * A physical counter read at level j (asm/arch_timer.h arch_timer_read_cntpct_el0: `isb; mrs cntpct_el0`, or
 * CNTPCTSS_EL0 without the isb with FEAT_ECV, which the model's CPU offers every level: nested.c limits a guest's
 * ID_AA64MMFR0_EL1.ECV to IMP). It traps only with a non-zero physical offset and no CNTPOFF at the level below
 * (arch_timer.c timer_set_traps: tpc): a guest hypervisor never gets CNTPOFF; L0 has it with FEAT_ECV.
 */
export function physCounterRead(m: Engine, j: number): void {
  if (!m.cfg.ecv) m.exec(j, ISB);
  m.sr(j, physTrapped(m, j) ? A_CNTPCT_EL0_TRAPPED_R : A_CNTPCT_EL0_R);
}

/**
 * Does level j's host trap its physical counter and timer (arch_timer.c timer_set_traps: tpt = tpc = true when
 * !has_cntpoff() and the direct ptimer has an offset)? Only with a physical offset (`physOffset`), and only where the
 * level below has no CNTPOFF: a guest hypervisor never offers it; L0 has it with FEAT_ECV.
 */
function physTrapped(m: Engine, j: number): boolean {
  return j > 0 && m.cfg.physOffset === true && (j - 1 >= 1 || !m.cfg.ecv);
}

/** A hypervisor kernel's own EL2 physical timer (CNTP_CTL_EL0 with E2H: CNTHP_CTL_EL2), read: direct or trapped. */
export function hptimerReadCtl(m: Engine, j: number): void {
  m.sr(j, physTrapped(m, j) ? A_CNTP_CTL_EL0_TRAPPED_R : A_CNTP_CTL_EL0_R);
}

/** ... its control written (arch_timer_reg_write_cp15: the isb that follows is the path's). */
export function hptimerWriteCtl(m: Engine, j: number): void {
  m.sr(j, physTrapped(m, j) ? A_CNTP_CTL_EL0_TRAPPED_W : A_CNTP_CTL_EL0_W);
}

/** ... its compare value written. */
export function hptimerWriteCval(m: Engine, j: number): void {
  m.sr(j, physTrapped(m, j) ? A_CNTP_CVAL_EL0_TRAPPED_W : A_CNTP_CVAL_EL0_W);
}

/** A virtual counter read (arch_timer_read_cntvct_el0: `isb; mrs cntvct_el0`, CNTVCTSS_EL0 with FEAT_ECV). */
export function virtCounterRead(m: Engine, j: number): void {
  if (!m.cfg.ecv) m.exec(j, ISB);
  m.sr(j, A_CNTVCT_EL0_R);
}

/**
 * A kernel clock read at a hypervisor level (kvm_phys_timer_read, ktime_get): clocksource arch_timer_read_counter,
 * which arm_arch_timer.c arch_counter_register makes the virtual counter when the kernel uses the EL2 virtual timer
 * (ARCH_TIMER_HYP_VIRT_PPI) and the physical one otherwise (a VHE kernel has is_hyp_mode_available()).
 */
export function counterRead(m: Engine, j: number): void {
  if (m.cfg.el2Vtimer) virtCounterRead(m, j);
  else physCounterRead(m, j);
}
