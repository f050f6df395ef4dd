import type { SysRegName } from "../arch/sysregs";
import type { CostName } from "../costs/table";

/**
 * Operations performed by one level's software, written as short strings so each path reads like the kernel source
 * it follows and can be audited line by line:
 * - `R REG` / `W REG`  system register read / write (classified by lib/arch/sysregs.ts)
 * - `isb`, `dsb`       barriers
 * - `gpr`              save or restore the 31 GPRs + SP (33 LDP/STP)
 * - `code NAME`        plain instructions costed by the unit cost NAME (lib/costs/table.ts)
 * - `mmio gicr`        an MMIO access to the (possibly emulated) GIC redistributor
 * - `step NAME`        a stateful step implemented in code (STEPS in lib/kvm/steps.ts): FP ownership, timers, ...
 * - `call NAME`        run another path
 */
export const STEP_NAMES = [
  "lazySwitchToGuest",
  "lazySwitchToHost",
  "computeHcr",
  "cntpoffEnter",
  "cntpoffExit",
  "vgicFlush",
  "vgicSync",
  "timerSyncNested",
  "ctxflushFp",
  "ctxsyncFp",
  "putFp",
  "loadFp",
  "putSysregs",
  "loadSysregs",
  "putTimer",
  "loadTimer",
  "putVgic",
  "loadVgic",
  "loadHwMmu",
  "vcpuPut",
  "vcpuLoad",
  "fgtPut",
  "fgtLoad",
  "pmuTrapsPut",
  "pmuTrapsLoad",
  "counterRead",
  "physCounterRead",
  "virtCounterRead",
  "hptimerReadCtl",
  "hptimerWriteCtl",
  "hptimerWriteCval",
  "cntpoffLoad",
  "timerMapSwitch",
  "timerSetTraps",
  "loadDebug",
  "debugSwitchToGuest",
  "debugSwitchToHost",
] as const;
export type StepName = (typeof STEP_NAMES)[number];
/** dense index of each step (compiled paths refer to steps by it) */
export const STEP_INDEX = Object.fromEntries(STEP_NAMES.map((n, i) => [n, i])) as Readonly<Record<StepName, number>>;

export type OpSpec =
  | `R ${SysRegName}`
  | `W ${SysRegName}`
  | "isb"
  | "dsb"
  | "gpr"
  | `code ${CostName}`
  | "mmio gicr"
  | `step ${StepName}`
  | `call ${string}`;

export type Op =
  | { readonly kind: "sysreg"; readonly reg: SysRegName; readonly write: boolean }
  | { readonly kind: "isb" }
  | { readonly kind: "dsb" }
  | { readonly kind: "gpr" }
  | { readonly kind: "code"; readonly cost: CostName }
  | { readonly kind: "mmio" }
  | { readonly kind: "step"; readonly step: StepName }
  | { readonly kind: "call"; readonly path: string };

export function parseOp(spec: OpSpec): Op {
  const sp = spec.indexOf(" ");
  const head = sp < 0 ? spec : spec.slice(0, sp);
  const arg = sp < 0 ? "" : spec.slice(sp + 1);
  switch (head) {
    case "R":
      return { kind: "sysreg", reg: arg as SysRegName, write: false };
    case "W":
      return { kind: "sysreg", reg: arg as SysRegName, write: true };
    case "isb":
      return { kind: "isb" };
    case "dsb":
      return { kind: "dsb" };
    case "gpr":
      return { kind: "gpr" };
    case "code":
      return { kind: "code", cost: arg as CostName };
    case "mmio":
      return { kind: "mmio" };
    case "step":
      return { kind: "step", step: arg as StepName };
    case "call":
      return { kind: "call", path: arg };
    default:
      throw new Error(`bad op spec: ${spec}`);
  }
}

export function opLabel(op: Op): string {
  switch (op.kind) {
    case "sysreg":
      return `${op.write ? "W" : "R"} ${op.reg}`;
    case "code":
      return `code ${op.cost}`;
    case "step":
      return `step ${op.step}`;
    case "call":
      return `call ${op.path}`;
    case "mmio":
      return "mmio gicr";
    default:
      return op.kind;
  }
}
