import { EV_HOST_IRQ, EV_HVC, EV_MMIO_KERNEL, EV_MMIO_USER, EV_S2FAULT, EV_WFI, hostIrqEvent, hypTickEvent, s2ShadowEvent, type Trap } from "./events";
import type { Machine } from "./machine";

/**
 * The drivers' vocabulary (run, micro, check, tests): the events of the leaf guest and of the hosts below it, each
 * applied to a machine in one place.
 *
 * Leaf events (software at the leaf's level):
 *   fp           the leaf uses FP/SIMD (may trap if the registers are not its own)
 *   hvc          a null hypercall
 *   mmio-kernel  an MMIO access emulated by the leaf's hypervisor's kernel (like the vgic)
 *   mmio-user    an MMIO access emulated by its userspace VMM (KVM_EXIT_MMIO)
 *   timer        the leaf's virtual timer interrupt (taken at L0, routed up to the leaf's hypervisor; then its ISR)
 *   ipi-irq      an IPI for the leaf (taken and routed likewise; then its handler)
 *   sgi          the leaf sends an IPI (ICC_SGI1R_EL1 write)
 *   ipi          both: one CPU is modelled, so each IPI the leaf sends is matched by one it receives from its peer
 *   s2fault      a stage-2 fault on RAM, then the re-executed access faults in each lower shadow stage-2, top down
 *   wfi          the leaf idles (WFI)
 * Host events (an interrupt taken while the leaf runs, owned by the hypervisor at `level`):
 *   tick         that hypervisor's own timer tick
 *   preempt      its host preempts the vcpu thread (sched out, another task uses FP, sched in)
 *   neon         kernel-mode NEON in a softirq
 *   migrate      (L0 only) the vcpu thread moves to the other physical CPU
 */
export const LEAF_EVENTS = ["fp", "hvc", "mmio-kernel", "mmio-user", "timer", "ipi-irq", "sgi", "ipi", "s2fault", "wfi"] as const;
export type LeafEvent = (typeof LEAF_EVENTS)[number];
export const HOST_EVENTS = ["tick", "preempt", "neon", "migrate"] as const;
export type HostEvent = (typeof HOST_EVENTS)[number];

/** Applies a leaf event; `after` runs after each machine operation it makes (drivers drain totals there). */
export function applyLeafEvent(m: Machine, ev: LeafEvent, after?: () => void): void {
  switch (ev) {
    case "fp":
      m.leafFp();
      break;
    case "hvc":
      m.leafTrap(EV_HVC);
      break;
    case "mmio-kernel":
      m.leafTrap(EV_MMIO_KERNEL);
      break;
    case "mmio-user":
      m.leafTrap(EV_MMIO_USER);
      break;
    case "timer":
      m.leafIrq("irq-timer");
      break;
    case "ipi-irq":
      m.leafIrq("irq-ipi");
      break;
    case "sgi":
      m.leafSysreg("ICC_SGI1R_EL1", true);
      break;
    case "ipi":
      m.leafSysreg("ICC_SGI1R_EL1", true);
      after?.();
      m.leafIrq("irq-ipi");
      break;
    case "s2fault": {
      m.leafTrap(EV_S2FAULT);
      const shadow = shadowEvents(m.depth);
      for (let j = m.depth - 2; j >= 0; j--) {
        after?.();
        m.leafTrap(shadow[j]!);
      }
      break;
    }
    case "wfi":
      m.leafTrap(EV_WFI);
      break;
  }
  after?.();
}

/** Applies a host event owned by the hypervisor at `level` (0..depth-1). */
export function applyHostEvent(m: Machine, ev: HostEvent, level: number): void {
  m.leafTrap(hostEvent(ev, level));
}

/** The trap a host event raises (interned, and looked up once per event and level). */
export function hostEvent(ev: HostEvent, level: number): Trap {
  const byLevel = HOST[HOST_INDEX[ev]]!;
  let t = byLevel[level];
  if (t === undefined) {
    t = makeHostEvent(ev, level);
    byLevel[level] = t;
  }
  return t;
}

function makeHostEvent(ev: HostEvent, level: number): Trap {
  switch (ev) {
    case "tick":
      return level === 0 ? EV_HOST_IRQ : hypTickEvent(level);
    case "migrate":
      if (level !== 0) throw new Error("only L0 migrates vcpu threads between physical CPUs");
      return hostIrqEvent(0, "migrate");
    default:
      return hostIrqEvent(level, ev);
  }
}

const HOST_INDEX = Object.fromEntries(HOST_EVENTS.map((e, i) => [e, i])) as Record<HostEvent, number>;
const HOST: Trap[][] = HOST_EVENTS.map(() => []);

const SHADOW: Trap[][] = [];
function shadowEvents(depth: number): readonly Trap[] {
  let s = SHADOW[depth];
  if (!s) {
    s = Array.from({ length: Math.max(0, depth - 1) }, (_, j) => s2ShadowEvent(j));
    SHADOW[depth] = s;
  }
  return s;
}
