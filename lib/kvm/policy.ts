/**
 * FP/SVE save/restore policies a level's KVM can run (docs/model.md "FP save/restore policies"):
 * - baseline: Linux 7.3 with the FP-elision change reverted; nv-fp-elision: the change (early return under
 *   IN_NESTED_*);
 * - unsound variants a reviewer could plausibly propose, which the oracle must catch:
 *   elide-always (skip FP put/load on every put/load), elide-save-only (under IN_NESTED_* skip the save but still
 *   flush and let load mark FREE), no-zcr-reset (elide as the change, and also drop the "ZCR_EL2 back to max" on exit
 *   that lets the host save at the maximum VL).
 */
export const FP_POLICIES = ["baseline", "nv-fp-elision", "elide-always", "elide-save-only", "no-zcr-reset"] as const;
export type FpPolicy = (typeof FP_POLICIES)[number];
