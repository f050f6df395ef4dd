import * as access from "../engine/access";
import type { Engine } from "../engine/engine";
import type { Trap } from "../engine/events";
import * as layout from "../engine/layout";
import * as emit from "../trace/emit";
import * as arm from "./arm";
import * as fpsimd from "./fpsimd";

/**
 * The nested transitions of one level's KVM (arch/arm64/kvm/emulate-nested.c): injecting an exception into the vEL2
 * of the guest hypervisor above (kvm_inject_nested) and emulating that hypervisor's ERET into its own guest
 * (kvm_emulate_nested_eret). Each switches the vcpu between its hyp and nested contexts with a put/load, inside the
 * IN_NESTED_EXCEPTION / IN_NESTED_ERET window that the FP-elision change tests.
 */

// hot imports bound to module-local constants (see test/engine/hot-imports.test.ts)
const { R } = access;
const { F_DIRECT_INJECTS, F_NESTED_ERETS, F_NESTED_EXCEPTIONS, MECH_HANDLER, MECH_PUTLOAD } = layout;
const { vcpuLoad, vcpuPut } = arm;
const { kernelNeon } = fpsimd;
const { traceDirectInject, traceInjectNested, traceNestedEret } = emit;

const A_SPSR_EL12_R = R("SPSR_EL12");

/** kvm_inject_nested: exception ev takes L(j+1) from its nested context into its vEL2, with put/load at level j. */
export function injectNested(m: Engine, j: number, ev: Trap): void {
  const lv = m.levels[j]!;
  if (lv.ctx === "hyp") {
    // Taken from vEL2 (or InHost EL0): pend the exception, no put/load.
    m.bump(j, F_DIRECT_INJECTS);
    if (m.trace.active) traceDirectInject(m, j, ev);
    const prev = m.setMech(MECH_HANDLER);
    m.cost(j, "injectCode");
    m.setMech(prev);
    return;
  }
  if (lv.ctx !== "nested") throw new Error(`level ${j} cannot inject a nested exception into a non-hypervisor guest`);
  m.bump(j, F_NESTED_EXCEPTIONS);
  m.preemptOff++;
  lv.inNestedException = true;
  const prev = m.setMech(MECH_PUTLOAD);
  m.cost(j, "routeCode");
  vcpuPut(m, j);
  // emulate-nested.c kvm_inject_nested: kvm_arch_vcpu_put, then kvm_inject_el2_exception traces it
  if (m.trace.active) traceInjectNested(m, j, ev);
  inWindow(m, j);
  m.cost(j, "injectCode");
  lv.ctx = "hyp";
  vcpuLoad(m, j);
  m.setMech(prev);
  lv.inNestedException = false;
  m.preemptOff--;
}

/** kvm_emulate_nested_eret: L(j+1) ERETs from vEL2 into its own guest; put/load at level j. */
export function emulateNestedEret(m: Engine, j: number): void {
  const lv = m.levels[j]!;
  if (lv.ctx !== "hyp") throw new Error(`level ${j}: nested ERET while not in hyp context`);
  m.bump(j, F_NESTED_ERETS);
  const prev = m.setMech(MECH_PUTLOAD);
  m.sr(j, A_SPSR_EL12_R);
  m.cost(j, "eretEmulCode");
  m.preemptOff++;
  lv.inNestedEret = true;
  vcpuPut(m, j);
  // emulate-nested.c kvm_emulate_nested_eret: kvm_arch_vcpu_put, then trace_kvm_nested_eret
  if (m.trace.active) traceNestedEret(m, j);
  inWindow(m, j);
  lv.ctx = "nested";
  vcpuLoad(m, j);
  lv.inNestedEret = false;
  m.preemptOff--;
  m.setMech(prev);
}

/**
 * Inside level j's IN_NESTED_* window (between put and load, preemption off, interrupts on): a softirq's
 * kernel-mode NEON armed by armWindowNeon runs here.
 */
function inWindow(m: Engine, j: number): void {
  const lv = m.levels[j]!;
  if (lv.neonInWindow) {
    lv.neonInWindow = false;
    kernelNeon(m, j);
  }
}

/** Arms kernel-mode NEON at level j to run inside its next nested put/load window (level state: memo-safe). */
export function armWindowNeon(m: Engine, j: number): void {
  m.levels[j]!.neonInWindow = true;
}
