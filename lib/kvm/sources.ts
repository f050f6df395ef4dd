import type { TrapReason } from "../engine/events";
import type { StepName } from "./ops";
import type { Src } from "./paths";

/**
 * Where the steps (lib/kvm/steps.ts) and the exit handlers (lib/kvm/handlers.ts) come from: the kernel functions
 * each follows, in Linux 7.3-rc7, and the condition under which it does what the model does. Paths carry their own
 * (`src` in lib/kvm/paths.ts). Cold data: the engine never reads it; `npm run verify:kernel` checks that every function
 * named here is defined in the file named.
 */
export interface Cited {
  readonly src: readonly Src[];
  /** the condition the modelled behaviour depends on */
  readonly when: string;
}

const K = "arch/arm64/kvm/";
const HYP_SWITCH_H = `${K}hyp/include/hyp/switch.h`;
const VHE_SWITCH = `${K}hyp/vhe/switch.c`;
const VHE_SYSREG = `${K}hyp/vhe/sysreg-sr.c`;
const f = (file: string, fn: string): Src => ({ file, fn });

export const STEP_SOURCES: Readonly<Record<StepName, Cited>> = {
  lazySwitchToGuest: {
    src: [f(HYP_SWITCH_H, "fpsimd_lazy_switch_to_guest")],
    when: "the vcpu owns the FP registers and has SVE: ZCR_EL1 restored, ZCR_EL2 set to the vcpu's vector length",
  },
  lazySwitchToHost: {
    src: [f(HYP_SWITCH_H, "fpsimd_lazy_switch_to_host")],
    when: "the vcpu owns the FP registers and has SVE: the guest's ZCR_EL1 saved, ZCR_EL2 back to the maximum",
  },
  ctxflushFp: { src: [f(`${K}fpsimd.c`, "kvm_arch_vcpu_ctxflush_fp")], when: "TIF_FOREIGN_FPSTATE set: fp_owner becomes FREE" },
  ctxsyncFp: { src: [f(`${K}fpsimd.c`, "kvm_arch_vcpu_ctxsync_fp")], when: "fp_owner is GUEST_OWNED: the vcpu's state bound to the CPU" },
  putFp: {
    src: [f(`${K}fpsimd.c`, "kvm_arch_vcpu_put_fp")],
    when: "the guest owns the registers (saved; the change returns early inside a nested exception or ERET)",
  },
  loadFp: {
    src: [f(`${K}fpsimd.c`, "kvm_arch_vcpu_load_fp")],
    when: "always, except that the change returns early inside a nested exception or ERET: the host's state saved and flushed",
  },
  computeHcr: {
    src: [f(VHE_SWITCH, "__compute_hcr"), f(HYP_SWITCH_H, "___activate_traps")],
    when: "a vcpu with NV: HCR_EL2 from the guest hypervisor's in nested context, VNCR_EL2 in hyp context",
  },
  putSysregs: {
    src: [f(VHE_SYSREG, "__vcpu_put_switch_sysregs"), f(VHE_SYSREG, "__sysreg_save_vel2_state")],
    when: "hyp context: the vEL2 state; otherwise the EL1 state; the user state always",
  },
  loadSysregs: {
    src: [f(VHE_SYSREG, "__vcpu_load_switch_sysregs"), f(VHE_SYSREG, "__sysreg_restore_vel2_state")],
    when: "hyp context: the vEL2 state (a dsb(nsh) with NV); otherwise the EL1 state",
  },
  loadHwMmu: {
    src: [f(`${K}nested.c`, "kvm_vcpu_load_hw_mmu"), f(`${K}nested.c`, "get_s2_mmu_nested")],
    when: "nested context: the shadow stage-2 looked up (mmu_lock for write); the VMID updated",
  },
  fgtPut: {
    src: [f(HYP_SWITCH_H, "__deactivate_traps_hfgxtr")],
    when: "FEAT_FGT (every level sees the hardware's: nested.c limit_nv_id_reg leaves ID_AA64MMFR0_EL1.FGT)",
  },
  fgtLoad: { src: [f(HYP_SWITCH_H, "__activate_traps_hfgxtr"), f(`${K}config.c`, "kvm_vcpu_load_fgt")], when: "FEAT_FGT, as fgtPut" },
  pmuTrapsPut: {
    src: [f(HYP_SWITCH_H, "__deactivate_traps_common")],
    when: "system_supports_pmuv3(): the hardware PMU at L0; at a guest hypervisor only with a vPMU (sys_regs.c sanitise_id_aa64dfr0_el1)",
  },
  pmuTrapsLoad: { src: [f(HYP_SWITCH_H, "__activate_traps_common")], when: "as pmuTrapsPut" },
  vcpuPut: { src: [f(`${K}arm.c`, "kvm_arch_vcpu_put")], when: "scheduling out, a nested transition, or a return to userspace" },
  vcpuLoad: { src: [f(`${K}arm.c`, "kvm_arch_vcpu_load")], when: "scheduling in, a nested transition, or KVM_RUN" },
  cntpoffEnter: { src: [f(VHE_SWITCH, "__activate_traps")], when: "has_cntpoff(): L0 with FEAT_ECV (a guest hypervisor is never offered CNTPOFF)" },
  cntpoffExit: { src: [f(VHE_SWITCH, "__deactivate_traps")], when: "has_cntpoff(), as for cntpoffEnter" },
  cntpoffLoad: { src: [f(`${K}arch_timer.c`, "set_cntpoff")], when: "has_cntpoff(), as for cntpoffEnter" },
  timerSyncNested: {
    src: [f(`${K}arch_timer.c`, "kvm_timer_sync_nested")],
    when: "hyp context without FEAT_ECV: the emulated timers cancelled and re-evaluated (a counter read each)",
  },
  putTimer: { src: [f(`${K}arch_timer.c`, "kvm_timer_vcpu_put")], when: "always; the NV vcpu's four timers in hyp context, its two direct ones otherwise" },
  loadTimer: { src: [f(`${K}arch_timer.c`, "kvm_timer_vcpu_load")], when: "always; as for putTimer" },
  timerMapSwitch: {
    src: [f(`${K}arch_timer.c`, "kvm_timer_vcpu_load_nested_switch")],
    when: "an NV vcpu whose timer map changed since the last load (hyp <-> nested context)",
  },
  counterRead: {
    src: [f("drivers/clocksource/arm_arch_timer.c", "arch_counter_register")],
    when: "a kernel clock read: the virtual counter with the EL2 virtual timer, the physical one otherwise",
  },
  physCounterRead: {
    src: [f("arch/arm64/include/asm/arch_timer.h", "arch_timer_read_cntpct_el0"), f(`${K}arch_timer.c`, "timer_set_traps")],
    when: "traps with a non-zero physical offset and no CNTPOFF below; an isb first without FEAT_ECV",
  },
  hptimerReadCtl: {
    src: [f("arch/arm64/include/asm/arch_timer.h", "arch_timer_reg_read_cp15"), f(`${K}arch_timer.c`, "timer_set_traps")],
    when: "a hypervisor kernel on its EL2 physical timer: traps with a physical offset and no CNTPOFF below (a hyp fast-path read)",
  },
  hptimerWriteCtl: {
    src: [f("arch/arm64/include/asm/arch_timer.h", "arch_timer_reg_write_cp15"), f(`${K}arch_timer.c`, "timer_set_traps")],
    when: "as hptimerReadCtl; a trapped write is a full exit (sys_regs.c access_arch_timer)",
  },
  hptimerWriteCval: {
    src: [f("arch/arm64/include/asm/arch_timer.h", "arch_timer_reg_write_cp15"), f(`${K}arch_timer.c`, "timer_set_traps")],
    when: "as hptimerWriteCtl",
  },
  virtCounterRead: { src: [f("arch/arm64/include/asm/arch_timer.h", "arch_timer_read_cntvct_el0")], when: "an isb first without FEAT_ECV" },
  timerSetTraps: {
    src: [f(`${K}arch_timer.c`, "timer_set_traps")],
    when: "every load: CNTHCTL_EL2 read; written only when it changes (with ECV, each hyp <-> nested switch of an NV vcpu)",
  },
  loadDebug: { src: [f(`${K}debug.c`, "kvm_vcpu_load_debug")], when: "every load: debug_owner FREE unless the guest's MDSCR_EL1 enables KDE/MDE" },
  debugSwitchToGuest: { src: [f(`${K}hyp/include/hyp/debug-sr.h`, "__debug_switch_to_guest_common")], when: "debug_owner not FREE" },
  debugSwitchToHost: { src: [f(`${K}hyp/include/hyp/debug-sr.h`, "__debug_switch_to_host_common")], when: "debug_owner not FREE" },
  vgicFlush: {
    src: [f(`${K}vgic/vgic.c`, "kvm_vgic_flush_hwstate"), f(`${K}hyp/vgic-v3-sr.c`, "__vgic_v3_restore_state")],
    when: "every entry; vgic_v3_flush_nested in a nested state",
  },
  vgicSync: {
    src: [f(`${K}vgic/vgic.c`, "kvm_vgic_sync_hwstate"), f(`${K}hyp/vgic-v3-sr.c`, "__vgic_v3_save_state")],
    when: "every exit; vgic_v3_sync_nested in a nested state",
  },
  putVgic: { src: [f(`${K}vgic/vgic-v3.c`, "vgic_v3_put"), f(`${K}vgic/vgic-v3-nested.c`, "vgic_v3_put_nested")], when: "every put" },
  loadVgic: { src: [f(`${K}vgic/vgic-v3.c`, "vgic_v3_load"), f(`${K}vgic/vgic-v3-nested.c`, "vgic_v3_load_nested")], when: "every load" },
};

