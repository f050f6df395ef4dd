import type { Costs } from "../costs/table";
import type { ModelConfig } from "../kvm/config";
import { STEP_INDEX } from "../kvm/ops";
import { PATH_COUNT, PATHS, type Path, type PathName } from "../kvm/paths";
import { ACCESS, featureIndex, RES_NATIVE, RES_VNCR, type SysregAccess } from "./access";

/**
 * The path compiler: a path's operations, resolved once per configuration into segments. A run of operations whose
 * outcome cannot depend on state (native accesses, VNCR memory, barriers, plain code) becomes one folded charge; what
 * can trap or change state (a trapping access, GIC MMIO, a stateful step, a call) ends a segment. A pure function of
 * the path, the code class, the unit costs and the features; results are cached per (costs, features).
 */

/**
 * Where a path runs, which decides how its operations resolve: on hardware (L0: everything native), in a guest
 * hypervisor at vEL2 (system registers classified by lib/arch/sysregs.ts, GIC MMIO trapped), in an nVHE guest
 * hypervisor's hyp code at vEL2 (the same, with its own EL2 exception state reached through the EL2 encodings:
 * NVHE_HYP_ENCODING), or in an nVHE guest hypervisor's host kernel at EL1 (its EL1 system registers are its own; the
 * GIC is still emulated: MMIO traps).
 */
export type CodeClass = 0 | 1 | 2 | 3;
export const CLS_HARDWARE = 0;
export const CLS_GUEST_HYP = 1;
export const CLS_NVHE_HOST = 2;
export const CLS_NVHE_HYP = 3;

/** what follows a segment's folded cost */
export const SEG_NONE = 0;
export const SEG_TRAP = 1;
export const SEG_MMIO = 2;
export const SEG_STEP = 3;
export const SEG_CALL = 4;
/** an access whose resolution depends on state (a debug register under MDCR_EL2.TDA): resolved when it runs */
export const SEG_SR = 5;

export interface Segment {
  /** folded cycles of the operations before this segment's end */
  readonly cost: number;
  /** VNCR accesses among them */
  readonly vncr: number;
  /** SEG_*: what follows the folded cost */
  readonly kind: number;
  readonly access: SysregAccess | undefined;
  /** index into STEP_NAMES (SEG_STEP), else -1 */
  readonly step: number;
  readonly path: Path | undefined;
}

export function compilePath(cls: CodeClass, p: Path, costs: Costs, nv2: boolean, ecv: boolean, nv2p1 = false): Segment[] {
  const resSel = featureIndex(nv2, ecv, nv2p1);
  const segs: Segment[] = [];
  let cost = 0;
  let vncr = 0;
  const flush = (kind: number, access?: SysregAccess, step = -1, path?: Path): void => {
    if (cost !== 0 || vncr !== 0 || kind !== SEG_NONE) segs.push({ cost, vncr, kind, access, step, path });
    cost = 0;
    vncr = 0;
  };
  for (const op of p.ops) {
    switch (op.kind) {
      case "isb":
      case "dsb":
        cost += costs[op.kind];
        break;
      case "gpr":
        cost += costs.gprSwitch;
        break;
      case "code":
        cost += costs[op.cost];
        break;
      case "sysreg": {
        const vhe = ACCESS[op.reg][op.write ? 1 : 0];
        const a = cls === CLS_NVHE_HYP ? (vhe.nvhe ?? vhe) : vhe;
        const guestHyp = cls === CLS_GUEST_HYP || cls === CLS_NVHE_HYP;
        if (guestHyp && a.tda) {
          flush(SEG_SR, vhe);
          break;
        }
        const res = guestHyp ? a.res[resSel]! : RES_NATIVE;
        if (res === RES_NATIVE) cost += op.write ? costs.sysregWrite : costs.sysregRead;
        else if (res === RES_VNCR) {
          cost += costs.vncrAccess;
          vncr++;
        } else flush(SEG_TRAP, a);
        break;
      }
      case "mmio":
        if (cls === CLS_HARDWARE) cost += costs.sysregWrite;
        else flush(SEG_MMIO);
        break;
      case "step":
        flush(SEG_STEP, undefined, STEP_INDEX[op.step]);
        break;
      case "call":
        flush(SEG_CALL, undefined, -1, PATHS[op.path as PathName]);
        break;
    }
  }
  flush(SEG_NONE);
  return segs;
}

/** compiled paths by [CodeClass][path id], filled on first use */
export type CompiledPaths = readonly (Segment[] | undefined)[][];
const COMPILED = new WeakMap<Costs, Map<number, CompiledPaths>>();

/** the compiled-path cache shared by every machine with the same unit costs and features */
export function compiledCache(cfg: ModelConfig): CompiledPaths {
  let byFeatures = COMPILED.get(cfg.costs);
  if (!byFeatures) {
    byFeatures = new Map();
    COMPILED.set(cfg.costs, byFeatures);
  }
  // every feature compilePath resolves accesses by (featureIndex)
  const fk = featureIndex(cfg.nv2, cfg.ecv, cfg.nv2p1 === true);
  let m = byFeatures.get(fk);
  if (!m) {
    m = [CLS_HARDWARE, CLS_GUEST_HYP, CLS_NVHE_HOST, CLS_NVHE_HYP].map(() => new Array<Segment[] | undefined>(PATH_COUNT));
    byFeatures.set(fk, m);
  }
  return m;
}
