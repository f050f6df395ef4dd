/**
 * The one table of unit costs. Every number the model charges comes from here; nested results come only from the
 * mechanism (how many of each operation the modelled code paths perform).
 *
 * `basis` says how the default was obtained:
 * - `published`: a published measurement (docs/calibration.md "Sources"; "(Q)" marks figures seen quoted in secondary
 *                 material).
 * - `derived`:   computed from a published figure or an architectural size (the derivation is given).
 * - `calibrated`: an unsourced single-level cost set once so that the depth-1 micro benchmarks land near Ampere Altra
 *                 (docs/calibration.md "Depth-1 calibration"); never tuned against a nested figure.
 * - `assumed`:   no source found; a stated engineering estimate.
 * The sensitivity band varies the `calibrated` and `assumed` costs (docs/calibration.md "Calibration discipline").
 */
export type CostBasis = "published" | "derived" | "calibrated" | "assumed";

export interface CostEntry {
  readonly description: string;
  readonly unit: "cycles" | "cycles/op" | "bytes/cycle";
  readonly default: number;
  readonly basis: CostBasis;
  readonly source: string;
}

const c = (
  description: string,
  unit: CostEntry["unit"],
  value: number,
  basis: CostBasis,
  source: string,
): CostEntry => ({ description, unit, default: value, basis, source });

