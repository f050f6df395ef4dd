/**
 * The system registers (and system instructions) that KVM touches, each with its class when a guest hypervisor
 * executes the access at virtual EL2 (physically EL1 with HCR_EL2.NV set by its host hypervisor), and how the
 * hypervisor that owns a trapped access completes it. The engine reads only this table.
 *
 * Classes, under FEAT_NV2 (arch/arm64/include/asm/vncr_mapping.h, arch/arm64/kvm/emulate-nested.c, sys_regs.c):
 * - `el1`:      EL1-encoded access by a VHE guest hypervisor: reaches the hardware EL1 register, which holds its vEL2
 *               state while it runs (__sysreg_restore_vel2_state). Never traps.
 * - `redirect`: EL2-encoded ESR/FAR/ELR/SPSR: NV2 redirects them to the EL1 hardware registers (no trap).
 * - `vncr`:     VNCR-mapped: with NV2 a plain memory access to the vcpu's VNCR page; nothing traps.
 * - `timer02`:  EL02 timer registers: VNCR memory without FEAT_ECV; with FEAT_ECV the host sets CNTHCTL_EL2.EL1NVVCT/
 *               EL1NVPCT so that they trap.
 * - `trapFast`: still traps with NV2; the owning hypervisor completes it on its hyp fast path.
 * - `trap`:     still traps with NV2; handled by the owning hypervisor after a full exit (kvm_handle_sys_reg).
 *
 * Without NV2 (the documented ARMv8.3 FEAT_NV-only what-if) `redirect` and `vncr` accesses trap as well.
 *
 * Handling of a trapped access (`read` / `write`): `full` (a full exit to the owner's run loop, kvm_handle_sys_reg)
 * or the hyp fast path that completes it (hyp/vhe/switch.c kvm_hyp_handle_sysreg_vhe and the handlers it tries):
 * - `cpacr`: kvm_hyp_handle_cpacr_el1 (CPACR_EL1 trapped by CPTR_EL2.TCPAC in hyp context);
 * - `timer`, `timerMem`, `timerHw`: kvm_hyp_handle_timer, which in 7.3 serves READS of the EL02 timer registers, of
 *            the EL0-encoded physical timer and of the physical counter from the guest hypervisor's hyp context
 *            whatever FEAT_ECV says (it tests only is_hyp_ctxt and the direction), so a trapped timer read completes
 *            there with or without ECV; writes take a full exit. What the read costs depends on the register:
 *            `timer` a counter read (SYS_CNTPCT_EL0, and the EL02 CTL registers: compute_emulated_cntx_ctl_el0 ->
 *            compute_counter_value), `timerMem` memory only (the EL02 CVAL registers: __vcpu_sys_reg), `timerHw` the
 *            hardware register behind the guest hypervisor's own EL2 physical timer (SYS_CNTP_CTL_EL0/CVAL_EL0 with
 *            E2H: read_sysreg_el0, the EL02 encoding at L0);
 * Access paths that are not fast (no entry here) take the full exit, kvm_hyp_handle_sysreg declining. The
 * ZCR_EL2 trap is a full exit preceded by kvm_hyp_handle_zcr_el2's FP load (lib/kvm/handlers.ts).
 * Current kernels have no hyp fast path for the `redirect` and `vncr` classes without NV2, so the model assumes the
 * owner handles each with a full exit through kvm_handle_sys_reg (an explicit assumption: see README "NV2 off").
 */
export type SysRegClass = "el1" | "redirect" | "vncr" | "timer02" | "trapFast" | "trap";

/** The hyp fast path that completes a trapped access (see above). */
export type HypFastPath = "cpacr" | "timer" | "timerMem" | "timerHw";
/** How the owning hypervisor completes a trapped access. */
export type TrapHandling = "full" | HypFastPath;

