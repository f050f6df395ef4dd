import * as access from "../engine/access";
import type { Engine } from "../engine/engine";
import * as paths from "./paths";

/**
 * The GICv3 virtual CPU interface at one level's KVM (arch/arm64/kvm/vgic/vgic.c, vgic-v3.c, vgic-v3-nested.c):
 * list registers flushed before entry and synced after exit, and the vgic put/load.
 */

// hot imports bound to module-local constants (see test/engine/hot-imports.test.ts)
const { R, W } = access;
const { PATHS } = paths;

const A_ICH_HCR_EL2_W = W("ICH_HCR_EL2");
const A_ICH_LR0_EL2_W = W("ICH_LR0_EL2");
const A_ICH_LR0_EL2_R = R("ICH_LR0_EL2");
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
  if (lv.ctx === "nested") return; // vgic_v3_flush_nested: ICH_HCR_EL2 only (the LRs were written at load)
  for (let i = usedLrs(m, j); i > 0; i--) m.sr(j, A_ICH_LR0_EL2_W);
}

/** list registers level j's vgic fills for its guest: the held ones (ModelConfig.lrs) and an injected interrupt */
function usedLrs(m: Engine, j: number): number {
  return (m.cfg.lrs ?? 0) + (m.levels[j]!.lrInUse ? 1 : 0);
}

/**
 * In a nested state the hardware runs level j+1's guest with level j+1's list registers (vgic-v3-nested.c
 * vgic_v3_create_shadow_lr: the LRs it had populated, shadow_if->lr_map): level j writes them at load, reads each back
 * at every exit (vgic_v3_sync_nested) and clears them at put.
 */
function shadowLrs(m: Engine, j: number): number {
  return j + 1 < m.depth ? usedLrs(m, j + 1) : 0;
}

/**
 * vgic.c kvm_vgic_sync_hwstate: in a nested state vgic_v3_sync_nested; otherwise __vgic_v3_save_state (the list
 * registers in use read back, then ICH_VMCR_EL2, ICH_HCR_EL2 cleared and the ICH_MISR_EL2 read on every exit).
 */
export function vgicSync(m: Engine, j: number): void {
  const lv = m.levels[j]!;
  if (lv.ctx === "nested") {
    for (let i = shadowLrs(m, j); i > 0; i--) m.sr(j, A_ICH_LR0_EL2_R);
    m.run(j, P_VGIC_SYNC_NESTED);
    return;
  }
  const held = m.cfg.lrs ?? 0;
  if (held > 0 || lv.lrInUse) {
    // __vgic_v3_save_state: ICH_ELRSR_EL2, then per used LR a read if it still holds state (the held ones; the
    // injected interrupt was taken and completed before the exit) and a write clearing it
    m.run(j, P_VGIC_SAVE_LRS);
    for (let i = 0; i < held; i++) {
      m.sr(j, A_ICH_LR0_EL2_R);
      m.sr(j, A_ICH_LR0_EL2_W);
    }
    if (lv.lrInUse) m.sr(j, A_ICH_LR0_EL2_W);
    lv.lrInUse = false;
  }
  m.run(j, P_VGIC_SAVE_STATE);
}

/** vgic-v3.c vgic_v3_put / vgic-v3-nested.c vgic_v3_put_nested. */
export function putVgic(m: Engine, j: number): void {
  if (m.levels[j]!.ctx !== "nested") {
    m.run(j, P_PUT_VGIC);
    return;
  }
  m.run(j, P_PUT_VGIC_NESTED);
  for (let i = shadowLrs(m, j); i > 0; i--) m.sr(j, A_ICH_LR0_EL2_W); // vgic_v3_put_nested: the shadow LRs cleared
}

/** vgic-v3.c vgic_v3_load / vgic-v3-nested.c vgic_v3_load_nested. */
export function loadVgic(m: Engine, j: number): void {
  if (m.levels[j]!.ctx !== "nested") {
    m.run(j, P_LOAD_VGIC);
    return;
  }
  m.run(j, P_LOAD_VGIC_NESTED);
  for (let i = shadowLrs(m, j); i > 0; i--) m.sr(j, A_ICH_LR0_EL2_W); // vgic_v3_load_nested: the shadow LRs written
}

/** An interrupt for level j's guest is injected: a list register holds it until the next sync. */
export function lrInjected(m: Engine, j: number): void {
  m.levels[j]!.lrInUse = true;
}
