import { isSveVectorLength } from "../arch/sve";
import { type CostName, COSTS, type Costs, defaultCosts } from "../costs/table";
import type { Adopted } from "../changes/change";
import type { FpPolicy } from "./policy";
import { ConfigError } from "../util/errors";

export type GuestHypFlavour = "vhe" | "nvhe";

/** The configuration of one modelled system: the hardware, the nesting, and each level's kernel. */
export interface ModelConfig {
  /** Level of the leaf guest: 1 = an ordinary VM on L0. */
  readonly depth: number;
  /** FEAT_NV2 (VNCR) on the hardware; off is the documented FEAT_NV-only what-if. */
  readonly nv2: boolean;
  /** FEAT_ECV on the hardware. */
  readonly ecv: boolean;
  /** Guest hypervisor flavour (nVHE only at depth 2). */
  readonly guestHyp: GuestHypFlavour;
  /** Levels (0..depth-1) whose KVM carries the FP-elision patch. */
  readonly patch: readonly number[];
  /** Maximum SVE vector length of the hardware and of every vcpu (0: no FEAT_SVE). */
  readonly sveVl: number;
  /** Guest hypervisor kernels use the EL2 virtual timer (and the virtual counter). */
  readonly el2Vtimer: boolean;
  /**
   * The VMMs give their guests a non-zero physical counter offset (KVM_ARM_SET_COUNTER_OFFSET, e.g. after a
   * migration). Without CNTPOFF_EL2 (never offered to a guest hypervisor; absent at L0 without FEAT_ECV) the host
   * then traps the guest's physical counter and timer accesses (arch_timer.c timer_set_traps). Default false.
   */
  readonly physOffset?: boolean;
  /**
   * FEAT_FGT on the hardware (default true), which every guest hypervisor sees too (nested.c limit_nv_id_reg leaves
   * ID_AA64MMFR0_EL1.FGT alone). With it each vcpu load and put switches the five fine-grained trap registers
   * (hyp/include/hyp/switch.h __activate_traps_hfgxtr / __deactivate_traps_hfgxtr, with a cpu_has_amu() ID read that
   * HCR_EL2.TID3 traps at a guest hypervisor), and a guest hypervisor's MDSCR_EL1 writes trap precisely
   * (config.c __compute_hdfgwtr). Without it nested.c kvm_nested_setup_mdcr_el2 sets MDCR_EL2.TDA in hyp context: every
   * MDSCR_EL1 access of a guest hypervisor traps.
   */
  readonly fgt?: boolean;
  /**
   * FEAT_NV2p1 on the hardware (default false), seen by every guest hypervisor (limit_nv_id_reg's NV_frac). With it
   * CPACR_EL1 is stateful at vEL2: L0 stops setting CPTR_EL2.TCPAC (__activate_cptr_traps_vhe), so a guest
   * hypervisor's CPACR_EL1 writes no longer trap to kvm_hyp_handle_cpacr_el1, and timer_set_traps works on CNTKCTL_EL1
   * instead of the trapped CNTHCTL_EL2; a put of a vcpu in hyp context reads CPACR_EL12 back (__sysreg_save_vel2_state).
   */
  readonly nv2p1?: boolean;
  /**
   * Guest hypervisors have a vPMU (default true: QEMU's -cpu host default). Then their KVM switches PMSELR_EL0 and
   * PMUSERENR_EL0 at each vcpu load and put (__activate_traps_common / __deactivate_traps_common), which MDCR_EL2.TPM
   * traps to full exits; without one the guest hypervisor's system_supports_pmuv3() is false and it makes none. L0
   * switches them for the hardware PMU either way.
   */
  readonly vpmu?: boolean;
  /**
   * List registers held at every entry and exit by interrupts that stay in service across exits (an active
   * level-triggered device interrupt, a guest exiting from inside its handler), at every level's vgic, besides the
   * one an injected interrupt holds until the next exit. Default 0; at most 3 (the model's CPU interface has 4 list
   * registers, ICH_VTR_EL2.ListRegs = 3, so an injection still fits). Each costs a write at entry, a read and a write
   * at exit (__vgic_v3_restore_state / __vgic_v3_save_state, with one ICH_ELRSR_EL2 read when any is in use), and in a
   * nested state L0 loads, reads back and clears the guest hypervisor's (vgic-v3-nested.c).
   */
  readonly lrs?: number;
  readonly costs: Costs;
  /** the FP save/restore policy of the levels in `patch` (default nv-fp-elision, the change); see FP_POLICIES */
  readonly fpPolicy?: FpPolicy;
  /**
   * Kernel changes adopted besides the FP-elision change of `patch` (`--change`, lib/changes): each with the levels
   * whose KVM carries it. Default none.
   */
  readonly changes?: readonly Adopted[];
}