export interface SysRegInfo {
  readonly cls: SysRegClass;
  /** the class of writes, where it differs from reads' */
  readonly writeCls?: SysRegClass;
  /** the class with FEAT_NV2p1 (both directions), where it differs */
  readonly nv2p1Cls?: SysRegClass;
  /**
   * a debug register that MDCR_EL2.TDA traps: the hypervisor below sets TDA while its vcpu's debug registers are not
   * the guest's (kvm_arm_setup_mdcr_el2, arch/arm64/kvm/debug.c), and the trap takes priority over the class
   */
  readonly tda?: boolean;
  /** the architectural registers an entry stands for, when it is not itself one (`<n>`: a numbered family) */
  readonly arch?: readonly string[];
  readonly description: string;
  /** when the access traps, how its owner completes it, per direction */
  readonly handling: { readonly read: TrapHandling; readonly write: TrapHandling };
}

const FULL = { read: "full", write: "full" } as const;
const r = (cls: Exclude<SysRegClass, "trapFast" | "timer02">, description: string): SysRegInfo => ({ cls, description, handling: FULL });
/** traps even with NV2; both directions completed on the named hyp fast path */
const fast = (path: HypFastPath, description: string): SysRegInfo => ({ cls: "trapFast", description, handling: { read: path, write: path } });
/** EL02 timer register: reads completed by kvm_hyp_handle_timer (any ECV; `read` says what it costs), writes by a full exit */
const timer02 = (read: "timer" | "timerMem", description: string): SysRegInfo => ({ cls: "timer02", description, handling: { read, write: "full" } });
/** the running kernel's own physical timer at (v)EL2 when its host traps it (a physical offset, no CNTPOFF below) */
const trappedPtimer = (arch: string, description: string): SysRegInfo => ({ cls: "trapFast", arch: [arch], description, handling: { read: "timerHw", write: "full" } });

