import { parseOp, type Op, type OpSpec } from "./ops";

/**
 * The KVM/arm64 code paths that every level runs, as ordered operation lists. One model, instantiated at every level:
 * at L0 every access runs on hardware; at a guest hypervisor each is classified by lib/arch/sysregs.ts (native, VNCR
 * memory, or a trap to L0 that the owning hypervisor handles).
 *
 * Read against a VHE host kernel with FEAT_NV2, FEAT_ECV (CNTPOFF), GICv3 (no GICv4), pointer authentication in use
 * by guests, PMUv3 visible to every vcpu, no RAS/MTE/SME/MPAM/FEAT_FGT2, debug not in use. Sources are mainline
 * trees of 2025-2026 (arch/arm64/kvm/...). Each path cites the functions it follows; "inference" marks steps
 * deduced rather than read.
 */
/** A function of the kernel source that a path follows (checked by lib/kvm/verify.ts against the pinned tree). */
export interface Src {
  /** relative to the kernel tree's root */
  readonly file: string;
  readonly fn: string;
  /** set when the function lies outside the reference tree (generic kernel code): why it is cited anyway */
  readonly outside?: string;
}

export interface PathDef {
  /** the functions the path follows, in order */
  readonly src: readonly Src[];
  /** a human summary of what the path follows and on which conditions */
  readonly cite: string;
  readonly ops: readonly OpSpec[];
  /**
   * accesses the verifier cannot find in the cited code, each with the reason (keyed by the op, or `* REG` for every
   * access of a register in this path)
   */
  readonly unverified?: Readonly<Record<string, string>>;
}

const APKEYS_10_R: OpSpec[] = Array.from({ length: 10 }, () => "R APKEY_EL1" as const);
const APKEYS_10_W: OpSpec[] = Array.from({ length: 10 }, () => "W APKEY_EL1" as const);

