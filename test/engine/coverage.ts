import { SYSREGS, type SysRegName } from "../../lib/arch/sysregs";
import { COST_NAMES, type CostName } from "../../lib/costs/table";
import type { SysregAccess } from "../../lib/engine/access";
import type { TrapEvent } from "../../lib/engine/events";
import { applyHostEvent, applyLeafEvent, HOST_EVENTS, LEAF_EVENTS } from "../../lib/engine/leaf";
import { Machine } from "../../lib/engine/machine";
import { defaultModelConfig, type ModelConfig } from "../../lib/kvm/config";
import { PATH_DEFS, type Path, type PathName } from "../../lib/kvm/paths";
import { FP_POLICIES } from "../../lib/kvm/policy";
import { subscribe } from "../../lib/trace/bus";

/**
 * Coverage of the model's data: which system registers, paths and unit costs the engine reaches, in which
 * configurations. Every register access, path and unit cost is seen where the engine uses it, with every operation
 * stepped (the vncr_access tracepoint on).
 */

/** an item of the model's data: `reg NAME`, `path NAME` or `cost NAME` */
export type Item = `reg ${SysRegName}` | `path ${PathName}` | `cost ${CostName}`;

export const ALL_ITEMS: readonly Item[] = [
  ...(Object.keys(SYSREGS) as SysRegName[]).map((r) => `reg ${r}` as const),
  ...(Object.keys(PATH_DEFS) as PathName[]).map((p) => `path ${p}` as const),
  ...COST_NAMES.map((c) => `cost ${c}` as const),
];

/** A machine that records every register access, path and unit cost its stepped execution reaches. */
class CoverageMachine extends Machine {
  constructor(
    cfg: ModelConfig,
    private readonly seen: (item: Item) => void,
  ) {
    super(cfg);
    // the costs the engine charges directly are seen where they are charged: VNCR accesses, FP/SVE register files
    subscribe(this, ["vncr_access", "fp_save", "fp_restore"], (r) => this.seen(r.name === "vncr_access" ? "cost vncrAccess" : "cost fpBytesPerCycle"));
  }
  override sr(k: number, a: SysregAccess): void {
    // as the engine does: an nVHE hypervisor's hyp code reaches its EL2 exception state through the EL2 encodings
    const eff = k === 1 && this.cfg.guestHyp === "nvhe" && !this.levels[1]!.hostMode ? (a.nvhe ?? a) : a;
    this.seen(`reg ${eff.reg}`);
    if (k === 0) this.seen(a.write ? "cost sysregWrite" : "cost sysregRead");
    super.sr(k, a);
  }
  override trap(k: number, ev: TrapEvent): void {
    this.seen("cost excEntry");
    super.trap(k, ev);
  }
  override eret(j: number, to: "guest" | "inhost"): void {
    if (j === 0) this.seen("cost excReturn");
    super.eret(j, to);
  }
  override run(k: number, p: Path): void {
    this.seen(`path ${p.name}`);
    super.run(k, p);
  }
  override cost(level: number, name: CostName): void {
    this.seen(`cost ${name}`);
    super.cost(level, name);
  }
}

/** the configurations the coverage visits: every feature on and off, at depths 1..4 (1..3 without NV2) */
export function coverageConfigs(): ModelConfig[] {
  const out: ModelConfig[] = [];
  const all = (d: number): number[] => Array.from({ length: d }, (_, i) => i);
  for (const depth of [1, 2, 3, 4]) {
    for (const nv2 of [true, false]) {
      if (!nv2 && depth > 3) continue;
      for (const ecv of [true, false]) {
        for (const sveVl of [0, 512]) for (const patch of [[], all(depth)]) out.push(defaultModelConfig({ depth, nv2, ecv, sveVl, patch }));
        out.push(defaultModelConfig({ depth, nv2, ecv, el2Vtimer: true }));
        out.push(defaultModelConfig({ depth, nv2, ecv, physOffset: true }));
        out.push(defaultModelConfig({ depth, nv2, ecv, physOffset: true, el2Vtimer: true }));
        // the hardware and VM inputs reach nothing new past depth 2 (without FEAT_FGT every MDSCR_EL1 access of a guest
        // hypervisor traps and each trap's handling makes more: stepping every event deeper takes minutes)
        if (depth === 2 && ecv) {
          out.push(defaultModelConfig({ depth, nv2, ecv, nv2p1: true, vpmu: false, lrs: 2 }));
          out.push(defaultModelConfig({ depth, nv2, ecv, fgt: false }));
        }
      }
    }
  }
  for (const nv2 of [true, false]) for (const sveVl of [0, 512]) out.push(defaultModelConfig({ depth: 2, nv2, sveVl, guestHyp: "nvhe", patch: [] }));
  for (const fpPolicy of FP_POLICIES) out.push(defaultModelConfig({ depth: 3, sveVl: 512, fpPolicy }));
  return out;
}

/** For each item, the configurations (indices into `configs`) in which the engine reached it. */
export function measureCoverage(configs: readonly ModelConfig[] = coverageConfigs()): Map<Item, Set<number>> {
  const reached = new Map<Item, Set<number>>();
  configs.forEach((cfg, c) => {
    const m = new CoverageMachine(cfg, (item) => {
      let s = reached.get(item);
      if (!s) reached.set(item, (s = new Set()));
      s.add(c);
    });
    // every leaf and host event (each after leaf FP use), kernel-mode NEON inside each nested window, twice over
    for (let round = 0; round < 2; round++) {
      for (const ev of LEAF_EVENTS) {
        applyLeafEvent(m, "fp");
        applyLeafEvent(m, ev);
      }
      for (const ev of HOST_EVENTS) {
        for (let j = 0; j < cfg.depth; j++) {
          if (ev === "migrate" && j > 0) continue;
          applyLeafEvent(m, "fp");
          applyHostEvent(m, ev, j);
        }
      }
      for (let j = 0; j < cfg.depth - 1; j++) {
        m.armWindowNeon(j);
        applyLeafEvent(m, "hvc");
      }
      m.leafWork(1000);
    }
  });
  return reached;
}