export const SYSREGS = {
  // --- EL1-encoded, hardware EL1 registers holding the VHE hypervisor's own vEL2 state -----------------------
  SP_EL0: r("el1", "EL0 stack pointer (saved/restored around guest entry in __guest_enter/__guest_exit)"),
  ISR_EL1: r("el1", "interrupt status (pending-IRQ check before entry)"),
  APKEY_EL1: {
    ...r("el1", "one pointer-authentication key half (AP{IA,IB,DA,DB,GA}KEY{LO,HI}_EL1)"),
    arch: ["APIAKEYLO_EL1", "APIAKEYHI_EL1", "APIBKEYLO_EL1", "APIBKEYHI_EL1", "APDAKEYLO_EL1", "APDAKEYHI_EL1", "APDBKEYLO_EL1", "APDBKEYHI_EL1", "APGAKEYLO_EL1", "APGAKEYHI_EL1"],
  },
  VBAR_EL1: r("el1", "VHE kernel's own VBAR (vectors swapped around guest entry)"),
  ELR_EL1: r("el1", "exception link register of the running (v)EL2 (ELR_EL2 with E2H)"),
  SPSR_EL1: r("el1", "saved PSTATE of the running (v)EL2 (SPSR_EL2 with E2H)"),
  ESR_EL1: r("el1", "syndrome of the running (v)EL2 (ESR_EL2 with E2H)"),
  FAR_EL1: r("el1", "fault address of the running (v)EL2 (FAR_EL2 with E2H)"),
  DAIF: r("el1", "interrupt masks (local_irq_save/restore)"),
  DBGBCR_EL1: { cls: "el1", tda: true, arch: ["DBGBCR<n>_EL1"], description: "a breakpoint control register (one access per breakpoint)", handling: FULL },
  DBGBVR_EL1: { cls: "el1", tda: true, arch: ["DBGBVR<n>_EL1"], description: "a breakpoint value register (one access per breakpoint)", handling: FULL },
  DBGWCR_EL1: { cls: "el1", tda: true, arch: ["DBGWCR<n>_EL1"], description: "a watchpoint control register (one access per watchpoint)", handling: FULL },
  DBGWVR_EL1: { cls: "el1", tda: true, arch: ["DBGWVR<n>_EL1"], description: "a watchpoint value register (one access per watchpoint)", handling: FULL },
  MDCCINT_EL1: { cls: "el1", tda: true, description: "debug comms channel interrupt enable (switched with the debug state)", handling: FULL },
  ICC_IAR1_EL1: r("el1", "GICv3 interrupt acknowledge (virtual CPU interface for a guest)"),
  ICC_EOIR1_EL1: r("el1", "GICv3 end of interrupt (virtual CPU interface for a guest)"),
  CNTVCT_EL0: { ...r("el1", "virtual counter read (CNTVCTSS_EL0 with FEAT_ECV: arch_timer_read_cntvct_el0)"), arch: ["CNTVCT_EL0", "CNTVCTSS_EL0"] },
  CNTPCT_EL0: {
    ...r("el1", "physical counter read where nothing traps it (at L0; with CNTPOFF or no physical offset); CNTPCTSS_EL0 with FEAT_ECV"),
    arch: ["CNTPCT_EL0", "CNTPCTSS_EL0"],
  },
  CNTV_CVAL_EL0: r("el1", "the running kernel's own virtual timer compare value (at (v)EL2 with E2H the EL2 virtual timer, CNTHV_CVAL_EL2): a direct timer"),
  CNTV_CTL_EL0: r("el1", "the running kernel's own virtual timer control (at (v)EL2 with E2H CNTHV_CTL_EL2): a direct timer"),
  CNTP_CVAL_EL0: r("el1", "the running kernel's own physical timer compare value (at (v)EL2 with E2H the EL2 physical timer, CNTHP_CVAL_EL2): direct without a physical offset, or with CNTPOFF below"),
  CNTP_CTL_EL0: r("el1", "the running kernel's own physical timer control (at (v)EL2 with E2H CNTHP_CTL_EL2): direct as CNTP_CVAL_EL0"),
  TPIDR_EL0: r("el1", "user thread pointer"),
  TPIDRRO_EL0: r("el1", "user read-only thread pointer"),
  FPCR: r("el1", "FP control register"),
  FPSR: r("el1", "FP status register"),
  // --- EL2-encoded registers that NV2 redirects to EL1 hardware (used by an nVHE hypervisor: NVHE_HYP_ENCODING) ----
  ESR_EL2: r("redirect", "exception syndrome of the trap being handled (nVHE hyp code)"),
  FAR_EL2: r("redirect", "fault address of the trap being handled (nVHE hyp code)"),
  ELR_EL2: r("redirect", "guest PC at the trap (nVHE hyp code)"),
  SPSR_EL2: r("redirect", "guest PSTATE at the trap (nVHE hyp code)"),
  // --- VNCR-mapped (memory with NV2) --------------------------------------------------------------------------
  TPIDR_EL2: r("vncr", "per-CPU offset of a VHE kernel (this_cpu_ptr, host_data_ptr): VNCR-backed"),
  HCR_EL2: r("vncr", "hypervisor configuration (trap controls, NV/NV2, TGE, E2H)"),
  HSTR_EL2: r("vncr", "hypervisor system trap register"),
  HCRX_EL2: r("vncr", "extended hypervisor configuration (FEAT_HCX)"),
  VTTBR_EL2: r("vncr", "stage-2 translation table base + VMID"),
  VTCR_EL2: r("vncr", "stage-2 translation control"),
  VMPIDR_EL2: r("vncr", "virtual MPIDR"),
  VPIDR_EL2: r("vncr", "virtual MIDR"),
  CNTVOFF_EL2: r("vncr", "virtual counter offset"),
  CNTPOFF_EL2: r("vncr", "physical counter offset (FEAT_ECV)"),
  VNCR_EL2: r("vncr", "VNCR page base"),
  HFGRTR_EL2: r("vncr", "fine-grained read traps"),
  HFGWTR_EL2: r("vncr", "fine-grained write traps"),
  HFGITR_EL2: r("vncr", "fine-grained instruction traps"),
  HDFGRTR_EL2: r("vncr", "fine-grained debug read traps"),
  HDFGWTR_EL2: r("vncr", "fine-grained debug write traps"),
  SCTLR_EL12: r("vncr", "guest SCTLR_EL1"),
  CPACR_EL12: r("vncr", "guest CPACR_EL1"),
  TTBR0_EL12: r("vncr", "guest TTBR0_EL1"),
  TTBR1_EL12: r("vncr", "guest TTBR1_EL1"),
  TCR_EL12: r("vncr", "guest TCR_EL1"),
  ESR_EL12: r("vncr", "guest ESR_EL1"),
  AFSR0_EL12: r("vncr", "guest AFSR0_EL1"),
  AFSR1_EL12: r("vncr", "guest AFSR1_EL1"),
  FAR_EL12: r("vncr", "guest FAR_EL1"),
  MAIR_EL12: r("vncr", "guest MAIR_EL1"),
  VBAR_EL12: r("vncr", "guest VBAR_EL1"),
  CONTEXTIDR_EL12: r("vncr", "guest CONTEXTIDR_EL1"),
  AMAIR_EL12: r("vncr", "guest AMAIR_EL1"),
  SPSR_EL12: r("vncr", "guest SPSR_EL1"),
  ELR_EL12: r("vncr", "guest ELR_EL1"),
  SP_EL1: r("vncr", "guest SP_EL1"),
  PAR_EL1: r("el1", "PAR_EL1: not VNCR-mapped; shared between vEL2 and EL1 views, swapped by the host's vel2 save/restore"),
  MDSCR_EL1: {
    cls: "vncr",
    writeCls: "trap",
    tda: true,
    description:
      "MDSCR_EL1: VNCR-mapped, but writes from hyp context trap (FEAT_FGT: HDFGWTR_EL2.MDSCR_EL1, config.c __compute_hdfgwtr; " +
      "nested.c kvm_nested_setup_mdcr_el2: 'accesses to MDSCR_EL1 are redirected to the VNCR despite having an effect at EL2'), " +
      "and every access traps while MDCR_EL2.TDA is set; handled by sys_regs.c trap_debug_regs",
    handling: FULL,
  },
  TPIDR_EL1: r("el1", "TPIDR_EL1: not VNCR-mapped, hardware register (as PAR_EL1)"),
  ZCR_EL12: r("vncr", "guest ZCR_EL1 (SVE vector length of EL1/EL0)"),
  CNTV_CTL_EL02: timer02("timer", "guest virtual timer control: VNCR memory without FEAT_ECV; with ECV it traps"),
  CNTV_CVAL_EL02: timer02("timerMem", "guest virtual timer compare value: VNCR memory without FEAT_ECV; with ECV it traps"),
  CNTP_CTL_EL02: timer02("timer", "guest physical timer control: VNCR memory without FEAT_ECV; with ECV it traps"),
  CNTP_CVAL_EL02: timer02("timerMem", "guest physical timer compare value: VNCR memory without FEAT_ECV; with ECV it traps"),
  ICH_HCR_EL2: r("vncr", "vGIC hypervisor control"),
  ICH_VMCR_EL2: r("vncr", "vGIC virtual machine control"),
  ICH_AP0R0_EL2: r("vncr", "vGIC active priorities group 0"),
  ICH_AP1R0_EL2: r("vncr", "vGIC active priorities group 1"),
  ICH_LR0_EL2: r("vncr", "vGIC list register (one access per LR in use)"),
  // --- Still trapping with NV2: owner's hyp fast path ----------------------------------------------------------
  CPACR_EL1: {
    ...fast("cpacr", "CPTR_EL2 in E2H format: trapped by CPTR_EL2.TCPAC, kvm_hyp_handle_cpacr_el1; with FEAT_NV2p1 stateful, no TCPAC (__activate_cptr_traps_vhe)"),
    nv2p1Cls: "el1",
  },
  ZCR_EL2: r("trap", "ZCR_EL2 encoding: kvm_hyp_handle_zcr_el2 only loads the FP state, then a full exit"),
  CNTP_CTL_EL0_TRAPPED: trappedPtimer("CNTP_CTL_EL0", "a guest hypervisor's own EL2 physical timer control, trapped by CNTHCTL_EL2 (timer_set_traps: tpt with a physical offset and no CNTPOFF)"),
  CNTP_CVAL_EL0_TRAPPED: trappedPtimer("CNTP_CVAL_EL0", "a guest hypervisor's own EL2 physical timer compare value, trapped as CNTP_CTL_EL0_TRAPPED"),
  CNTPCT_EL0_TRAPPED: { ...fast("timer", "physical counter read trapped by CNTHCTL (no usable CNTPOFF): kvm_hyp_handle_timer / kvm_handle_cntxct"), arch: ["CNTPCT_EL0", "CNTPCTSS_EL0"] },
  // --- Still trapping with NV2: full exit at the owner -----------------------------------------------------------
  CNTHCTL_EL2: r("trap", "EL2 timer control, by its EL2 encoding: NV traps it (emulate-nested.c CGT_HCR_NV; not in the VNCR page)"),
  CNTKCTL_EL1: r("el1", "CNTKCTL_EL1, which at (v)EL2 with E2H is CNTHCTL_EL2: what timer_set_traps uses with FEAT_NV2p1 ('completely stateful')"),
  CNTKCTL_EL12: r("trap", "guest CNTKCTL_EL1 through its EL12 alias"),
  MDCR_EL2: r("trap", "monitor debug configuration"),
  ID_AA64PFR0_EL1: r("trap", "ID register read (cpu_has_amu() in the FGT switch): trapped by HCR_EL2.TID3, which KVM sets for every guest (HCR_GUEST_FLAGS)"),
  CPTR_EL2: r("trap", "CPTR_EL2 in its non-E2H format (an nVHE guest hypervisor's trap configuration); inference"),
  HPFAR_EL2: r("trap", "IPA of a stage-2 fault"),
  ICH_MISR_EL2: r("trap", "vGIC maintenance interrupt status: read on every exit by __vgic_v3_save_state; traps under NV (sys_regs.c access_gic_misr)"),
  ICH_ELRSR_EL2: r("trap", "vGIC empty list register status"),
  PMSELR_EL0: r("trap", "PMU event select, trapped by MDCR_EL2.TPM (set for every guest by kvm_arm_setup_mdcr_el2)"),
  PMUSERENR_EL0_TRAPPED: { ...r("trap", "PMU EL0 enable accessed by a guest hypervisor, trapped by MDCR_EL2.TPM"), arch: ["PMUSERENR_EL0"] },
  ICC_SGI1R_EL1: r("trap", "SGI generation (IPI): trapped to the hypervisor with GICv3 virtualisation"),
} as const satisfies Record<string, SysRegInfo>;

