import { isSveVectorLength } from "../arch/sve";
import { type CostName, COSTS, type Costs, defaultCosts } from "../costs/table";
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
  readonly costs: Costs;
  /** the FP save/restore policy of the levels in `patch` (default nv-fp-elision, the change); see FP_POLICIES */
  readonly fpPolicy?: FpPolicy;
}

export const MAX_DEPTH = 8;

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
  if (cfg.guestHyp === "nvhe" && cfg.depth !== 2) {
    throw new ConfigError("guest-hyp", "nvhe", "vhe at any depth; nvhe only with --depth 2 (no recursion with nVHE)");
  }
  for (const [name, v] of Object.entries(cfg.costs)) {
    const unit = COSTS[name as CostName]?.unit;
    if (unit === undefined) throw new ConfigError("costs", name, `unit-cost names: ${Object.keys(COSTS).join(", ")}`);
    const ok = unit === "bytes/cycle" ? v > 0 && Number.isFinite(v) : Number.isInteger(v) && v >= 0;
    if (!ok) throw new ConfigError("costs", `${name}=${v}`, unit === "bytes/cycle" ? "a number > 0" : "an integer >= 0 (cycles)");
  }
  for (const l of cfg.patch) {
    if (!Number.isInteger(l) || l < 0 || l >= cfg.depth) {
      throw new ConfigError("patch", String(l), `none, all, or hypervisor levels 0..${cfg.depth - 1} at depth ${cfg.depth}`);
    }
  }
}
