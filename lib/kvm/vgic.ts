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

const A_ICH_ELRSR_EL2_R = R("ICH_ELRSR_EL2");
const A_ICH_HCR_EL2_W = W("ICH_HCR_EL2");
const A_ICH_LR0_EL2_R = R("ICH_LR0_EL2");
const A_ICH_LR0_EL2_W = W("ICH_LR0_EL2");
const P_PUT_VGIC_NESTED = PATHS.putVgicNested;
const P_PUT_VGIC = PATHS.putVgic;
const P_LOAD_VGIC_NESTED = PATHS.loadVgicNested;
const P_LOAD_VGIC = PATHS.loadVgic;

/** vgic.c kvm_vgic_flush_hwstate -> vgic_v3_flush_nested / __vgic_v3_restore_state (only with LRs in use). */
export function vgicFlush(m: Engine, j: number): void {
  const lv = m.levels[j]!;
  if (lv.ctx === "nested") {
    m.sr(j, A_ICH_HCR_EL2_W);
    return;
  }
  if (!lv.lrInUse) return;
  m.sr(j, A_ICH_HCR_EL2_W);
  m.sr(j, A_ICH_LR0_EL2_W);
}

/** vgic.c kvm_vgic_sync_hwstate -> __vgic_v3_save_state (only with LRs in use). */
export function vgicSync(m: Engine, j: number): void {
  const lv = m.levels[j]!;
  if (lv.ctx === "nested" || !lv.lrInUse) return;
  m.sr(j, A_ICH_ELRSR_EL2_R);
  m.sr(j, A_ICH_HCR_EL2_W);
  m.sr(j, A_ICH_LR0_EL2_R);
  m.sr(j, A_ICH_LR0_EL2_W);
  lv.lrInUse = false;
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
