import type { FpPolicy } from "../kvm/policy";
import { type Change, type Edit, validateChange } from "./change";

/**
 * The changes nestlab ships (`--change NAME`), as TypeScript objects validated like a user's JSON file. The first is
 * the FP-elision change that Linux 7.3 carries; the others are hypothetical, suggested by `nestlab candidates`
 * (docs/changes.md), each with what a real patch would have to argue.
 */
const DEFS: readonly Change[] = [
  {
    name: "nv-fp-elision",
    title: "kvm_arch_vcpu_put_fp / kvm_arch_vcpu_load_fp return early under IN_NESTED_ERET / IN_NESTED_EXCEPTION",
    origin:
      "[PATCH 2/2] KVM: arm64: nv: Don't save/restore FP register during a nested ERET or exception (Marc Zyngier, 2026-05-12; " +
      "shared/reference/nv-fp-elision-patch.txt), in Linux 7.3: arch/arm64/kvm/fpsimd.c kvm_arch_vcpu_load_fp, kvm_arch_vcpu_put_fp",
    rationale:
      "Nested transitions run non-preemptible with the host's FP state already saved and unbound, and vEL2 and the nested " +
      "EL1 context of one vcpu share one FP/SVE register file: the live registers are free or the guest's, so saving them " +
      "and re-arming the FP trap at each put/load is pure overhead (and the trap that follows amplifies with depth).",
    levels: "all",
    edits: [
      { step: "putFp", action: "drop", when: "IN_NESTED" },
      { step: "loadFp", action: "drop", when: "IN_NESTED" },
    ],
  },
  {
    name: "nv-pmu-elision",
    title: "skip the PMU trap-register switch (PMSELR_EL0, PMUSERENR_EL0) of put/load under IN_NESTED_ERET / IN_NESTED_EXCEPTION",
    origin: "hypothetical",
    rationale:
      "__activate_traps_common / __deactivate_traps_common switch PMSELR_EL0 and PMUSERENR_EL0 between the host's and the " +
      "vcpu's at each put/load; a nested transition moves between two contexts of the same vcpu, whose host-side values " +
      "are unchanged in between, so the switch could be deferred to the next real vcpu_put. A patch must show that vEL2 " +
      "and the nested EL1 context see the same PMUSERENR_EL0 trap configuration (or re-derive it at entry).",
    levels: "all",
    edits: [
      { step: "pmuTrapsPut", action: "drop", when: "IN_NESTED" },
      { step: "pmuTrapsLoad", action: "drop", when: "IN_NESTED" },
    ],
  },
  {
    name: "nv-fgt-elision",
    title: "skip the fine-grained trap register switch (HFGxTR_EL2 and friends) of put/load under IN_NESTED_ERET / IN_NESTED_EXCEPTION",
    origin: "hypothetical",
    rationale:
      "__activate_traps_hfgxtr / __deactivate_traps_hfgxtr write the five FGT registers (and read ID registers for " +
      "cpu_has_amu) at each put/load. Across a nested transition the host's values stay the same; only the vcpu's " +
      "effective FGT set changes with the context (the guest hypervisor's own FGT configuration merges in only for its " +
      "nested guest). A patch must recompute the merged set at the next entry (__compute_fgt) instead of at load, so that " +
      "no trap the guest hypervisor asked for is missed.",
    levels: "all",
    edits: [
      { step: "fgtPut", action: "drop", when: "IN_NESTED" },
      { step: "fgtLoad", action: "drop", when: "IN_NESTED" },
    ],
  },
  {
    name: "nv-timer-elision",
    title: "skip kvm_timer_vcpu_put / kvm_timer_vcpu_load under IN_NESTED_ERET / IN_NESTED_EXCEPTION",
    origin: "hypothetical",
    rationale:
      "The timer put/load saves and restores the vcpu's timer registers and switches the timer map between the hyp and " +
      "nested contexts (kvm_timer_vcpu_load_nested_switch). Eliding it is only sound if the map switch is done anyway: " +
      "the timer must be re-programmed when the context changes, so a real patch would keep the map switch and drop only " +
      "the save/restore of registers whose values cannot change across the transition. An upper bound, not a proposal.",
    levels: "all",
    edits: [
      { step: "putTimer", action: "drop", when: "IN_NESTED" },
      { step: "loadTimer", action: "drop", when: "IN_NESTED" },
    ],
  },
].map((c) => validateChange(c, `builtin ${c.name}`));

export const BUILTIN_CHANGES: ReadonlyMap<string, Change> = new Map(DEFS.map((c) => [c.name, c]));
export const BUILTIN_NAMES: readonly string[] = DEFS.map((c) => c.name);

/** the FP-elision change (the one `--patch` adopts) */
export const FP_ELISION: Change = BUILTIN_CHANGES.get("nv-fp-elision")!;

/**
 * The edits the levels in ModelConfig.patch carry for an FP policy (lib/kvm/policy.ts): the change itself (and
 * no-zcr-reset, which elides as it does and differs inside lazySwitchToHost), elide-always (every put/load),
 * none for the baseline and for elide-save-only (which differs inside putFp).
 */
export function fpPolicyEdits(policy: FpPolicy): readonly Edit[] {
  switch (policy) {
    case "nv-fp-elision":
    case "no-zcr-reset":
      return FP_ELISION.edits;
    case "elide-always":
      return FP_ELISION.edits.map((e) => ({ ...e, when: "always" as const }));
    case "baseline":
    case "elide-save-only":
      return [];
  }
}