export const HANDLER_SOURCES: Readonly<Record<TrapReason, Cited>> = {
  hvc: { src: [f(`${K}handle_exit.c`, "handle_hvc"), f(`${K}handle_exit.c`, "handle_exit")], when: "a full exit at the owner (the hypercall handled in the run loop)" },
  "mmio-kernel": {
    src: [f(`${K}mmu.c`, "kvm_handle_guest_abort"), f(`${K}mmio.c`, "io_mem_abort")],
    when: "an access to an in-kernel device (the vgic distributor): handled without leaving the kernel",
  },
  "mmio-user": { src: [f(`${K}mmio.c`, "io_mem_abort"), f(`${K}arm.c`, "kvm_arch_vcpu_ioctl_run")], when: "no in-kernel device: KVM_EXIT_MMIO to the VMM, then KVM_RUN" },
  sysreg: {
    src: [f(VHE_SWITCH, "kvm_hyp_handle_sysreg_vhe"), f(`${K}sys_regs.c`, "kvm_handle_sys_reg"), f(`${K}sys_regs.c`, "trap_debug_regs")],
    when: "a hyp fast path when one completes the access (CPACR, timer reads in hyp context); otherwise a full exit (trap_debug_regs for a debug register)",
  },
  eret: {
    src: [f(VHE_SWITCH, "kvm_hyp_handle_eret"), f(`${K}emulate-nested.c`, "kvm_emulate_nested_eret")],
    when: "an ERET within the guest hypervisor's own EL2 (inhost) is a fast path; an ERET into its guest is a nested ERET (full exit)",
  },
  fp: { src: [f(HYP_SWITCH_H, "kvm_hyp_handle_fpsimd")], when: "the vcpu does not own the FP registers: a fast path that loads them" },
  "irq-timer": { src: [f(`${K}handle_exit.c`, "handle_exit"), f(`${K}arch_timer.c`, "kvm_arch_timer_handler")], when: "a full exit (ARM_EXCEPTION_IRQ)" },
  "irq-ipi": { src: [f(`${K}handle_exit.c`, "handle_exit")], when: "a full exit (ARM_EXCEPTION_IRQ)" },
  wfi: { src: [f(`${K}handle_exit.c`, "kvm_handle_wfx"), f(`${K}arm.c`, "kvm_vcpu_wfi")], when: "nothing pending: the vcpu blocks (put, schedule, load)" },
  s2fault: { src: [f(`${K}mmu.c`, "kvm_handle_guest_abort"), f(`${K}mmu.c`, "user_mem_abort")], when: "a stage-2 fault on RAM" },
  "s2-shadow": { src: [f(`${K}mmu.c`, "kvm_handle_guest_abort"), f(`${K}nested.c`, "kvm_walk_nested_s2")], when: "a fault in a shadow stage-2: the guest hypervisor's tables walked" },
  "host-irq": { src: [f(`${K}handle_exit.c`, "handle_exit")], when: "a host interrupt at L0 while a guest runs" },
  "irq-hyptick": { src: [f(`${K}arch_timer.c`, "kvm_timer_update_irq")], when: "the guest hypervisor's EL2 timer fires (emulated below)" },
  "hvc-hyp": { src: [f(`${K}hyp/nvhe/switch.c`, "__kvm_vcpu_run")], when: "an nVHE guest hypervisor's host kernel calls its own hyp (kvm_call_hyp)" },
  sgi: { src: [f(`${K}sys_regs.c`, "access_gic_sgi"), f(`${K}vgic/vgic-mmio-v3.c`, "vgic_v3_dispatch_sgi")], when: "a write to ICC_SGI1R_EL1 (trapped by ICH_HCR_EL2.TC)" },
};
