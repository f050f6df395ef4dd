/**
 * What the model leaves out, in a few lines a reader needs next to the answer (the report's summary and the
 * README quote this list; docs/model.md has the details). Counts come from the cost table.
 */
import { COST_NAMES, COSTS } from "../lib/index";

/** `fig` marks each generated number (the report's summary wraps them; the README prints them as they are). */
export function limitations(fig: (text: string) => string = (t) => t): string[] {
  const count = (b: string): string => fig(String(COST_NAMES.filter((n) => COSTS[n].basis === b).length));
  return [
    `**Unit costs are mostly not measured**: of the ${fig(String(COST_NAMES.length))} unit costs, ${count("published")} are published figures and ${count("derived")} derived from them; ${count("calibrated")} were set once so that single-level micro benchmarks land near Ampere Altra, and ${count("assumed")} are assumptions. The sensitivity band scales every unsourced one. Nothing was tuned against a nested measurement.`,
    "**Workloads are profiles, not traces**: I/O, IPI, fault and FP-use rates are estimates (`lib/workload/profiles.ts`), identical for the baseline and the patched run.",
    "**One vcpu per level** on the modelled CPU; no second vcpu of a guest hypervisor sharing its CPU; no migration inside guest hypervisors.",
    "**Warm caches**: shadow stage-2 misses and recycling, VNCR page faults and TLB maintenance are not modelled.",
    "**Absent features**: GICv4, RAS, MTE, SME/ZA, FEAT_FGT2, debug and pKVM; AArch32 guests. The PMU is visible, so MDCR_EL2.TPM traps guest hypervisors' PMU accesses.",
    "**The EL2 virtual timer**: with the default zero counter offset the model finds no effect of it, so it cannot speak to the posting's remark about it.",
  ];
}