export const MAX_DEPTH = 8;
/** list registers the CPU interface has (ICH_VTR_EL2.ListRegs + 1), less the one an injected interrupt takes */
export const MAX_HELD_LRS = 3;

/**
 * The hardware and VM inputs' defaults (each input's comment above says why): the one home of these values. A
 * ModelConfig may leave any of them out, meaning this value; hardwareInputs resolves them.
 */
export const HARDWARE_DEFAULTS = { physOffset: false, fgt: true, nv2p1: false, vpmu: true, lrs: 0 } as const;

export type HardwareInputs = { -readonly [K in keyof typeof HARDWARE_DEFAULTS]: (typeof HARDWARE_DEFAULTS)[K] extends boolean ? boolean : number };

/** The hardware and VM inputs of a configuration, defaults filled in. */
export function hardwareInputs(m: Pick<ModelConfig, keyof HardwareInputs>): HardwareInputs {
  return {
    physOffset: m.physOffset ?? HARDWARE_DEFAULTS.physOffset,
    fgt: m.fgt ?? HARDWARE_DEFAULTS.fgt,
    nv2p1: m.nv2p1 ?? HARDWARE_DEFAULTS.nv2p1,
    vpmu: m.vpmu ?? HARDWARE_DEFAULTS.vpmu,
    lrs: m.lrs ?? HARDWARE_DEFAULTS.lrs,
  };
}

export function defaultModelConfig(over: Partial<ModelConfig> = {}): ModelConfig {
  const depth = over.depth ?? 1;
  return {
    depth,
    nv2: true,
    ecv: true,
    guestHyp: "vhe",
    patch: Array.from({ length: depth }, (_, i) => i),
    sveVl: 0,
    el2Vtimer: false,
    fgt: HARDWARE_DEFAULTS.fgt,
    nv2p1: HARDWARE_DEFAULTS.nv2p1,
    vpmu: HARDWARE_DEFAULTS.vpmu,
    lrs: HARDWARE_DEFAULTS.lrs,
    costs: defaultCosts(),
    ...over,
  };
}

/** Checks the combination rules (docs/model.md "Combination rules"); throws ConfigError naming the field and the accepted values. */
export function validateModelConfig(cfg: ModelConfig): void {
  if (!Number.isInteger(cfg.depth) || cfg.depth < 1 || cfg.depth > MAX_DEPTH) {
    throw new ConfigError("depth", String(cfg.depth), `an integer 1..${MAX_DEPTH}`);
  }
  if (!isSveVectorLength(cfg.sveVl)) {
    throw new ConfigError("sve-vl", String(cfg.sveVl), "0, 128, 256, 512, 1024, 2048");
  }
  if (cfg.lrs !== undefined && (!Number.isInteger(cfg.lrs) || cfg.lrs < 0 || cfg.lrs > MAX_HELD_LRS)) {
    throw new ConfigError("lrs", String(cfg.lrs), `an integer 0..${MAX_HELD_LRS} (list registers held across exits; the CPU interface has 4)`);
  }
  if (cfg.guestHyp === "nvhe" && cfg.depth !== 2) {
    throw new ConfigError("guest-hyp", "nvhe", "vhe at any depth; nvhe only with --depth 2 (no recursion with nVHE)");
  }
  for (const [name, v] of Object.entries(cfg.costs)) {
    const unit = COSTS[name as CostName]?.unit;
    if (unit === undefined) throw new ConfigError("costs", name, `unit-cost names: ${Object.keys(COSTS).join(", ")}`);
    const ok = unit === "bytes/cycle" ? v > 0 && Number.isFinite(v) : Number.isInteger(v) && v >= 0;
    if (!ok) throw new ConfigError("costs", `${name}=${v}`, unit === "bytes/cycle" ? "a number > 0" : "an integer >= 0 (cycles)");
  }
  for (const a of cfg.changes ?? []) {
    for (const l of a.levels) {
      if (!Number.isInteger(l) || l < 0 || l >= cfg.depth) {
        throw new ConfigError("change", `${a.change.name}@${a.levels.join(",")}`, `a change at none, all, or hypervisor levels 0..${cfg.depth - 1} at depth ${cfg.depth}`);
      }
    }
  }
  for (const l of cfg.patch) {
    if (!Number.isInteger(l) || l < 0 || l >= cfg.depth) {
      throw new ConfigError("patch", String(l), `none, all, or hypervisor levels 0..${cfg.depth - 1} at depth ${cfg.depth}`);
    }
  }
}
