import type { StepFn } from "../engine/engine";
import * as arm from "./arm";
import * as debug from "./debug";
import * as fpsimd from "./fpsimd";
import * as ops from "./ops";
import type { StepName } from "./ops";
import * as timer from "./timer";
import * as vgic from "./vgic";

/**
 * The stateful steps that paths name (`step NAME` in lib/kvm/paths.ts), each following one kernel function, and
 * where it lives: FP/SIMD/SVE in fpsimd.ts, the vgic in vgic.ts, the timer in timer.ts, system registers, HCR, the
 * stage-2 MMU and vcpu put/load in arm.ts. A Record over every step name, so a new step does not compile until
 * implemented.
 */
export const STEPS: Readonly<Record<StepName, StepFn>> = {
  lazySwitchToGuest: fpsimd.lazySwitchToGuest,
  lazySwitchToHost: fpsimd.lazySwitchToHost,
  ctxflushFp: fpsimd.ctxflushFp,
  ctxsyncFp: fpsimd.ctxsyncFp,
  putFp: fpsimd.putFp,
  loadFp: fpsimd.loadFp,
  computeHcr: arm.computeHcr,
  putSysregs: arm.putSysregs,
  loadSysregs: arm.loadSysregs,
  loadHwMmu: arm.loadHwMmu,
  fgtPut: arm.fgtPut,
  fgtLoad: arm.fgtLoad,
  pmuTrapsPut: arm.pmuTrapsPut,
  pmuTrapsLoad: arm.pmuTrapsLoad,
  /** arm.c kvm_arch_vcpu_put / kvm_arch_vcpu_load outside a nested transition (vcpu_put / vcpu_load) */
  vcpuPut: arm.vcpuPut,
  vcpuLoad: arm.vcpuLoad,
  cntpoffEnter: timer.cntpoffEnter,
  cntpoffExit: timer.cntpoffExit,
  cntpoffLoad: timer.cntpoffLoad,
  timerSyncNested: timer.timerSyncNested,
  putTimer: timer.putTimer,
  loadTimer: timer.loadTimer,
  timerMapSwitch: timer.timerMapSwitch,
  counterRead: timer.counterRead,
  physCounterRead: timer.physCounterRead,
  virtCounterRead: timer.virtCounterRead,
  hptimerReadCtl: timer.hptimerReadCtl,
  hptimerWriteCtl: timer.hptimerWriteCtl,
  hptimerWriteCval: timer.hptimerWriteCval,
  timerSetTraps: timer.timerSetTraps,
  loadDebug: debug.loadDebug,
  debugSwitchToGuest: debug.debugSwitchToGuest,
  debugSwitchToHost: debug.debugSwitchToHost,
  vgicFlush: vgic.vgicFlush,
  vgicSync: vgic.vgicSync,
  putVgic: vgic.putVgic,
  loadVgic: vgic.loadVgic,
};

/** STEPS by step index (compiled paths name steps by index) */
export const STEP_BY_INDEX: readonly StepFn[] = ops.STEP_NAMES.map((n) => STEPS[n]);
