import { EXCEPTION_CLASS_NAMES, type ExceptionClass } from "../arch/exceptions";
import type { SysRegName } from "../arch/sysregs";

/**
 * Trap events: what a hardware exception taken to L0 is (its exception class and a finer reason), interned so that
 * the engine compares and indexes them by a dense id and never allocates per simulated trap.
 */

/** Why an exception was taken (finer than the exception class). */
export type TrapReason =
  | "hvc"
  | "mmio-kernel"
  | "mmio-user"
  | "sysreg"
  | "eret"
  | "fp"
  | "irq-timer"
  | "irq-ipi"
  | "sgi"
  | "wfi"
  | "s2fault"
  | "s2-shadow"
  | "host-irq"
  | "irq-hyptick"
  | "hvc-hyp";

/** every reason with its dense index (1-based: the order of this table) */
export const REASON_CODE: Readonly<Record<TrapReason, number>> = {
  hvc: 1, "mmio-kernel": 2, "mmio-user": 3, sysreg: 4, eret: 5, fp: 6, "irq-timer": 7, "irq-ipi": 8, sgi: 9, wfi: 10,
  s2fault: 11, "s2-shadow": 12, "host-irq": 13, "irq-hyptick": 14, "hvc-hyp": 15,
};
export const TRAP_REASONS = Object.keys(REASON_CODE) as TrapReason[];

/** What a host interrupt taken at L0 does besides its handler (host-irq events). */
export type HostIrqWork = "neon" | "preempt" | "migrate" | "none";

export interface TrapEvent {
  readonly ec: ExceptionClass;
  readonly reason: TrapReason;
  readonly reg?: SysRegName;
  readonly write?: boolean;
  /** ERET target: the guest's EL1/EL0 (nested ERET) or the hypervisor's own userspace (InHost). */
  readonly eretTo?: "guest" | "inhost";
  /** the level that handles it, when not implied by the reason (shadow stage-2 fills, a guest hypervisor's tick) */
  readonly owner?: number;
  readonly hostWork?: HostIrqWork;
}

export const EC_INDEX = Object.fromEntries(EXCEPTION_CLASS_NAMES.map((ec, i) => [ec, i])) as Record<ExceptionClass, number>;

/** An interned trap event (see trapEvent). */
export class Trap implements TrapEvent {
  readonly ecIdx: number;
  readonly reasonIdx: number;
  constructor(
    readonly ec: ExceptionClass,
    readonly reason: TrapReason,
    readonly reg: SysRegName | undefined,
    readonly write: boolean | undefined,
    readonly eretTo: "guest" | "inhost" | undefined,
    readonly owner: number | undefined,
    readonly hostWork: HostIrqWork | undefined,
    /** dense id of this distinct event (part of the fast engine's memo key) */
    readonly id: number,
  ) {
    this.ecIdx = EC_INDEX[ec];
    this.reasonIdx = REASON_CODE[reason];
  }
}

const TRAPS = new Map<string, Trap>();

/**
 * The interned form of a trap event: the same object for equal events. Drivers build the events they raise once
 * (passing a plain object to Machine.trap works, and is interned on each call).
 */
export function trapEvent(ev: TrapEvent): Trap {
  if (ev instanceof Trap) return ev;
  const key = `${ev.ec}|${ev.reason}|${ev.reg ?? ""}|${ev.write === undefined ? "" : +ev.write}|${ev.eretTo ?? ""}|${ev.owner ?? ""}|${ev.hostWork ?? ""}`;
  let t = TRAPS.get(key);
  if (!t) {
    if (EC_INDEX[ev.ec] === undefined) throw new Error(`unknown exception class ${ev.ec}`);
    if (REASON_CODE[ev.reason] === undefined) throw new Error(`unknown trap reason ${ev.reason}`);
    // ids 0..0xfffe: one UTF-16 unit of the memo key
    if (TRAPS.size >= 0xffff) throw new Error("too many distinct trap events");
    t = new Trap(ev.ec, ev.reason, ev.reg, ev.write, ev.eretTo, ev.owner, ev.hostWork, TRAPS.size);
    TRAPS.set(key, t);
  }
  return t;
}

// The events the engine, the KVM behaviour and the drivers raise, interned once.
export const EV_HVC = trapEvent({ ec: "HVC64", reason: "hvc" });
export const EV_MMIO_KERNEL = trapEvent({ ec: "DABT_LOW", reason: "mmio-kernel" });
export const EV_MMIO_USER = trapEvent({ ec: "DABT_LOW", reason: "mmio-user" });
export const EV_S2FAULT = trapEvent({ ec: "DABT_LOW", reason: "s2fault" });
export const EV_FP = trapEvent({ ec: "FP_ASIMD", reason: "fp" });
export const EV_SVE = trapEvent({ ec: "SVE", reason: "fp" });
export const EV_ERET_GUEST = trapEvent({ ec: "ERET", reason: "eret", eretTo: "guest" });
export const EV_ERET_INHOST = trapEvent({ ec: "ERET", reason: "eret", eretTo: "inhost" });
export const EV_WFI = trapEvent({ ec: "WFx", reason: "wfi" });
export const EV_IRQ_TIMER = trapEvent({ ec: "IRQ", reason: "irq-timer" });
export const EV_IRQ_IPI = trapEvent({ ec: "IRQ", reason: "irq-ipi" });
/** a host interrupt at L0 whose handler does nothing else (L0's own tick) */
export const EV_HOST_IRQ = trapEvent({ ec: "IRQ", reason: "host-irq", hostWork: "none" });

/** per level j: a host interrupt owned by level j's host that preempts the vcpu thread / runs kernel-mode NEON */
export const hostIrqEvent = (owner: number | undefined, hostWork: HostIrqWork): Trap =>
  trapEvent({ ec: "IRQ", reason: "host-irq", ...(owner !== undefined ? { owner } : {}), hostWork });
/** an nVHE host kernel's HVC into its own hyp (owner j) */
export const hvcHypEvent = (j: number): Trap => trapEvent({ ec: "HVC64", reason: "hvc-hyp", owner: j });
/** guest hypervisor j's own tick */
export const hypTickEvent = (j: number): Trap => trapEvent({ ec: "IRQ", reason: "irq-hyptick", owner: j });
/** the re-executed access faults in level j's shadow stage-2 */
export const s2ShadowEvent = (j: number): Trap => trapEvent({ ec: "DABT_LOW", reason: "s2-shadow", owner: j });