export type SysRegName = keyof typeof SYSREGS;

/** How an access by a guest hypervisor (level >= 1) resolves, given FEAT_NV2 and FEAT_ECV. */
export type AccessResolution = "native" | "vncr" | "trap";

export function resolveGuestHypAccess(reg: SysRegName, write: boolean, nv2: boolean, ecv: boolean, nv2p1 = false): AccessResolution {
  const info: SysRegInfo = SYSREGS[reg];
  const cls: SysRegClass = (nv2p1 && nv2 ? info.nv2p1Cls : undefined) ?? (write ? info.writeCls : undefined) ?? info.cls;
  switch (cls) {
    case "timer02":
      if (ecv) return "trap";
      return nv2 ? "vncr" : "trap";
    case "el1":
      return "native";
    case "redirect":
      return nv2 ? "native" : "trap";
    case "vncr":
      return nv2 ? "vncr" : "trap";
    case "trapFast":
    case "trap":
      return "trap";
  }
}

/** How the hypervisor that owns a trapped access completes it: a full exit, or the hyp fast path named. */
export function trapHandling(reg: SysRegName, write: boolean): TrapHandling {
  const h = SYSREGS[reg].handling;
  return write ? h.write : h.read;
}

/**
 * The encoding an nVHE hypervisor's hyp code uses for its own EL2 exception state. Hyp code reads and writes it with
 * read_sysreg_el2()/write_sysreg_el2() (arch/arm64/include/asm/kvm_hyp.h: read_sysreg_elx(r, _EL2, _EL1), the _EL1
 * alternative patched in only with VHE), so paths written with the VHE encodings (ESR_EL1 ... with E2H meaning the
 * EL2 registers) reach these EL2 encodings when an nVHE guest hypervisor runs them at vEL2: redirected to EL1 with
 * NV2, trapped without it.
 */
export const NVHE_HYP_ENCODING: Readonly<Partial<Record<SysRegName, SysRegName>>> = {
  ESR_EL1: "ESR_EL2",
  FAR_EL1: "FAR_EL2",
  ELR_EL1: "ELR_EL2",
  SPSR_EL1: "SPSR_EL2",
};
