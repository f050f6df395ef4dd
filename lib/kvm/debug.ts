import * as access from "../engine/access";
import type { Engine } from "../engine/engine";
import * as paths from "./paths";

/**
 * Debug state at one level's KVM (arch/arm64/kvm/debug.c, hyp/include/hyp/debug-sr.h): who owns the vcpu's
 * breakpoint/watchpoint registers (vcpu->arch.debug_owner), MDCR_EL2.TDA while they are not the guest's, and the
 * switch of that state on every entry and exit while they are in use.
 *
 * No modelled guest enables debug exceptions (MDSCR_EL1.KDE/MDE clear), so every load sets FREE. A guest
 * hypervisor's own MDSCR_EL1 accesses then turn it GUEST_OWNED: its first read after each load traps through TDA, and
 * its writes trap through FEAT_FGT's HDFGWTR_EL2.MDSCR_EL1 in hyp context; both end in trap_debug_regs, which sets
 * GUEST_OWNED (kvm_debug_set_guest_ownership) and rewrites MDCR_EL2 without TDA.
 */

// hot imports bound to module-local constants (see test/engine/hot-imports.test.ts)
const { W } = access;
const { PATHS } = paths;

const A_MDCR_EL2_W = W("MDCR_EL2");
const P_DEBUG_STATE_SWITCH = PATHS.debugStateSwitch;

/** debug.c kvm_vcpu_load_debug: debug_owner from the guest's MDSCR_EL1 (no KDE/MDE: FREE). MDCR_EL2 is in the path. */
export function loadDebug(m: Engine, j: number): void {
  m.levels[j]!.debugOwner = "free";
}

/** hyp/include/hyp/debug-sr.h __debug_switch_to_guest_common: only while the debug registers are in use. */
export function debugSwitchToGuest(m: Engine, j: number): void {
  if (m.levels[j]!.debugOwner !== "free") m.run(j, P_DEBUG_STATE_SWITCH);
}

/** hyp/include/hyp/debug-sr.h __debug_switch_to_host_common: only while the debug registers are in use. */
export function debugSwitchToHost(m: Engine, j: number): void {
  if (m.levels[j]!.debugOwner !== "free") m.run(j, P_DEBUG_STATE_SWITCH);
}

/** sys_regs.c trap_debug_regs -> debug.c kvm_debug_set_guest_ownership: GUEST_OWNED, MDCR_EL2 rewritten (no TDA). */
export function debugSetGuestOwnership(m: Engine, j: number): void {
  m.levels[j]!.debugOwner = "guest";
  m.sr(j, A_MDCR_EL2_W); // kvm_arm_setup_mdcr_el2: write_sysreg(mdcr_el2) with VHE
}
