import * as access from "../engine/access";
import type { Engine } from "../engine/engine";
import * as layout from "../engine/layout";
import * as observe from "../engine/observe";
import * as emit from "../trace/emit";
import * as fpsimd from "./fpsimd";
import type { Op } from "./ops";
import * as paths from "./paths";

/**
 * One level's KVM around the guest: kvm_arch_vcpu_put / kvm_arch_vcpu_load (arch/arm64/kvm/arm.c) and the system
 * register, HCR and stage-2 MMU work they do (hyp/vhe/sysreg-sr.c, hyp/vhe/switch.c, nested.c), the run loop's
 * entry into the guest, and the vcpu thread being scheduled out and in.
 */

// hot imports bound to module-local constants (see test/engine/hot-imports.test.ts)
const { R, W } = access;
const { F_VCPU_LOADS, F_VCPU_PUTS, MECH_EXIT, MECH_PUTLOAD } = layout;
const { OBS_CPU } = observe;
const { traceKvmEntry, traceVcpuPutLoad } = emit;
const { contextSwitch, fpPutLoadElided } = fpsimd;
const { PATHS } = paths;

const A_HCR_EL2_W = W("HCR_EL2");
const A_VNCR_EL2_W = W("VNCR_EL2");
const A_CPACR_EL12_R = R("CPACR_EL12");
const P_FGT_ACTIVATE = PATHS.fgtActivate;
const P_FGT_DEACTIVATE = PATHS.fgtDeactivate;
const P_PMU_ACTIVATE = PATHS.pmuActivate;
const P_PMU_DEACTIVATE = PATHS.pmuDeactivate;
const OP_SHADOW_S2: Op = { kind: "code", cost: "shadowS2Lookup" };
const P_VCPU_PUT = PATHS.vcpuPut;
const P_VCPU_LOAD = PATHS.vcpuLoad;
const P_RUN_LOOP_ENTRY = PATHS.runLoopEntry;
const P_GUEST_ENTER = PATHS.guestEnter;
const P_FAST_REENTER = PATHS.fastReenter;
const P_PUT_SYSREGS_VEL2 = PATHS.putSysregsVel2;
const P_PUT_SYSREGS_EL1 = PATHS.putSysregsEl1;
const P_LOAD_SYSREGS_VEL2 = PATHS.loadSysregsVel2;
const P_LOAD_SYSREGS_EL1_NESTED = PATHS.loadSysregsEl1Nested;
const P_LOAD_SYSREGS_EL1 = PATHS.loadSysregsEl1;

/** arm.c kvm_arch_vcpu_put at level j (components: the vcpuPut path). */
export function vcpuPut(m: Engine, j: number): void {
  m.bump(j, F_VCPU_PUTS);
  if (m.trace.active) traceVcpuPutLoad(m, true, j, m.levels[j]!.ctx, fpPutLoadElided(m, j));
  m.runAs(MECH_PUTLOAD, j, P_VCPU_PUT);
}

/** arm.c kvm_arch_vcpu_load at level j (components: the vcpuLoad path). */
export function vcpuLoad(m: Engine, j: number): void {
  m.bump(j, F_VCPU_LOADS);
  if (m.trace.active) traceVcpuPutLoad(m, false, j, m.levels[j]!.ctx, fpPutLoadElided(m, j));
  m.runAs(MECH_PUTLOAD, j, P_VCPU_LOAD);
}

/** Run loop entry and the ERET into level j's guest. */
export function enterGuest(m: Engine, j: number): void {
  m.runAs(MECH_EXIT, j, P_RUN_LOOP_ENTRY);
  // arm.c kvm_arch_vcpu_ioctl_run: trace_kvm_entry, then kvm_arm_vcpu_enter_exit (the entry half)
  if (m.trace.active) traceKvmEntry(m, j);
  m.runAs(MECH_EXIT, j, P_GUEST_ENTER);
  m.eret(j, "guest");
}

/** After a fast-path handler: straight back through __guest_enter (no kernel tracepoint: kvm_entry at the ERET). */
export function fastReenter(m: Engine, j: number): void {
  m.runAs(MECH_EXIT, j, P_FAST_REENTER);
  if (m.trace.active) traceKvmEntry(m, j);
  m.eret(j, "guest");
}

/** level j is an nVHE guest hypervisor (only L1, only at depth 2) */
export function nvhe(m: Engine, j: number): boolean {
  return j >= 1 && m.cfg.guestHyp === "nvhe";
}