export const COSTS = {
  // --- Architecture -------------------------------------------------------------------------------------------
  excEntry: c("hardware exception entry from EL1/EL0 into EL2 (vector dispatch)", "cycles", 70, "published",
    "NEVE (Lim et al., SOSP'17) sec. 5: 68-76 cycles EL1->EL2 on APM X-Gene (Q)"),
  excReturn: c("ERET from EL2 to EL1/EL0 (hardware)", "cycles", 65, "published",
    "NEVE (Lim et al., SOSP'17) sec. 5: 65 cycles on APM X-Gene (Q)"),
  sysregRead: c("MRS of a system register that does not trap", "cycles/op", 4, "calibrated",
    "no published per-access figure; set with the other 'calibrated' costs so depth-1 hvc lands near Ampere Altra"),
  sysregWrite: c("MSR to a system register that does not trap", "cycles/op", 8, "calibrated",
    "no published per-access figure; writes taken as twice a read; see sysregRead"),
  vncrAccess: c("load/store to the VNCR page (NV2-mapped register), L1D hit", "cycles/op", 4, "assumed",
    "typical L1D load-to-use latency of a server Arm core; no NV2-specific figure published"),
  isb: c("ISB (pipeline flush, context synchronisation)", "cycles/op", 25, "assumed",
    "no published figure; tens of cycles on out-of-order Arm cores"),
  dsb: c("DSB (completion barrier)", "cycles/op", 30, "assumed", "no published figure"),
  gprSwitch: c("save or restore the 31 GPRs + SP: 33 LDP/STP", "cycles", 33, "derived",
    "Arm, 'Costs of virtualization': 33 LDP/STP per world-switch direction, at one pair per cycle"),
  fpBytesPerCycle: c("FP/SVE register save/restore bandwidth", "bytes/cycle", 16, "assumed",
    "one 128-bit STR/LDR Q (or SVE vector chunk) per cycle; no measured SVE save/restore cost exists (docs/calibration.md 'Sources')"),
  fpCallOverhead: c("call/branch overhead of one FP state save or restore routine", "cycles", 10, "assumed",
    "function call + VL setup, a handful of instructions"),
  // --- Plain kernel code (instructions that touch no modelled register) ------------------------------------------
  runLoopCode: c("kvm_arch_vcpu_ioctl_run loop body per exit, besides the modelled steps", "cycles", 56,
    "calibrated", "set with the other 'calibrated' costs for depth-1 hvc near Ampere Altra (306 ns ~ 920 cycles); 80 until " +
    "the vgic's per-exit save/restore (24 cycles at L0) was modelled as operations (docs/fidelity.md), then 56"),
  hypExitCode: c("__kvm_vcpu_run_vhe + fixup_guest_exit glue per exit", "cycles", 40, "calibrated",
    "see runLoopCode"),
  handleExitCode: c("handle_exit + handle_trap_exceptions dispatch", "cycles", 40, "calibrated", "see runLoopCode"),
  hvcHandler: c("kvm_smccc_call_handler for an unknown/null hypercall", "cycles", 60, "calibrated",
    "see runLoopCode"),
  mmioDecode: c("kvm_handle_guest_abort + io_mem_abort: fault decode, memslot lookup, kvm_io_bus lookup", "cycles",
    250, "calibrated", "mmio_read_vgic - hvc on Ampere Altra: 451 - 306 ns = 145 ns ~ 435 cycles at 3 GHz, split with vgicDistRead"),
  vgicDistRead: c("vgic distributor MMIO read emulation (vgic_mmio_read_*)", "cycles", 120, "calibrated",
    "see mmioDecode"),
  vmmMmio: c("userspace VMM handling of one MMIO exit (KVM_RUN return, decode, device model)", "cycles", 1500,
    "assumed", "no component figure; ATC'17 VHE I/O user - I/O kernel = 6,026 cycles includes put/load and syscalls"),
  syscallCode: c("syscall entry/exit code of the kernel (el0_svc, ioctl dispatch), excluding the ERET", "cycles",
    250, "assumed", "null syscall on Arm servers is ~100 ns; no arm64 KVM-specific figure"),
  putLoadCode: c("C glue of kvm_arch_vcpu_put or kvm_arch_vcpu_load besides the modelled components", "cycles", 120,
    "assumed", "no published figure"),
  injectCode: c("kvm_inject_el2_exception / enter_exception64 / __kvm_adjust_pc emulation code", "cycles", 120,
    "assumed", "no published figure"),
  eretEmulCode: c("kvm_emulate_nested_eret: SPSR read, illegal-return check, PC/PSTATE update", "cycles", 80,
    "assumed", "no published figure"),
  routeCode: c("routing decision to forward a trap (triage_sysreg_trap, __forward_traps, ...)", "cycles", 60,
    "assumed", "no published figure"),
  s2WalkCode: c("kvm_walk_nested_s2: software walk of the guest hypervisor's stage-2 tables", "cycles", 300,
    "assumed", "4-level walk reading guest memory; no published figure"),
  sysregEmulCode: c("kvm_handle_sys_reg table lookup + access function", "cycles", 100, "assumed",
    "no published figure"),
  fastPathCode: c("hyp fast-path handler logic (per handled trap)", "cycles", 30, "assumed", "no published figure"),
  shadowS2Lookup: c("get_s2_mmu_nested: shadow stage-2 lookup on a nested load", "cycles", 80, "assumed",
    "no published figure"),
  timerIrqCode: c("host IRQ entry + kvm_arch_timer_handler + kvm_timer_update_irq", "cycles", 300, "assumed",
    "no published figure"),
  vgicInjectCode: c("vgic_queue_irq_unlock + list register population on flush", "cycles", 150, "assumed",
    "no published figure"),
  guestIrqCode: c("a guest kernel's IRQ entry, handler and exit for a timer or IPI interrupt", "cycles", 400,
    "assumed", "no published figure"),
  sgiDispatchCode: c("vgic_v3_dispatch_sgi + kvm_vcpu_kick bookkeeping", "cycles", 200, "assumed",
    "no published figure"),
  s2FaultCode: c("user_mem_abort: memslot lookup, get_user_pages, stage-2 page-table update", "cycles", 3000,
    "assumed", "no published arm64 figure; a few microseconds for a 4 KiB fault is typical of KVM"),
  schedCode: c("a context switch away from and back to the vcpu thread (schedule, excluding KVM put/load)", "cycles", 2000,
    "assumed", "lmbench-style context switch on Arm servers is a few microseconds"),
  neonWork: c("a kernel-mode NEON user (softirq crypto/checksum) between kernel_neon_begin and _end", "cycles", 1500,
    "assumed", "a short softirq checksum or crypto block"),
  hypTickCode: c("a guest hypervisor kernel's tick (update_process_times, scheduler tick), besides clock reads", "cycles",
    3000, "assumed", "a few microseconds per HZ tick"),
  timerEmulCode: c("emulated-timer bookkeeping: soft_timer_start/cancel of the hrtimers, or the nested timer map switch (unmap x2, map x2)",
    "cycles", 120, "assumed", "no published figure"),
} as const satisfies Record<string, CostEntry>;

export type CostName = keyof typeof COSTS;
export const COST_NAMES = Object.keys(COSTS) as CostName[];

/** A resolved set of unit costs (defaults with any overrides applied). */
export type Costs = { readonly [K in CostName]: number };

export function defaultCosts(): Costs {
  const out = {} as { [K in CostName]: number };
  for (const k of COST_NAMES) out[k] = COSTS[k].default;
  return out;
}

/** The largest unit cost accepted anywhere (--costs, a grid's costs, the cost.NAME sweep axes): 1e12. */
export const COST_MAX = 1e12;

/**
 * What one unit cost accepts as an override: cycle costs are integers 0..1e12 (run totals are exact integers);
 * fpBytesPerCycle is a number > 0 and <= 1e12.
 */
export function costValue(name: CostName): { readonly type: "integer" | "number"; readonly min: number; readonly max: number; readonly minExclusive?: boolean } {
  return COSTS[name].unit === "bytes/cycle" ? { type: "number", min: 0, minExclusive: true, max: COST_MAX } : { type: "integer", min: 0, max: COST_MAX };
}
