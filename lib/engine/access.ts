import { type HypFastPath, NVHE_HYP_ENCODING, resolveGuestHypAccess, type SysRegInfo, type SysRegName, SYSREGS, trapHandling } from "../arch/sysregs";
import { type Trap, trapEvent } from "./events";

/**
 * System register accesses, resolved once per register and direction from the register table (lib/arch/sysregs.ts):
 * how the access resolves at a guest hypervisor under each feature set, the trap event it raises, and how the owner
 * completes the trap. Nothing here is decided per simulated access.
 */

export const RES_NATIVE = 0;
export const RES_VNCR = 1;
export const RES_TRAP = 2;
export const RES_LABEL: readonly ("native" | "vncr" | "trap")[] = ["native", "vncr", "trap"];

/** One access (register, direction): its trap event and its resolution by a guest hypervisor, by features. */
export interface SysregAccess {
  readonly reg: SysRegName;
  readonly write: boolean;
  readonly label: string;
  readonly ev: Trap;
  /** the SGI register (L0's writes mark the IPI micro benchmark's send point) */
  readonly sgi: boolean;
  /** RES_* at a guest hypervisor, indexed by featureIndex(nv2, ecv, nv2p1) */
  readonly res: Uint8Array;
  /** when it traps: the hyp fast path that completes it, or null (a full exit) */
  readonly fast: HypFastPath | null;
  /** trapped by MDCR_EL2.TDA while the debug registers of the level below's vcpu are not the guest's */
  readonly tda: boolean;
  /** the access an nVHE hypervisor's hyp code makes instead (its EL2 encoding: NVHE_HYP_ENCODING), if different */
  nvhe: SysregAccess | undefined;
}

/** index of a feature set into SysregAccess.res */
export const featureIndex = (nv2: boolean, ecv: boolean, nv2p1 = false): number => (nv2p1 ? 4 : 0) + (nv2 ? 2 : 0) + (ecv ? 1 : 0);

function access(reg: SysRegName, write: boolean): SysregAccess {
  const res = new Uint8Array(8);
  for (const nv2p1 of [false, true]) {
    for (const nv2 of [false, true]) {
      for (const ecv of [false, true]) {
        const r = resolveGuestHypAccess(reg, write, nv2, ecv, nv2p1);
        res[featureIndex(nv2, ecv, nv2p1)] = r === "native" ? RES_NATIVE : r === "vncr" ? RES_VNCR : RES_TRAP;
      }
    }
  }
  const sgi = reg === "ICC_SGI1R_EL1";
  const handling = trapHandling(reg, write);
  return {
    reg,
    write,
    label: `${write ? "W" : "R"} ${reg}`,
    // trap events raised by the engine itself are shared constants: no allocation per simulated trap
    ev: trapEvent({ ec: "SYS64", reason: sgi ? "sgi" : "sysreg", reg, write }),
    sgi,
    res,
    fast: handling === "full" ? null : handling,
    tda: (SYSREGS[reg] as SysRegInfo).tda === true,
    nvhe: undefined,
  };
}

/** the two accesses (read, write) of every system register, built once */
export const ACCESS = Object.fromEntries(
  (Object.keys(SYSREGS) as SysRegName[]).map((reg) => [reg, [access(reg, false), access(reg, true)] as const]),
) as Readonly<Record<SysRegName, readonly [SysregAccess, SysregAccess]>>;

for (const [vhe, el2] of Object.entries(NVHE_HYP_ENCODING) as [SysRegName, SysRegName][]) {
  ACCESS[vhe][0].nvhe = ACCESS[el2][0];
  ACCESS[vhe][1].nvhe = ACCESS[el2][1];
}

/** the read access of a register */
export const R = (reg: SysRegName): SysregAccess => ACCESS[reg][0];
/** the write access of a register */
export const W = (reg: SysRegName): SysregAccess => ACCESS[reg][1];

const BY_EVENT: (SysregAccess | undefined)[] = [];
for (const reg of Object.keys(ACCESS) as SysRegName[]) for (const a of ACCESS[reg]) BY_EVENT[a.ev.id] = a;
/** the access whose trap event this is (undefined for other events) */
export const accessOfEvent = (ev: Trap): SysregAccess | undefined => BY_EVENT[ev.id];