/**
 * After an interrupt exit at L0, the vcpu thread is preempted and migrates to the other physical CPU: sched out
 * (kvm_arch_vcpu_put, another task runs), wake up on the other CPU, whose per-CPU fp_owner is whatever it was
 * left as, then sched in (kvm_arch_vcpu_load).
 */
export function migrateL0(m: Engine): void {
  const l0 = m.levels[0]!;
  m.preemptOff++;
  vcpuPut(m, 0);
  contextSwitch(m, 0);
  m.cpuFpOwner[m.cpu] = l0.guestOwnsFp;
  m.cpu = 1 - m.cpu;
  m.observe(OBS_CPU, 0, m.cpu, 0);
  l0.guestOwnsFp = m.cpuFpOwner[m.cpu]!;
  l0.foreignFp = true;
  l0.bound = "none";
  vcpuLoad(m, 0);
  m.preemptOff--;
}

/** A preemption at level j's host (preempt notifiers): sched out, another task runs, sched in. */
export function preempt(m: Engine, j: number): void {
  m.preemptOff++;
  vcpuPut(m, j); // kvm_sched_out (preempt notifier; not a nested transition: no IN_NESTED_* flag)
  contextSwitch(m, j); // another task runs on this CPU
  vcpuLoad(m, j); // kvm_sched_in
  m.preemptOff--;
}

// ---------------------------------------------------------------------------------------------------------------------
// Steps (`step NAME` in lib/kvm/paths.ts)

/** hyp/vhe/switch.c __compute_hcr + ___activate_traps: VNCR_EL2 in hyp context (and for recursive NV). */
export function computeHcr(m: Engine, j: number): void {
  const lv = m.levels[j]!;
  if (lv.ctx === "hyp" || (lv.ctx === "nested" && j + 2 < m.depth)) m.sr(j, A_VNCR_EL2_W);
  m.sr(j, A_HCR_EL2_W);
}

/**
 * sysreg-sr.c __vcpu_put_switch_sysregs: __sysreg_save_vel2_state or __sysreg_save_el1_state, user state. With
 * FEAT_NV2p1 the vEL2 save also reads CPTR_EL2 back from the hardware (read_sysreg_el1(SYS_CPACR)): CPACR_EL1 is
 * stateful at vEL2 then, and no longer kept in memory by the CPACR fast path.
 */
export function putSysregs(m: Engine, j: number): void {
  if (m.levels[j]!.ctx === "hyp") {
    m.run(j, P_PUT_SYSREGS_VEL2);
    if (m.cfg.nv2p1 === true) m.sr(j, A_CPACR_EL12_R);
  } else m.run(j, P_PUT_SYSREGS_EL1);
}

/** hyp/include/hyp/switch.h __deactivate_traps_hfgxtr: only with FEAT_FGT, which every level sees. */
export function fgtPut(m: Engine, j: number): void {
  if (m.cfg.fgt !== false) m.run(j, P_FGT_DEACTIVATE);
}

/** hyp/include/hyp/switch.h __activate_traps_hfgxtr: only with FEAT_FGT. */
export function fgtLoad(m: Engine, j: number): void {
  if (m.cfg.fgt !== false) m.run(j, P_FGT_ACTIVATE);
}

/**
 * __deactivate_traps_common's PMU part, if system_supports_pmuv3(): L0 has the hardware PMU; a guest hypervisor has
 * one only when its VMM gave it a vPMU (ModelConfig.vpmu).
 */
export function pmuTrapsPut(m: Engine, j: number): void {
  if (j === 0 || m.cfg.vpmu !== false) m.run(j, P_PMU_DEACTIVATE);
}

/** __activate_traps_common's PMU part, as pmuTrapsPut. */
export function pmuTrapsLoad(m: Engine, j: number): void {
  if (j === 0 || m.cfg.vpmu !== false) m.run(j, P_PMU_ACTIVATE);
}

/** sysreg-sr.c __vcpu_load_switch_sysregs: user state, dsb(nsh) with NV, vEL2 or EL1 set. */
export function loadSysregs(m: Engine, j: number): void {
  const ctx = m.levels[j]!.ctx;
  m.run(j, ctx === "hyp" ? P_LOAD_SYSREGS_VEL2 : ctx === "nested" ? P_LOAD_SYSREGS_EL1_NESTED : P_LOAD_SYSREGS_EL1);
}

/** nested.c kvm_vcpu_load_hw_mmu: shadow stage-2 lookup in nested context; VMID update. */
export function loadHwMmu(m: Engine, j: number): void {
  if (m.levels[j]!.ctx === "nested") m.exec(j, OP_SHADOW_S2);
}
