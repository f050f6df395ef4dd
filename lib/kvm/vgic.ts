import * as access from "../engine/access";
import type { Engine } from "../engine/engine";
import * as paths from "./paths";

/**
 * The GICv3 virtual CPU interface at one level's KVM (arch/arm64/kvm/vgic/vgic.c, vgic-v3.c, vgic-v3-nested.c):
 * list registers flushed before entry and synced after exit, and the vgic put/load.
 */

// hot imports bound to module-local constants (see test/engine/hot-imports.test.ts)
const { W } = access;
const { PATHS } = paths;

const A_ICH_HCR_EL2_W = W("ICH_HCR_EL2");
const A_ICH_LR0_EL2_W = W("ICH_LR0_EL2");
const P_VGIC_SAVE_STATE = PATHS.vgicSaveState;
const P_VGIC_SAVE_LRS = PATHS.vgicSaveLrs;
const P_VGIC_SYNC_NESTED = PATHS.vgicSyncNested;
const P_PUT_VGIC_NESTED = PATHS.putVgicNested;
const P_PUT_VGIC = PATHS.putVgic;
const P_LOAD_VGIC_NESTED = PATHS.loadVgicNested;
const P_LOAD_VGIC = PATHS.loadVgic;

/**
 * vgic.c kvm_vgic_flush_hwstate: in a nested state vgic_v3_flush_nested (ICH_HCR_EL2 from the guest hypervisor's);
 * otherwise __vgic_v3_restore_state: ICH_HCR_EL2 always, the list registers in use.
 */
export function vgicFlush(m: Engine, j: number): void {
  const lv = m.levels[j]!;
  m.sr(j, A_ICH_HCR_EL2_W);
  if (lv.ctx !== "nested" && lv.lrInUse) m.sr(j, A_ICH_LR0_EL2_W);
}

/**
 * vgic.c kvm_vgic_sync_hwstate: in a nested state vgic_v3_sync_nested; otherwise __vgic_v3_save_state (the list
 * registers in use read back, then ICH_VMCR_EL2, ICH_HCR_EL2 cleared and the ICH_MISR_EL2 read on every exit).
 */
export function vgicSync(m: Engine, j: number): void {
  const lv = m.levels[j]!;
  if (lv.ctx === "nested") {
    m.run(j, P_VGIC_SYNC_NESTED);
    return;
  }
  if (lv.lrInUse) {
    m.run(j, P_VGIC_SAVE_LRS);
    lv.lrInUse = false;
  }
  m.run(j, P_VGIC_SAVE_STATE);
}

/** vgic-v3.c vgic_v3_put / vgic-v3-nested.c vgic_v3_put_nested. */
export function putVgic(m: Engine, j: number): void {
  m.run(j, m.levels[j]!.ctx === "nested" ? P_PUT_VGIC_NESTED : P_PUT_VGIC);
}

/** vgic-v3.c vgic_v3_load / vgic-v3-nested.c vgic_v3_load_nested. */
export function loadVgic(m: Engine, j: number): void {
  m.run(j, m.levels[j]!.ctx === "nested" ? P_LOAD_VGIC_NESTED : P_LOAD_VGIC);
}

/** An interrupt for level j's guest is injected: a list register holds it until the next sync. */
export function lrInjected(m: Engine, j: number): void {
  m.levels[j]!.lrInUse = true;
}