export const PATH_DEFS = {
  /** Entry half of the run: everything between the run loop's decision to enter and the ERET into the guest. */
  guestEnter: {
    src: [{ file: "arch/arm64/kvm/hyp/vhe/switch.c", fn: "__kvm_vcpu_run" }, { file: "arch/arm64/kvm/hyp/vhe/switch.c", fn: "__kvm_vcpu_run_vhe" }, { file: "arch/arm64/kvm/hyp/include/hyp/switch.h", fn: "fpsimd_lazy_switch_to_guest" }, { file: "arch/arm64/kvm/hyp/vhe/sysreg-sr.c", fn: "sysreg_save_host_state_vhe" }, { file: "arch/arm64/kvm/hyp/vhe/switch.c", fn: "__activate_traps" }, { file: "arch/arm64/kvm/hyp/include/hyp/switch.h", fn: "__activate_cptr_traps_vhe" }, { file: "arch/arm64/kvm/hyp/vhe/sysreg-sr.c", fn: "sysreg_restore_guest_state_vhe" }, { file: "arch/arm64/kvm/hyp/include/hyp/debug-sr.h", fn: "__debug_switch_to_guest_common" }],
    cite:
      "hyp/vhe/switch.c __kvm_vcpu_run (local_daif_mask), __kvm_vcpu_run_vhe (entry half, in 7.3's order): " +
      "fpsimd_lazy_switch_to_guest, sysreg_save_host_state_vhe (__sysreg_save_common_state), __activate_traps " +
      "(__compute_hcr, ___activate_traps, has_cntpoff block, __activate_cptr_traps, VBAR), __kvm_adjust_pc, " +
      "sysreg_restore_guest_state_vhe (__sysreg_restore_common_state, __sysreg_restore_el2_return_state), " +
      "__debug_switch_to_guest; then __guest_enter",
    ops: [
      "W DAIF",
      "step lazySwitchToGuest",
      "R TPIDR_EL2", // host_data_ptr(host_ctxt)
      "R MDSCR_EL1", // __sysreg_save_common_state(host)
      "step computeHcr", // W HCR_EL2 (+ W VNCR_EL2 in hyp context or recursive NV)
      "step cntpoffEnter", // has_cntpoff(): W CNTP_CVAL_EL02; isb
      "W CPACR_EL1", // __activate_cptr_traps_vhe -> CPTR_EL2 (E2H)
      "R TPIDR_EL2", // this_cpu_ptr(kvm_hyp_vector)
      "W VBAR_EL1",
      "code hypExitCode",
      "W MDSCR_EL1", // __sysreg_restore_common_state(guest)
      "W ELR_EL1", // __sysreg_restore_el2_return_state: write_sysreg_el2(SYS_ELR) (EL1 encoding with E2H)
      "W SPSR_EL1",
      "step debugSwitchToGuest", // __debug_switch_to_guest: only while the debug registers are in use
      "call guestEnterAsm",
    ],
  },
  /** hyp/entry.S __guest_enter: host callee-saved state out, guest GPRs and keys in, ERET (by the caller). */
  guestEnterAsm: {
    src: [{ file: "arch/arm64/kvm/hyp/entry.S", fn: "__guest_enter" }],
    cite:
      "hyp/entry.S __guest_enter: adr_this_cpu, save_callee_saved_regs, save_sp_el0, the pending-IRQ check (mrs isr_el1), " +
      "set_loaded_vcpu, ptrauth_switch_to_guest (include/asm/kvm_ptrauth.h), restore_sp_el0, guest x0-x30",
    ops: [
      "R TPIDR_EL2", // adr_this_cpu kvm_hyp_ctxt
      "gpr", // save host callee-saved registers
      "R SP_EL0",
      "R ISR_EL1", // an interrupt already pending: back out (not modelled: none is)
      "R TPIDR_EL2", // set_loaded_vcpu
      "R HCR_EL2", // ptrauth_switch_to_guest: test HCR_EL2.API|APK
      ...APKEYS_10_W,
      "W SP_EL0",
      "gpr", // load guest x0-x30
    ],
  },
  /** A synchronous exception: the vector's el1_sync, __guest_exit, fixup_guest_exit up to the fast-path decision. */
  guestExitSync: {
    src: [{ file: "arch/arm64/kvm/hyp/hyp-entry.S", fn: "el1_sync" }, { file: "arch/arm64/kvm/hyp/hyp-entry.S", fn: "el1_trap" }, { file: "arch/arm64/kvm/hyp/include/hyp/switch.h", fn: "__fixup_guest_exit" }],
    cite:
      "hyp/hyp-entry.S el1_sync (mrs esr_el2: the EL2 encoding, redirected to EL1 by NV2), el1_trap (get_vcpu_ptr); " +
      "__guest_exit and synchronize_vcpu_pstate (guestExitCommon); hyp/include/hyp/switch.h __fixup_guest_exit: " +
      "read_sysreg_el2(SYS_ESR) for a non-IRQ exit",
    ops: ["R ESR_EL2", "R TPIDR_EL2", "call guestExitCommon", "R ESR_EL1"],
  },
  /** An interrupt: the vector's el1_irq (no syndrome), __guest_exit, fixup_guest_exit. */
  guestExitIrq: {
    src: [{ file: "arch/arm64/kvm/hyp/hyp-entry.S", fn: "el1_irq" }],
    cite: "hyp/hyp-entry.S el1_irq (get_vcpu_ptr); __guest_exit and synchronize_vcpu_pstate (guestExitCommon)",
    ops: ["R TPIDR_EL2", "call guestExitCommon"],
  },
  /** hyp/entry.S __guest_exit and the PSTATE sync of fixup_guest_exit. */
  guestExitCommon: {
    src: [{ file: "arch/arm64/kvm/hyp/entry.S", fn: "__guest_exit" }, { file: "arch/arm64/kvm/hyp/vhe/switch.c", fn: "fixup_guest_exit" }, { file: "arch/arm64/kvm/hyp/include/hyp/switch.h", fn: "synchronize_vcpu_pstate" }],
    cite:
      "hyp/entry.S __guest_exit (ptrauth_switch_to_hyp, set_loaded_vcpu, without RAS: dsb sy; isb; mrs isr_el1); " +
      "hyp/vhe/switch.c fixup_guest_exit -> hyp/include/hyp/switch.h synchronize_vcpu_pstate (fixup_nv_guest_exit " +
      "reads only memory)",
    ops: [
      "gpr", // store guest x0-x30
      "R SP_EL0",
      "R TPIDR_EL2", // adr_this_cpu kvm_hyp_ctxt
      "R HCR_EL2", // ptrauth_switch_to_hyp
      ...APKEYS_10_R,
      ...APKEYS_10_W,
      "W SP_EL0",
      "gpr", // restore host callee-saved registers
      "R TPIDR_EL2", // set_loaded_vcpu xzr
      "dsb", // no RAS: dsb sy; isb; mrs isr_el1
      "isb",
      "R ISR_EL1",
      "R SPSR_EL1", // synchronize_vcpu_pstate: read_sysreg_el2(SYS_SPSR)
    ],
  },
  /** fixup_guest_exit returned true: re-enter without leaving hyp (back to __guest_enter). */
  fastReenter: {
    src: [{ file: "arch/arm64/kvm/hyp/vhe/switch.c", fn: "__kvm_vcpu_run_vhe" }],
    cite: "hyp/vhe/switch.c __kvm_vcpu_run_vhe do { __guest_enter } while (fixup_guest_exit())",
    ops: ["call guestEnterAsm"],
  },
  /** The exit half of __kvm_vcpu_run_vhe after the loop ends (a full exit). */
  exitHalf: {
    src: [{ file: "arch/arm64/kvm/hyp/vhe/switch.c", fn: "__kvm_vcpu_run_vhe" }, { file: "arch/arm64/kvm/hyp/vhe/sysreg-sr.c", fn: "sysreg_save_guest_state_vhe" }, { file: "arch/arm64/kvm/hyp/vhe/switch.c", fn: "__deactivate_traps" }, { file: "arch/arm64/kvm/hyp/include/hyp/switch.h", fn: "__deactivate_cptr_traps_vhe" }, { file: "arch/arm64/kvm/hyp/vhe/sysreg-sr.c", fn: "sysreg_restore_host_state_vhe" }, { file: "arch/arm64/kvm/hyp/include/hyp/debug-sr.h", fn: "__debug_switch_to_host_common" }, { file: "arch/arm64/kvm/hyp/include/hyp/switch.h", fn: "fpsimd_lazy_switch_to_host" }, { file: "arch/arm64/kvm/hyp/vhe/switch.c", fn: "__kvm_vcpu_run" }],
    cite:
      "hyp/vhe/switch.c __kvm_vcpu_run_vhe (exit half, in 7.3's order): sysreg_save_guest_state_vhe " +
      "(__sysreg_save_common_state, __sysreg_save_el2_return_state), __deactivate_traps, sysreg_restore_host_state_vhe " +
      "(__sysreg_restore_common_state), __debug_switch_to_host, isb, fpsimd_lazy_switch_to_host; __kvm_vcpu_run " +
      "local_daif_restore",
    ops: [
      "R MDSCR_EL1", // __sysreg_save_common_state(guest)
      "R ELR_EL1", // __sysreg_save_el2_return_state
      "W HCR_EL2", // __deactivate_traps: HCR_HOST_VHE_FLAGS
      "step cntpoffExit", // has_cntpoff(): direct ptimer CVAL fix-up
      "W CPACR_EL1", // __deactivate_cptr_traps_vhe
      "R TPIDR_EL2", // this_cpu_vector
      "W VBAR_EL1", // host vectors
      "W MDSCR_EL1", // __sysreg_restore_common_state(host)
      "step debugSwitchToHost", // __debug_switch_to_host: only while the debug registers are in use
      "isb",
      "step lazySwitchToHost",
      "W DAIF",
      "code hypExitCode",
    ],
  },
  /**
   * __debug_switch_to_guest / __debug_switch_to_host while the vcpu's debug registers are in use (debug_owner not
   * FREE): the state of one side saved, the other's restored, for each breakpoint and watchpoint of the CPU. The
   * model's CPU has 6 breakpoints and 4 watchpoints (ID_AA64DFR0_EL1.BRPs = 5, WRPs = 3: Neoverse N1/N2/V1 and
   * Ampere Altra; the count is CPU-specific, host_data->debug_brps/debug_wrps).
   */
  debugStateSwitch: {
    src: [{ file: "arch/arm64/kvm/hyp/include/hyp/debug-sr.h", fn: "__debug_save_state" }, { file: "arch/arm64/kvm/hyp/include/hyp/debug-sr.h", fn: "__debug_restore_state" }],
    cite: "hyp/include/hyp/debug-sr.h __debug_switch_to_guest_common / __debug_switch_to_host_common: __debug_save_state, __debug_restore_state",
    ops: [
      ...Array.from({ length: 6 }, () => "R DBGBCR_EL1" as const),
      ...Array.from({ length: 6 }, () => "R DBGBVR_EL1" as const),
      ...Array.from({ length: 4 }, () => "R DBGWCR_EL1" as const),
      ...Array.from({ length: 4 }, () => "R DBGWVR_EL1" as const),
      "R MDCCINT_EL1",
      ...Array.from({ length: 6 }, () => "W DBGBCR_EL1" as const),
      ...Array.from({ length: 6 }, () => "W DBGBVR_EL1" as const),
      ...Array.from({ length: 4 }, () => "W DBGWCR_EL1" as const),
      ...Array.from({ length: 4 }, () => "W DBGWVR_EL1" as const),
      "W MDCCINT_EL1",
    ],
  },
  /**
   * Run loop work before entering the guest (per iteration), up to trace_kvm_entry; the entry half (guestEnter)
   * follows it (kvm/arm.ts enterGuest), so that kvm_entry is emitted where the kernel emits it.
   */
  runLoopEntry: {
    src: [{ file: "arch/arm64/kvm/arm.c", fn: "kvm_arch_vcpu_ioctl_run" }, { file: "arch/arm64/kvm/vgic/vgic.c", fn: "kvm_vgic_flush_hwstate" }, { file: "arch/arm64/kvm/fpsimd.c", fn: "kvm_arch_vcpu_ctxflush_fp" }],
    cite:
      "arm.c kvm_arch_vcpu_ioctl_run loop: kvm_pmu_flush_hwstate, kvm_vgic_flush_hwstate, kvm_arch_vcpu_ctxflush_fp, " +
      "then trace_kvm_entry and kvm_arm_vcpu_enter_exit (the entry half: guestEnter)",
    ops: ["code runLoopCode", "step vgicFlush", "step ctxflushFp"],
  },
  /**
   * Run loop work after a full exit up to trace_kvm_exit: the exit half and the syncs (an interrupt's host handler,
   * taken in the IRQ window that follows them, runs after this path); handleExit follows trace_kvm_exit.
   */
  runLoopExit: {
    src: [{ file: "arch/arm64/kvm/arm.c", fn: "kvm_arch_vcpu_ioctl_run" }, { file: "arch/arm64/kvm/vgic/vgic.c", fn: "kvm_vgic_sync_hwstate" }, { file: "arch/arm64/kvm/arch_timer.c", fn: "kvm_timer_sync_nested" }, { file: "arch/arm64/kvm/fpsimd.c", fn: "kvm_arch_vcpu_ctxsync_fp" }],
    cite:
      "arm.c kvm_arch_vcpu_ioctl_run loop after kvm_arm_vcpu_enter_exit (the exit half): kvm_vgic_sync_hwstate, " +
      "kvm_timer_sync_nested (hyp context), kvm_arch_vcpu_ctxsync_fp; then the IRQ window and trace_kvm_exit",
    ops: ["call exitHalf", "step vgicSync", "step timerSyncNested", "step ctxsyncFp"],
  },
  /** After trace_kvm_exit: the run loop's exit handling up to the exit's handler. */
  handleExit: {
    src: [{ file: "arch/arm64/kvm/arm.c", fn: "kvm_arch_vcpu_ioctl_run" }, { file: "arch/arm64/kvm/handle_exit.c", fn: "handle_exit" }],
    cite:
      "arm.c kvm_arch_vcpu_ioctl_run after trace_kvm_exit: handle_exit_early, kvm_nested_sync_hwstate, preempt_enable; " +
      "handle_exit.c handle_exit -> handle_trap_exceptions -> the exit's handler",
    ops: ["code handleExitCode"],
  },
  /** kvm_arch_vcpu_put, component by component, in 7.3's order. */
  vcpuPut: {
    src: [{ file: "arch/arm64/kvm/arm.c", fn: "kvm_arch_vcpu_put" }, { file: "arch/arm64/kvm/debug.c", fn: "kvm_vcpu_put_debug" }, { file: "arch/arm64/kvm/hyp/vhe/switch.c", fn: "kvm_vcpu_put_vhe" }, { file: "arch/arm64/kvm/hyp/include/hyp/switch.h", fn: "__deactivate_traps_common" }, { file: "arch/arm64/kvm/hyp/include/hyp/switch.h", fn: "__deactivate_traps_hfgxtr" }],
    cite:
      "arm.c kvm_arch_vcpu_put: kvm_vcpu_put_debug (debug.c: MDCR_EL2 back to the host's), kvm_arch_vcpu_put_fp, " +
      "kvm_vcpu_put_vhe (hyp/vhe/switch.c __vcpu_put_deactivate_traps -> hyp/include/hyp/switch.h " +
      "__deactivate_traps_common: HSTR_EL2, PMUSERENR_EL0, HCRX_EL2, __deactivate_traps_hfgxtr with cpu_has_amu(); " +
      "hyp/vhe/sysreg-sr.c __vcpu_put_switch_sysregs), kvm_timer_vcpu_put, kvm_vgic_put, kvm_vcpu_pmu_restore_host, " +
      "kvm_vcpu_put_hw_mmu, kvm_arm_vmid_clear_active (memory)",
    unverified: {
      "R TPIDR_EL2":
        "host_data_ptr(host_ctxt) (asm/kvm_host.h) is this_cpu_ptr(&kvm_host_data), defined in include/linux/percpu-defs.h " +
        "outside the reference subset; its offset is __my_cpu_offset, which asm/percpu.h makes __hyp_my_cpu_offset(): " +
        "read_sysreg(tpidr_el2)",
    },
    ops: [
      "W MDCR_EL2", // kvm_vcpu_put_debug
      "step putFp",
      "R TPIDR_EL2", // host_data_ptr(host_ctxt)
      "W HSTR_EL2", // __deactivate_traps_common
      "step pmuTrapsPut",
      "W HCRX_EL2",
      "step fgtPut", // __deactivate_traps_hfgxtr (FEAT_FGT)
      "step putSysregs",
      "step putTimer",
      "step putVgic",
      "code putLoadCode",
    ],
  },
  /** kvm_arch_vcpu_load, component by component, in 7.3's order. */
  vcpuLoad: {
    src: [{ file: "arch/arm64/kvm/arm.c", fn: "kvm_arch_vcpu_load" }, { file: "arch/arm64/kvm/debug.c", fn: "kvm_vcpu_load_debug" }, { file: "arch/arm64/kvm/debug.c", fn: "kvm_arm_setup_mdcr_el2" }, { file: "arch/arm64/kvm/hyp/vhe/switch.c", fn: "kvm_vcpu_load_vhe" }, { file: "arch/arm64/kvm/hyp/include/hyp/switch.h", fn: "__activate_traps_common" }, { file: "arch/arm64/kvm/hyp/include/hyp/switch.h", fn: "__activate_traps_hfgxtr" }, { file: "arch/arm64/include/asm/kvm_mmu.h", fn: "__load_stage2" }, { file: "arch/arm64/kvm/arm.c", fn: "vcpu_set_pauth_traps" }],
    cite:
      "arm.c kvm_arch_vcpu_load: kvm_vcpu_load_hw_mmu, kvm_arm_vmid_update, kvm_timer_vcpu_load, kvm_vgic_load, " +
      "kvm_vcpu_load_debug (debug.c: save the host's MDCR_EL2, debug_owner, kvm_arm_setup_mdcr_el2), kvm_vcpu_load_fgt " +
      "(memory), kvm_vcpu_load_vhe (hyp/vhe/sysreg-sr.c __vcpu_load_switch_sysregs, hyp/include/hyp/switch.h " +
      "__activate_traps_common with __activate_traps_hfgxtr and cpu_has_amu(), __load_stage2), kvm_arch_vcpu_load_fp, " +
      "kvm_vcpu_pmu_restore_guest, vcpu_set_pauth_traps (ptrauth_save_keys)",
    unverified: {
      "R TPIDR_EL2":
        "host_data_ptr(host_ctxt) (asm/kvm_host.h) is this_cpu_ptr(&kvm_host_data), defined in include/linux/percpu-defs.h " +
        "outside the reference subset; its offset is __my_cpu_offset, which asm/percpu.h makes __hyp_my_cpu_offset(): " +
        "read_sysreg(tpidr_el2)",
    },
    ops: [
      "step loadHwMmu",
      "step loadTimer",
      "step loadVgic",
      "R MDCR_EL2", // kvm_vcpu_load_debug: the host's MDCR_EL2
      "step loadDebug",
      "W MDCR_EL2", // kvm_arm_setup_mdcr_el2
      "R TPIDR_EL2",
      "step loadSysregs",
      "W HSTR_EL2", // __activate_traps_common
      "step pmuTrapsLoad",
      "R HCRX_EL2",
      "W HCRX_EL2",
      "step fgtLoad", // __activate_traps_hfgxtr (FEAT_FGT)
      "W VTCR_EL2", // __load_stage2
      "W VTTBR_EL2",
      "step loadFp",
      "code putLoadCode",
      ...APKEYS_10_R, // vcpu_set_pauth_traps -> ptrauth_save_keys(host)
    ],
  },
  /** __activate_traps_hfgxtr with FEAT_FGT: each fine-grained trap register saved (the host's) and written (the vcpu's). */
  fgtActivate: {
    src: [{ file: "arch/arm64/kvm/hyp/include/hyp/switch.h", fn: "__activate_traps_hfgxtr" }, { file: "arch/arm64/kvm/hyp/include/hyp/switch.h", fn: "cpu_has_amu" }],
    cite:
      "hyp/include/hyp/switch.h __activate_traps_hfgxtr: __activate_fgt x5 (read_sysreg_s then write_sysreg_s); " +
      "cpu_has_amu(): an ID_AA64PFR0_EL1 read, which HCR_EL2.TID3 traps at a guest hypervisor (AMU hidden from guests: " +
      "no HAFGRTR_EL2 there; the model's CPU has no AMU, nor FEAT_FGT2)",
    ops: [
      "R HFGRTR_EL2", "W HFGRTR_EL2", "R HFGWTR_EL2", "W HFGWTR_EL2", "R HFGITR_EL2", "W HFGITR_EL2",
      "R HDFGRTR_EL2", "W HDFGRTR_EL2", "R HDFGWTR_EL2", "W HDFGWTR_EL2",
      "R ID_AA64PFR0_EL1",
    ],
  },
  /** __deactivate_traps_hfgxtr with FEAT_FGT: the host's values written back. */
  fgtDeactivate: {
    src: [{ file: "arch/arm64/kvm/hyp/include/hyp/switch.h", fn: "__deactivate_traps_hfgxtr" }, { file: "arch/arm64/kvm/hyp/include/hyp/switch.h", fn: "cpu_has_amu" }],
    cite: "hyp/include/hyp/switch.h __deactivate_traps_hfgxtr: __deactivate_fgt x5 (write_sysreg_s); cpu_has_amu()",
    ops: ["W HFGRTR_EL2", "W HFGWTR_EL2", "W HFGITR_EL2", "W HDFGRTR_EL2", "W HDFGWTR_EL2", "R ID_AA64PFR0_EL1"],
  },
  /** __activate_traps_common with a PMU (the hardware's at L0, a vPMU at a guest hypervisor): PMSELR_EL0, PMUSERENR_EL0. */
  pmuActivate: {
    src: [{ file: "arch/arm64/kvm/hyp/include/hyp/switch.h", fn: "__activate_traps_common" }],
    cite:
      "hyp/include/hyp/switch.h __activate_traps_common, if system_supports_pmuv3(): PMSELR_EL0 cleared, the host's " +
      "PMUSERENR_EL0 saved and the guest's written; MDCR_EL2.TPM traps them at a guest hypervisor (access_pmselr, " +
      "access_pmuserenr)",
    ops: ["W PMSELR_EL0", "R PMUSERENR_EL0_TRAPPED", "W PMUSERENR_EL0_TRAPPED"],
  },
  /** __deactivate_traps_common with a PMU: the host's PMUSERENR_EL0 back. */
  pmuDeactivate: {
    src: [{ file: "arch/arm64/kvm/hyp/include/hyp/switch.h", fn: "__deactivate_traps_common" }],
    cite: "hyp/include/hyp/switch.h __deactivate_traps_common, if system_supports_pmuv3(): PMUSERENR_EL0 restored",
    ops: ["W PMUSERENR_EL0_TRAPPED"],
  },
  /** kvm_timer_vcpu_put for a non-NV vcpu: save and disable both direct timers, CNTVOFF back to the host's. */
  timerPut: {
    src: [{ file: "arch/arm64/kvm/arch_timer.c", fn: "kvm_timer_vcpu_put" }, { file: "arch/arm64/kvm/arch_timer.c", fn: "timer_save_state" }],
    cite:
      "arch_timer.c kvm_timer_vcpu_put -> timer_save_state x2 (read CTL and CVAL through the EL02 encodings, " +
      "disable: write CTL, isb), set_cntvoff(0)",
    ops: [
      "R CNTV_CTL_EL02", "R CNTV_CVAL_EL02", "W CNTV_CTL_EL02", "isb",
      "R CNTP_CTL_EL02", "R CNTP_CVAL_EL02", "W CNTP_CTL_EL02", "isb",
      "W CNTVOFF_EL2",
    ],
  },
  /** kvm_timer_vcpu_put for an NV vcpu: as above, then cancel the two emulated timers' hrtimers. */
  timerPutNested: {
    src: [{ file: "arch/arm64/kvm/arch_timer.c", fn: "kvm_timer_vcpu_put" }],
    cite: "arch_timer.c kvm_timer_vcpu_put: timer_save_state x2, set_cntvoff; soft_timer_cancel x2 (emulated timers)",
    ops: ["call timerPut", "code timerEmulCode"],
  },
  /** kvm_timer_vcpu_load for a non-NV vcpu: the direct timers, then timer_set_traps. */
  timerLoad: {
    src: [{ file: "arch/arm64/kvm/arch_timer.c", fn: "kvm_timer_vcpu_load" }],
    cite: "arch_timer.c kvm_timer_vcpu_load (a vcpu without NV): the direct timers (timerLoadDirect), timer_set_traps",
    ops: ["call timerLoadDirect", "step timerSetTraps"],
  },
  /** The direct timers' active state in the GIC, the offsets, and their CVAL/CTL restore. */
  timerLoadDirect: {
    src: [{ file: "arch/arm64/kvm/arch_timer.c", fn: "kvm_timer_vcpu_load_gic" }, { file: "arch/arm64/kvm/arch_timer.c", fn: "timer_restore_state" }],
    cite:
      "arch_timer.c kvm_timer_vcpu_load_gic x2 (set_timer_irq_phys_active -> irq_set_irqchip_state(ACTIVE) -> " +
      "drivers/irqchip/irq-gic-v3.c gic_irq_set_irqchip_state: GICR I[SC]ACTIVER0), timer_restore_state x2 " +
      "(set_cntvoff, set_cntpoff: CNTPOFF on hardware with FEAT_ECV only; CVAL, isb, CTL)",
    ops: [
      "mmio gicr", "mmio gicr",
      "W CNTVOFF_EL2",
      "step cntpoffLoad",
      "W CNTV_CVAL_EL02", "isb", "W CNTV_CTL_EL02",
      "W CNTP_CVAL_EL02", "isb", "W CNTP_CTL_EL02",
    ],
  },
  /** kvm_timer_vcpu_load for an NV vcpu: map switch when the context changed, the load, emulated timers, traps. */
  timerLoadNested: {
    src: [{ file: "arch/arm64/kvm/arch_timer.c", fn: "kvm_timer_vcpu_load" }, { file: "arch/arm64/kvm/arch_timer.c", fn: "kvm_timer_vcpu_load_nested_switch" }],
    cite:
      "arch_timer.c kvm_timer_vcpu_load: kvm_timer_vcpu_load_nested_switch (unmap x2, map x2 when the hyp/nested " +
      "map changes), the direct timers, timer_emulate x2 (kvm_timer_should_fire: a counter read each), timer_set_traps",
    ops: ["step timerMapSwitch", "call timerLoadDirect", "step counterRead", "step counterRead", "step timerSetTraps"],
  },
  /** sysreg-sr.c __sysreg_save_vel2_state (VHE guest hypervisor in hyp context) + user state switch. */
  putSysregsVel2: {
    src: [{ file: "arch/arm64/kvm/hyp/vhe/sysreg-sr.c", fn: "__vcpu_put_switch_sysregs" }, { file: "arch/arm64/kvm/hyp/vhe/sysreg-sr.c", fn: "__sysreg_save_vel2_state" }],
    cite: "hyp/vhe/sysreg-sr.c __vcpu_put_switch_sysregs -> __sysreg_save_vel2_state, __sysreg_save_user_state, __sysreg_restore_user_state(host)",
    ops: [
      "R PAR_EL1", "R TPIDR_EL1", "R ESR_EL12", "R AFSR0_EL12", "R AFSR1_EL12", "R FAR_EL12", "R MAIR_EL12", "R VBAR_EL12",
      "R CONTEXTIDR_EL12", "R AMAIR_EL12", "R SCTLR_EL12", "R TTBR0_EL12", "R TTBR1_EL12", "R TCR_EL12", "R CNTKCTL_EL12",
      "R SP_EL1", "R ELR_EL12", "R SPSR_EL12",
      "R TPIDR_EL0", "R TPIDRRO_EL0", "W TPIDR_EL0", "W TPIDRRO_EL0",
    ],
  },
  /** sysreg-sr.h __sysreg_save_el1_state (a guest's EL1 set) + user state switch. */
  putSysregsEl1: {
    src: [{ file: "arch/arm64/kvm/hyp/vhe/sysreg-sr.c", fn: "__vcpu_put_switch_sysregs" }, { file: "arch/arm64/kvm/hyp/include/hyp/sysreg-sr.h", fn: "__sysreg_save_el1_state" }],
    cite: "hyp/vhe/sysreg-sr.c __vcpu_put_switch_sysregs -> hyp/include/hyp/sysreg-sr.h __sysreg_save_el1_state, user state",
    ops: [
      "R SCTLR_EL12", "R CPACR_EL12", "R TTBR0_EL12", "R TTBR1_EL12", "R TCR_EL12", "R ESR_EL12", "R AFSR0_EL12",
      "R AFSR1_EL12", "R FAR_EL12", "R MAIR_EL12", "R VBAR_EL12", "R CONTEXTIDR_EL12", "R AMAIR_EL12", "R CNTKCTL_EL12",
      "R PAR_EL1", "R TPIDR_EL1", "R SP_EL1", "R ELR_EL12", "R SPSR_EL12",
      "R TPIDR_EL0", "R TPIDRRO_EL0", "W TPIDR_EL0", "W TPIDRRO_EL0",
    ],
  },
  /** sysreg-sr.c __vcpu_load_switch_sysregs, hyp context: user state, dsb(nsh) (NV), __sysreg_restore_vel2_state. */
  loadSysregsVel2: {
    src: [{ file: "arch/arm64/kvm/hyp/vhe/sysreg-sr.c", fn: "__vcpu_load_switch_sysregs" }, { file: "arch/arm64/kvm/hyp/vhe/sysreg-sr.c", fn: "__sysreg_restore_vel2_state" }],
    cite: "hyp/vhe/sysreg-sr.c __vcpu_load_switch_sysregs -> __sysreg_restore_vel2_state",
    ops: [
      "R TPIDR_EL0", "R TPIDRRO_EL0", "dsb", "W TPIDR_EL0", "W TPIDRRO_EL0",
      "W PAR_EL1", "W TPIDR_EL1", "W VPIDR_EL2", "W VMPIDR_EL2", "W MAIR_EL12", "W VBAR_EL12", "W CONTEXTIDR_EL12",
      "W AMAIR_EL12", "W SCTLR_EL12", "W CPACR_EL12", "W TTBR0_EL12", "W TTBR1_EL12", "W TCR_EL12", "W CNTKCTL_EL12",
      "W ESR_EL12", "W AFSR0_EL12", "W AFSR1_EL12", "W FAR_EL12", "W SP_EL1", "W ELR_EL12", "W SPSR_EL12",
    ],
  },
  /** __vcpu_load_switch_sysregs, a guest's EL1 set (nested context: dsb(nsh) too). */
  loadSysregsEl1Nested: {
    src: [{ file: "arch/arm64/kvm/hyp/vhe/sysreg-sr.c", fn: "__vcpu_load_switch_sysregs" }],
    cite: "hyp/vhe/sysreg-sr.c __vcpu_load_switch_sysregs: __sysreg_restore_user_state, dsb(nsh), __sysreg_restore_el1_state",
    ops: ["R TPIDR_EL0", "R TPIDRRO_EL0", "dsb", "W TPIDR_EL0", "W TPIDRRO_EL0", "call restoreEl1State"],
  },
  /** __vcpu_load_switch_sysregs for a vcpu without NV (no dsb). */
  loadSysregsEl1: {
    src: [{ file: "arch/arm64/kvm/hyp/vhe/sysreg-sr.c", fn: "__vcpu_load_switch_sysregs" }],
    cite: "hyp/vhe/sysreg-sr.c __vcpu_load_switch_sysregs: __sysreg_restore_user_state, __sysreg_restore_el1_state",
    ops: ["R TPIDR_EL0", "R TPIDRRO_EL0", "W TPIDR_EL0", "W TPIDRRO_EL0", "call restoreEl1State"],
  },
  /** sysreg-sr.h __sysreg_restore_el1_state: a guest's EL1 set (one function, both callers above). */
  restoreEl1State: {
    src: [{ file: "arch/arm64/kvm/hyp/include/hyp/sysreg-sr.h", fn: "__sysreg_restore_el1_state" }],
    cite: "hyp/include/hyp/sysreg-sr.h __sysreg_restore_el1_state",
    ops: [
      "W VPIDR_EL2", "W VMPIDR_EL2", "W SCTLR_EL12", "W TCR_EL12", "W CPACR_EL12", "W TTBR0_EL12", "W TTBR1_EL12",
      "W ESR_EL12", "W AFSR0_EL12", "W AFSR1_EL12", "W FAR_EL12", "W MAIR_EL12", "W VBAR_EL12", "W CONTEXTIDR_EL12",
      "W AMAIR_EL12", "W CNTKCTL_EL12", "W PAR_EL1", "W TPIDR_EL1", "W SP_EL1", "W ELR_EL12", "W SPSR_EL12",
    ],
  },
  /**
   * vgic-v3.c vgic_v3_put: __vgic_v3_save_aprs (through kvm_call_hyp: then an isb), __vgic_v3_deactivate_traps. The
   * model's GIC has 5 priority bits (one AP0R and one AP1R register each), no GICv2 compatibility and no CPU-interface
   * trapping (the static keys vgic_v3_has_v2_compat and vgic_v3_cpuif_trap off), so deactivate_traps writes nothing.
   * ICH_VTR_EL2 is read only at boot (vgic.h vgic_ich_vtr() is a patched constant).
   */
  putVgic: {
    src: [{ file: "arch/arm64/kvm/vgic/vgic-v3.c", fn: "vgic_v3_put" }, { file: "arch/arm64/kvm/hyp/vgic-v3-sr.c", fn: "__vgic_v3_save_aprs" }, { file: "arch/arm64/kvm/hyp/vgic-v3-sr.c", fn: "__vgic_v3_deactivate_traps" }],
    cite: "vgic/vgic-v3.c vgic_v3_put -> hyp/vgic-v3-sr.c __vgic_v3_save_aprs, __vgic_v3_deactivate_traps; vgic/vgic.h vgic_ich_vtr",
    ops: ["R ICH_AP0R0_EL2", "R ICH_AP1R0_EL2", "isb"],
  },
  /** vgic-v3-nested.c vgic_v3_put_nested: the shadow's APRs saved and copied into the guest hypervisor's VNCR page. */
  putVgicNested: {
    src: [{ file: "arch/arm64/kvm/vgic/vgic-v3-nested.c", fn: "vgic_v3_put_nested" }, { file: "arch/arm64/kvm/hyp/vgic-v3-sr.c", fn: "__vgic_v3_save_aprs" }],
    cite: "vgic/vgic-v3-nested.c vgic_v3_put_nested -> hyp/vgic-v3-sr.c __vgic_v3_save_aprs, __vgic_v3_deactivate_traps",
    ops: ["R ICH_AP0R0_EL2", "R ICH_AP1R0_EL2"],
  },
  /** vgic-v3.c vgic_v3_load: __vgic_v3_restore_vmcr_aprs (through kvm_call_hyp), __vgic_v3_activate_traps (nothing, as above). */
  loadVgic: {
    src: [{ file: "arch/arm64/kvm/vgic/vgic-v3.c", fn: "vgic_v3_load" }, { file: "arch/arm64/kvm/hyp/vgic-v3-sr.c", fn: "__vgic_v3_restore_vmcr_aprs" }, { file: "arch/arm64/kvm/hyp/vgic-v3-sr.c", fn: "__vgic_v3_activate_traps" }],
    cite: "vgic/vgic-v3.c vgic_v3_load -> hyp/vgic-v3-sr.c __vgic_v3_restore_vmcr_aprs, __vgic_v3_activate_traps",
    ops: ["W ICH_VMCR_EL2", "W ICH_AP0R0_EL2", "W ICH_AP1R0_EL2", "isb"],
  },
  /** vgic-v3-nested.c vgic_v3_load_nested: the shadow built from the guest hypervisor's VNCR page, then restored. */
  loadVgicNested: {
    src: [{ file: "arch/arm64/kvm/vgic/vgic-v3-nested.c", fn: "vgic_v3_load_nested" }, { file: "arch/arm64/kvm/hyp/vgic-v3-sr.c", fn: "__vgic_v3_restore_vmcr_aprs" }],
    cite: "vgic/vgic-v3-nested.c vgic_v3_load_nested: vgic_v3_create_shadow_state, __vgic_v3_restore_vmcr_aprs, __vgic_v3_activate_traps",
    ops: ["code vgicInjectCode", "W ICH_VMCR_EL2", "W ICH_AP0R0_EL2", "W ICH_AP1R0_EL2"],
  },
  /**
   * kvm_vgic_sync_hwstate outside a nested state: __vgic_v3_save_state. Every exit reads ICH_VMCR_EL2, clears
   * ICH_HCR_EL2 and reads ICH_MISR_EL2 ("Hack alert: On NV, this results in a trap so that the above write actually
   * takes effect"); the list registers are read back only when some are in use (vgicSaveLrs).
   */
  vgicSaveState: {
    src: [{ file: "arch/arm64/kvm/vgic/vgic.c", fn: "kvm_vgic_sync_hwstate" }, { file: "arch/arm64/kvm/hyp/vgic-v3-sr.c", fn: "__vgic_v3_save_state" }],
    cite: "vgic/vgic.c kvm_vgic_sync_hwstate -> vgic_save_state -> hyp/vgic-v3-sr.c __vgic_v3_save_state",
    ops: ["R ICH_VMCR_EL2", "W ICH_HCR_EL2", "R ICH_MISR_EL2"],
  },
  /**
   * __vgic_v3_save_state with list registers in use: ICH_ELRSR_EL2 (the per-LR reads and clears follow in
   * lib/kvm/vgic.ts vgicSync: a read only for an LR that still holds state, __gic_v3_set_lr(0) for each).
   */
  vgicSaveLrs: {
    src: [{ file: "arch/arm64/kvm/hyp/vgic-v3-sr.c", fn: "__vgic_v3_save_state" }, { file: "arch/arm64/kvm/hyp/vgic-v3-sr.c", fn: "__gic_v3_get_lr" }],
    cite: "hyp/vgic-v3-sr.c __vgic_v3_save_state (used_lrs != 0): read_gicreg(ICH_ELRSR_EL2); per LR __gic_v3_get_lr if its ELRSR bit is clear, __gic_v3_set_lr(0)",
    ops: ["R ICH_ELRSR_EL2"],
  },
  /** kvm_vgic_sync_hwstate in a nested state: vgic_v3_sync_nested (the LR state copied to the guest hypervisor's page). */
  vgicSyncNested: {
    src: [{ file: "arch/arm64/kvm/vgic/vgic-v3-nested.c", fn: "vgic_v3_sync_nested" }],
    cite: "vgic/vgic-v3-nested.c vgic_v3_sync_nested: ICH_VMCR_EL2 and ICH_HCR_EL2.EOIcount synchronised, ICH_HCR_EL2 cleared, isb",
    ops: ["R ICH_VMCR_EL2", "R ICH_HCR_EL2", "W ICH_HCR_EL2", "isb"],
  },
  /**
   * nVHE guest hypervisor (E2H=0 at vEL2): its EL1-encoded accesses target the EL1 context it is switching, which
   * NV2 maps to the VNCR page; they are written here with the _EL12 names that carry that class.
   * hyp/nvhe/switch.c __kvm_vcpu_run (exit half): __sysreg_save_state_nvhe(guest), __timer_disable_traps,
   * __deactivate_traps (HCR_EL2, CPTR_EL2), __load_host_stage2 (VTTBR), __sysreg_restore_state_nvhe(host);
   * hyp/nvhe/host.S __host_enter. CPTR_EL2's treatment under NV (trap) is an inference.
   */
  nvheExitHalf: {
    src: [{ file: "arch/arm64/kvm/hyp/nvhe/switch.c", fn: "__kvm_vcpu_run" }, { file: "arch/arm64/kvm/hyp/nvhe/sysreg-sr.c", fn: "__sysreg_save_state_nvhe" }, { file: "arch/arm64/kvm/hyp/nvhe/sysreg-sr.c", fn: "__sysreg_restore_state_nvhe" }, { file: "arch/arm64/kvm/hyp/nvhe/switch.c", fn: "__deactivate_traps" }],
    cite:
      "hyp/nvhe/switch.c __kvm_vcpu_run exit half; hyp/nvhe/sysreg-sr.c __sysreg_save_state_nvhe / __sysreg_restore_state_nvhe; " +
      "hyp/include/hyp/sysreg-sr.h __sysreg_save_el1_state/__sysreg_restore_el1_state, __sysreg_save/restore_el2_return_state " +
      "(ELR/SPSR through read/write_sysreg_el2: the EL2 encodings in nVHE hyp code, NVHE_HYP_ENCODING)",
    ops: [
      "R SCTLR_EL12", "R CPACR_EL12", "R TTBR0_EL12", "R TTBR1_EL12", "R TCR_EL12", "R ESR_EL12", "R AFSR0_EL12", "R AFSR1_EL12", "R FAR_EL12", "R MAIR_EL12", "R VBAR_EL12", "R CONTEXTIDR_EL12", "R AMAIR_EL12", "R PAR_EL1", "R TPIDR_EL1", "R SP_EL1", "R ELR_EL12", "R SPSR_EL12", "R MDSCR_EL1",
      "R ELR_EL1", // __sysreg_save_el2_return_state(guest): the guest's PC (its PSTATE was read at the fixup)
      "R CNTHCTL_EL2", "W CNTHCTL_EL2",
      "W HCR_EL2", "W CPTR_EL2", "isb", "W VTTBR_EL2",
      "W SCTLR_EL12", "W CPACR_EL12", "W TTBR0_EL12", "W TTBR1_EL12", "W TCR_EL12", "W ESR_EL12", "W AFSR0_EL12", "W AFSR1_EL12", "W FAR_EL12", "W MAIR_EL12", "W VBAR_EL12", "W CONTEXTIDR_EL12", "W AMAIR_EL12", "W PAR_EL1", "W TPIDR_EL1", "W SP_EL1", "W ELR_EL12", "W SPSR_EL12", "W MDSCR_EL1",
      "W ELR_EL1", "W SPSR_EL1", // __sysreg_restore_el2_return_state(host)
      "step lazySwitchToHost", "code hypExitCode", "gpr",
    ],
  },
  /** hyp/nvhe/host.S __host_hvc: the host kernel's HVC arrives at the hyp vector; host GPRs saved. */
  nvheHostHvc: {
    src: [{ file: "arch/arm64/kvm/hyp/nvhe/host.S", fn: "__host_hvc" }, { file: "arch/arm64/kvm/hyp/nvhe/hyp-main.c", fn: "handle_trap" }],
    cite: "hyp/nvhe/host.S __host_hvc, handle_trap -> handle_host_hcall",
    ops: ["gpr", "R ESR_EL1", "code fastPathCode"],
  },
  /** hyp/nvhe/switch.c __kvm_vcpu_run (entry half): host EL1 state out, guest in, traps on, stage-2 loaded. */
  nvheEntryHalf: {
    src: [{ file: "arch/arm64/kvm/hyp/nvhe/switch.c", fn: "__kvm_vcpu_run" }, { file: "arch/arm64/kvm/hyp/nvhe/sysreg-sr.c", fn: "__sysreg_save_state_nvhe" }, { file: "arch/arm64/kvm/hyp/nvhe/sysreg-sr.c", fn: "__sysreg_restore_state_nvhe" }, { file: "arch/arm64/kvm/hyp/nvhe/switch.c", fn: "__activate_traps" }],
    cite: "hyp/nvhe/switch.c __kvm_vcpu_run entry half: __sysreg_save_state_nvhe(host), __activate_traps, __load_stage2, __sysreg_restore_state_nvhe(guest), __timer_enable_traps, __guest_enter",
    ops: [
      "R SCTLR_EL12", "R CPACR_EL12", "R TTBR0_EL12", "R TTBR1_EL12", "R TCR_EL12", "R ESR_EL12", "R AFSR0_EL12", "R AFSR1_EL12", "R FAR_EL12", "R MAIR_EL12", "R VBAR_EL12", "R CONTEXTIDR_EL12", "R AMAIR_EL12", "R PAR_EL1", "R TPIDR_EL1", "R SP_EL1", "R ELR_EL12", "R SPSR_EL12", "R MDSCR_EL1",
      "R ELR_EL1", "R SPSR_EL1", // __sysreg_save_el2_return_state(host): PC and PSTATE of the host kernel
      "W HCR_EL2", "W CPTR_EL2", "W VTCR_EL2", "W VTTBR_EL2", "isb",
      "W SCTLR_EL12", "W CPACR_EL12", "W TTBR0_EL12", "W TTBR1_EL12", "W TCR_EL12", "W ESR_EL12", "W AFSR0_EL12", "W AFSR1_EL12", "W FAR_EL12", "W MAIR_EL12", "W VBAR_EL12", "W CONTEXTIDR_EL12", "W AMAIR_EL12", "W PAR_EL1", "W TPIDR_EL1", "W SP_EL1", "W ELR_EL12", "W SPSR_EL12", "W MDSCR_EL1",
      "W ELR_EL1", "W SPSR_EL1", // __sysreg_restore_el2_return_state(guest)
      "R CNTHCTL_EL2", "W CNTHCTL_EL2",
      "step lazySwitchToGuest", "code hypExitCode", "gpr", "gpr",
    ],
  },
  /** The nVHE host kernel's run loop after the exit (arm.c), at EL1, up to the exit handler. */
  nvheHostRunLoopExit: {
    src: [{ file: "arch/arm64/kvm/arm.c", fn: "kvm_arch_vcpu_ioctl_run" }],
    cite: "arm.c kvm_arch_vcpu_ioctl_run after kvm_arm_vcpu_enter_exit: vgic sync, ctxsync_fp (then trace_kvm_exit and handleExit)",
    ops: ["step vgicSync", "step ctxsyncFp"],
  },
  /** The nVHE host kernel's run loop before the next entry, at EL1. */
  nvheHostRunLoopEntry: {
    src: [{ file: "arch/arm64/kvm/arm.c", fn: "kvm_arch_vcpu_ioctl_run" }],
    cite: "arm.c kvm_arch_vcpu_ioctl_run loop: vgic flush, ctxflush_fp, then trace_kvm_entry and kvm_call_hyp_ret(__kvm_vcpu_run)",
    ops: ["code runLoopCode", "step vgicFlush", "step ctxflushFp"],
  },
  /** __kvm_skip_instr / kvm_incr_pc committed at the next entry. */
  skipInstr: {
    src: [{ file: "arch/arm64/kvm/hyp/include/hyp/adjust_pc.h", fn: "__kvm_skip_instr" }],
    cite: "hyp/include/hyp/adjust_pc.h __kvm_skip_instr (inference: ELR/SPSR through the EL1 encodings with E2H)",
    ops: ["R ELR_EL1", "W ELR_EL1", "R SPSR_EL1", "W SPSR_EL1"],
  },
  /** kvm_hyp_handle_eret: an ERET to vEL2 or to InHost EL0 completed in hyp. */
  fastEret: {
    src: [{ file: "arch/arm64/kvm/hyp/vhe/switch.c", fn: "kvm_hyp_handle_eret" }],
    cite: "hyp/vhe/switch.c kvm_hyp_handle_eret",
    ops: ["code fastPathCode", "R SPSR_EL12", "R ELR_EL12", "W SPSR_EL1", "W ELR_EL1"],
  },
  /** kvm_hyp_handle_cpacr_el1 (CPACR_EL1 trapped by CPTR_EL2.TCPAC in hyp context). */
  fastCpacr: {
    src: [{ file: "arch/arm64/kvm/hyp/vhe/switch.c", fn: "kvm_hyp_handle_cpacr_el1" }],
    cite: "hyp/vhe/switch.c kvm_hyp_handle_cpacr_el1 (write: __activate_cptr_traps), __kvm_skip_instr",
    ops: ["code fastPathCode", "W CPACR_EL1", "call skipInstr"],
  },
  /** kvm_hyp_handle_timer (EL02 timer or counter reads with ECV). */
  fastTimer: {
    src: [{ file: "arch/arm64/kvm/hyp/vhe/switch.c", fn: "kvm_hyp_handle_timer" }, { file: "arch/arm64/kvm/hyp/include/hyp/switch.h", fn: "compute_counter_value" }],
    cite:
      "hyp/vhe/switch.c kvm_hyp_handle_timer: a counter read from hyp context (SYS_CNTPCT_EL0/SYS_CNTVCT_EL0: " +
      "hyp/include/hyp/switch.h compute_counter_value -> arch_timer_read_cntpct_el0), __kvm_skip_instr",
    ops: ["code fastPathCode", "step physCounterRead", "call skipInstr"],
  },
  /** kvm_hyp_handle_timer for an EL02 compare value: __vcpu_sys_reg, memory only. */
  fastTimerMem: {
    src: [{ file: "arch/arm64/kvm/hyp/vhe/switch.c", fn: "kvm_hyp_handle_timer" }],
    cite: "hyp/vhe/switch.c kvm_hyp_handle_timer: SYS_CNTP_CVAL_EL02 / SYS_CNTV_CVAL_EL02 read from memory (__vcpu_sys_reg), __kvm_skip_instr",
    ops: ["code fastPathCode", "call skipInstr"],
  },
  /**
   * kvm_hyp_handle_timer for the guest hypervisor's own EL2 physical timer (SYS_CNTP_CTL_EL0 / SYS_CNTP_CVAL_EL0 with
   * E2H): read_sysreg_el0, the hardware register that holds its direct hptimer (the CVAL corrected by the offset in
   * memory without CNTPOFF).
   */
  fastTimerHw: {
    src: [{ file: "arch/arm64/kvm/hyp/vhe/switch.c", fn: "kvm_hyp_handle_timer" }],
    cite: "hyp/vhe/switch.c kvm_hyp_handle_timer: SYS_CNTP_CTL_EL0 / SYS_CNTP_CVAL_EL0 with vcpu_el2_e2h_is_set: read_sysreg_el0(SYS_CNTP_CTL / SYS_CNTP_CVAL), __kvm_skip_instr",
    ops: ["code fastPathCode", "R CNTP_CVAL_EL02", "call skipInstr"],
  },
  /** Full-exit sysreg emulation at the owner. */
  sysregEmulate: {
    src: [{ file: "arch/arm64/kvm/sys_regs.c", fn: "kvm_handle_sys_reg" }],
    cite: "sys_regs.c kvm_handle_sys_reg -> triage_sysreg_trap -> emulate_sys_reg -> access function; kvm_incr_pc",
    ops: ["code sysregEmulCode", "call skipInstr"],
  },
  /** DABT_LOW: fault info captured on the exit (kvm_hyp_handle_dabt_low -> __populate_fault_info). */
  dabtFaultInfo: {
    src: [{ file: "arch/arm64/kvm/hyp/include/hyp/fault.h", fn: "__get_fault_info" }],
    cite: "hyp/include/hyp/fault.h __get_fault_info: FAR_EL2, HPFAR_EL2 (kvm_hyp_handle_dabt_low returns false for MMIO)",
    ops: ["R FAR_EL1", "R HPFAR_EL2"],
  },
  hvcHandler: {
    src: [{ file: "arch/arm64/kvm/handle_exit.c", fn: "handle_hvc" }, { file: "arch/arm64/kvm/hypercalls.c", fn: "kvm_smccc_call_handler" }],
    cite: "handle_exit.c handle_hvc -> hypercalls.c kvm_smccc_call_handler (null/unknown function ID)",
    ops: ["code hvcHandler"],
  },
  s2Fault: {
    src: [{ file: "arch/arm64/kvm/mmu.c", fn: "kvm_handle_guest_abort" }, { file: "arch/arm64/kvm/mmu.c", fn: "user_mem_abort" }],
    cite: "mmu.c kvm_handle_guest_abort -> user_mem_abort: memslot lookup, gfn_to_pfn (gup), stage-2 map (no TLBI for a new mapping)",
    ops: ["code s2FaultCode"],
  },
  s2ShadowFill: {
    src: [{ file: "arch/arm64/kvm/mmu.c", fn: "kvm_handle_guest_abort" }, { file: "arch/arm64/kvm/nested.c", fn: "kvm_walk_nested_s2" }],
    cite: "mmu.c kvm_handle_guest_abort (nested) -> nested.c kvm_walk_nested_s2 -> user_mem_abort on the shadow stage-2",
    ops: ["code s2WalkCode", "code s2FaultCode"],
  },
  /**
   * A guest hypervisor kernel's periodic tick at (v)EL2 on the EL2 virtual timer (`el2Vtimer`: arm_arch_timer.c
   * arch_timer_select_ppi picks ARCH_TIMER_HYP_VIRT_PPI when the firmware describes it): the CNTV_* encodings reach
   * CNTHV_* with E2H, which the host runs as a direct timer in hyp context (arch_timer.c get_timer_map: direct_vtimer
   * = vcpu_hvtimer) with the offset in CNTVOFF_EL2 (timer_restore_state: set_cntvoff). Nothing traps.
   */
  hypTickVirt: {
    src: [
      { file: "drivers/irqchip/irq-gic-v3.c", fn: "gic_handle_irq" },
      { file: "drivers/clocksource/arm_arch_timer.c", fn: "arch_timer_handler_virt" },
      { file: "drivers/clocksource/arm_arch_timer.c", fn: "set_next_event" },
      { file: "kernel/time/tick-sched.c", fn: "tick_nohz_handler", outside: "the tick's work (update_process_times, sched_tick) and its re-arm through clockevents_program_event" },
    ],
    cite:
      "irq-gic-v3.c gic_handle_irq; arm_arch_timer.c arch_timer_handler_virt -> timer_handler (CTL read, masked CTL " +
      "write + isb); tick_nohz_handler's clock reads (ktime_get, sched_clock: three assumed); set_next_event (CTL read, " +
      "counter read, CVAL and CTL written + isb)",
    ops: [
      "isb", "R ICC_IAR1_EL1", "code hypTickCode",
      "R CNTV_CTL_EL0", "W CNTV_CTL_EL0", "isb",
      "step counterRead", "step counterRead", "step counterRead",
      "R CNTV_CTL_EL0", "step counterRead", "W CNTV_CVAL_EL0", "W CNTV_CTL_EL0", "isb",
      "W ICC_EOIR1_EL1",
    ],
  },
  /**
   * The same tick on the EL2 physical timer (no `el2Vtimer`: ARCH_TIMER_HYP_PPI, arch_timer_handler_phys,
   * set_next_event_phys): the CNTP_* encodings reach CNTHP_* with E2H, the host's direct hptimer in hyp context. With a
   * physical counter offset and no CNTPOFF in the host (a guest hypervisor never has it; L0 without FEAT_ECV)
   * timer_set_traps traps them (tpt, tpc): reads complete on the host's hyp fast path (kvm_hyp_handle_timer), writes
   * take a full exit (sys_regs.c access_arch_timer).
   */
  hypTickPhys: {
    src: [
      { file: "drivers/irqchip/irq-gic-v3.c", fn: "gic_handle_irq" },
      { file: "drivers/clocksource/arm_arch_timer.c", fn: "arch_timer_handler_phys" },
      { file: "drivers/clocksource/arm_arch_timer.c", fn: "set_next_event" },
      { file: "arch/arm64/kvm/arch_timer.c", fn: "timer_set_traps" },
      { file: "kernel/time/tick-sched.c", fn: "tick_nohz_handler", outside: "the tick's work (update_process_times, sched_tick) and its re-arm through clockevents_program_event" },
    ],
    cite:
      "irq-gic-v3.c gic_handle_irq; arm_arch_timer.c arch_timer_handler_phys -> timer_handler; tick_nohz_handler's " +
      "clock reads (three assumed); set_next_event(ARCH_TIMER_PHYS_ACCESS); arch_timer.c timer_set_traps decides the traps",
    ops: [
      "isb", "R ICC_IAR1_EL1", "code hypTickCode",
      "step hptimerReadCtl", "step hptimerWriteCtl", "isb",
      "step counterRead", "step counterRead", "step counterRead",
      "step hptimerReadCtl", "step counterRead", "step hptimerWriteCval", "step hptimerWriteCtl", "isb",
      "W ICC_EOIR1_EL1",
    ],
  },
  mmioKernel: {
    src: [{ file: "arch/arm64/kvm/mmu.c", fn: "kvm_handle_guest_abort" }, { file: "arch/arm64/kvm/mmio.c", fn: "io_mem_abort" }],
    cite: "mmu.c kvm_handle_guest_abort -> mmio.c io_mem_abort -> kvm_io_bus_read -> vgic_mmio_read_*; kvm_incr_pc",
    ops: ["code mmioDecode", "code vgicDistRead", "call skipInstr"],
  },
  /** A forward from this level to the guest hypervisor above: routing decision before kvm_inject_nested. */
  forwardRoute: {
    src: [{ file: "arch/arm64/kvm/handle_exit.c", fn: "handle_trap_exceptions" }],
    cite: "handle_exit.c handle_trap_exceptions -> EC handler -> routing (triage_sysreg_trap, kvm_handle_eret, handle_hvc, ...)",
    ops: ["code routeCode"],
  },
  /** Stage-2 fault from a nested context: walk the guest hypervisor's stage-2 first (kvm_walk_nested_s2). */
  forwardS2Walk: {
    src: [{ file: "arch/arm64/kvm/mmu.c", fn: "kvm_handle_guest_abort" }, { file: "arch/arm64/kvm/nested.c", fn: "kvm_walk_nested_s2" }],
    cite: "mmu.c kvm_handle_guest_abort -> nested.c kvm_walk_nested_s2 -> kvm_inject_s2_fault",
    ops: ["code s2WalkCode", "code routeCode"],
  },
  /** Host interrupt taken in the run loop after an IRQ exit (timer PPI). */
  hostTimerIrq: {
    src: [{ file: "drivers/irqchip/irq-gic-v3.c", fn: "gic_handle_irq" }, { file: "arch/arm64/kvm/arch_timer.c", fn: "kvm_arch_timer_handler" }],
    cite: "arm.c run loop local_irq_enable(); isb(); -> gic_handle_irq -> arch_timer.c kvm_arch_timer_handler -> kvm_timer_update_irq",
    ops: ["isb", "R ICC_IAR1_EL1", "code timerIrqCode", "code vgicInjectCode", "W ICC_EOIR1_EL1"],
  },
  /** A guest kernel's handling of a virtual timer interrupt: ack, handler, EOI, timer reprogram. */
  guestTimerIrq: {
    src: [
      { file: "drivers/irqchip/irq-gic-v3.c", fn: "gic_handle_irq" },
      { file: "drivers/clocksource/arm_arch_timer.c", fn: "arch_timer_handler_virt" },
      { file: "drivers/clocksource/arm_arch_timer.c", fn: "set_next_event" },
      { file: "kernel/time/tick-sched.c", fn: "tick_nohz_handler", outside: "evt->event_handler: the tick, which re-arms through clockevents_program_event -> set_next_event" },
    ],
    cite:
      "guest Linux: irq-gic-v3.c gic_handle_irq (ICC_IAR1_EL1, ICC_EOIR1_EL1 on the virtual CPU interface); " +
      "arm_arch_timer.c arch_timer_handler_virt -> timer_handler (CTL read, masked CTL write + isb), the tick's " +
      "re-arm set_next_event (CTL read, __arch_counter_get_cntvct, CVAL write, CTL write + isb)",
    ops: [
      "R ICC_IAR1_EL1", "code guestIrqCode",
      "R CNTV_CTL_EL0", "W CNTV_CTL_EL0", "isb", // timer_handler: IT_MASK
      "R CNTV_CTL_EL0", "step virtCounterRead", "W CNTV_CVAL_EL0", "W CNTV_CTL_EL0", "isb", // set_next_event
      "W ICC_EOIR1_EL1",
    ],
  },
  /** Sending an SGI (IPI) from a guest: ICC_SGI1R_EL1 traps to the hypervisor, which dispatches it. */
  sgiDispatch: {
    src: [{ file: "arch/arm64/kvm/sys_regs.c", fn: "access_gic_sgi" }, { file: "arch/arm64/kvm/vgic/vgic-mmio-v3.c", fn: "vgic_v3_dispatch_sgi" }],
    cite: "sys_regs.c access_gic_sgi -> vgic-v3.c vgic_v3_dispatch_sgi -> kvm_vcpu_kick; kvm_incr_pc",
    ops: ["code sgiDispatchCode", "call skipInstr"],
  },
  /** A guest kernel receiving an IPI. */
  guestIpiIrq: {
    src: [{ file: "drivers/irqchip/irq-gic-v3.c", fn: "gic_handle_irq" }],
    cite: "guest Linux: gic_handle_irq -> ipi_handler",
    ops: ["R ICC_IAR1_EL1", "code guestIrqCode", "W ICC_EOIR1_EL1"],
  },
  /** A hypervisor's return to its userspace VMM on an MMIO exit (KVM_EXIT_MMIO) and back into KVM_RUN. */
  vmmExitToUser: {
    src: [{ file: "arch/arm64/kvm/arm.c", fn: "kvm_arch_vcpu_ioctl_run" }],
    cite: "arm.c kvm_arch_vcpu_ioctl_run returns 0 -> vcpu_put (then virt/kvm/kvm_main.c kvm_vcpu_ioctl's trace_kvm_userspace_exit, and syscallReturn)",
    ops: ["step vcpuPut"],
  },
  /** The KVM_RUN ioctl's return to the VMM, after trace_kvm_userspace_exit. */
  syscallReturn: {
    src: [{ file: "virt/kvm/kvm_main.c", fn: "kvm_vcpu_ioctl" }],
    cite: "virt/kvm/kvm_main.c kvm_vcpu_ioctl returns after trace_kvm_userspace_exit; el0_svc return path",
    ops: ["code syscallCode"],
  },
  vmmReenterKernel: {
    src: [{ file: "arch/arm64/kvm/arm.c", fn: "kvm_arch_vcpu_ioctl_run" }, { file: "arch/arm64/kvm/mmio.c", fn: "kvm_handle_mmio_return" }],
    cite: "ioctl(KVM_RUN) -> kvm_arch_vcpu_ioctl_run: kvm_handle_mmio_return, vcpu_load",
    ops: ["code syscallCode", "code mmioDecode", "step vcpuLoad"],
  },
} as const satisfies Record<string, PathDef>;

export type PathName = keyof typeof PATH_DEFS;

export interface Path {
  readonly name: PathName;
  /** dense index (0..PATH_COUNT-1): engines keep per-path tables in arrays */
  readonly id: number;
  readonly cite: string;
  readonly ops: readonly Op[];
}

function compile(): Record<PathName, Path> {
  const out = {} as Record<PathName, Path>;
  let id = 0;
  for (const name of Object.keys(PATH_DEFS) as PathName[]) {
    const def: PathDef = PATH_DEFS[name];
    const ops = def.ops.map(parseOp);
    for (const op of ops) {
      if (op.kind === "call" && !(op.path in PATH_DEFS)) throw new Error(`path ${name} calls unknown path ${op.path}`);
    }
    out[name] = { name, id: id++, cite: def.cite, ops };
  }
  return out;
}

export const PATHS: Record<PathName, Path> = compile();
export const PATH_COUNT = Object.keys(PATHS).length;
