import { beforeAll, describe, expect, it } from "vitest";
import type { ModelConfig } from "../../lib/kvm/config";
import { ALL_ITEMS, coverageConfigs, type Item, measureCoverage } from "./coverage";

/**
 * No dead model data: every system register of lib/arch/sysregs.ts, every path of lib/kvm/paths.ts and every unit cost
 * of lib/costs/table.ts is reached by the engine, running every leaf and host event, in the default configuration
 * (NV2, FEAT_ECV, no SVE, VHE guest hypervisors, the physical timer, no counter offset, the change or none) at some
 * depth 1..4, or it carries one of the reasons below, which the test checks: it is reached, and only in
 * configurations that the reason describes.
 */
const REASONS = {
  "only with SVE": (c: ModelConfig) => c.sveVl > 0,
  "only with an nVHE guest hypervisor": (c: ModelConfig) => c.guestHyp === "nvhe",
  "only with a physical counter offset": (c: ModelConfig) => c.physOffset === true,
  "only without NV2": (c: ModelConfig) => !c.nv2,
  "only without FEAT_ECV": (c: ModelConfig) => !c.ecv,
  "only with the EL2 virtual timer": (c: ModelConfig) => c.el2Vtimer,
  "only with FEAT_NV2p1": (c: ModelConfig) => c.nv2p1 === true,
} as const;
type Reason = keyof typeof REASONS;

export const NOT_IN_DEFAULT: Readonly<Partial<Record<Item, Reason>>> = {
  "reg FAR_EL2": "only with an nVHE guest hypervisor",
  "reg ELR_EL2": "only with an nVHE guest hypervisor",
  "reg SPSR_EL2": "only with an nVHE guest hypervisor",
  "reg CPTR_EL2": "only with an nVHE guest hypervisor",
  "path nvheExitHalf": "only with an nVHE guest hypervisor",
  "path nvheHostHvc": "only with an nVHE guest hypervisor",
  "path nvheEntryHalf": "only with an nVHE guest hypervisor",
  "path nvheHostRunLoopExit": "only with an nVHE guest hypervisor",
  "path nvheHostRunLoopEntry": "only with an nVHE guest hypervisor",
  "reg ZCR_EL2": "only with SVE",
  "reg ZCR_EL12": "only with SVE",
  "reg CNTPCT_EL0_TRAPPED": "only with a physical counter offset",
  "reg CNTP_CTL_EL0_TRAPPED": "only with a physical counter offset",
  "reg CNTP_CVAL_EL0_TRAPPED": "only with a physical counter offset",
  "path fastTimerHw": "only with a physical counter offset",
  "path hypTickVirt": "only with the EL2 virtual timer",
  "reg CNTKCTL_EL1": "only with FEAT_NV2p1",
};

const isDefault = (c: ModelConfig): boolean =>
  c.nv2 &&
  c.ecv &&
  c.sveVl === 0 &&
  c.guestHyp === "vhe" &&
  !c.el2Vtimer &&
  c.physOffset !== true &&
  c.fpPolicy === undefined &&
  c.fgt !== false &&
  c.nv2p1 !== true &&
  c.vpmu !== false &&
  (c.lrs ?? 0) === 0;

describe("coverage of the model's data", () => {
  const configs = coverageConfigs();
  let reached: Map<Item, Set<number>>;
  beforeAll(() => {
    reached = measureCoverage(configs);
  }, 300_000);

  it("every register, path and unit cost is reached in the default configuration, or only where its reason says", () => {
    const problems: string[] = [];
    for (const item of ALL_ITEMS) {
      const where = [...(reached.get(item) ?? [])].map((i) => configs[i]!);
      const reason = NOT_IN_DEFAULT[item];
      if (where.length === 0) problems.push(`${item}: never reached`);
      else if (reason === undefined) {
        if (!where.some(isDefault)) problems.push(`${item}: not reached in the default configuration, and no reason given`);
      } else if (!where.every(REASONS[reason])) problems.push(`${item}: "${reason}" is not true (reached elsewhere too)`);
    }
    expect(problems).toEqual([]);
  });

  it("names only items that exist", () => {
    for (const item of Object.keys(NOT_IN_DEFAULT)) expect(ALL_ITEMS).toContain(item);
  });
});
