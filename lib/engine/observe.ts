import type { FpObserver } from "./types";

/**
 * FP observer calls as integers, so that a memo record can keep the calls its stepped handling made (a tape) and a
 * replay can feed them to the oracle: kind (3 bits) | level << 3 (4 bits) | a << 7 (2 bits) | b << 9 (1 bit).
 */
export const OBS_SAVE = 0;
export const OBS_RESTORE = 1;
export const OBS_USE = 2;
export const OBS_CPU = 3;
export const WHO_LEAF = 0;
export const WHO_VMM = 1;
export const WHO_NEON = 2;
export const WHO_OTHER = 3;
const WHO: readonly ("leaf" | "vmm" | "neon" | "other")[] = ["leaf", "vmm", "neon", "other"];

export const observationCode = (kind: number, level: number, a: number, b: number): number => kind | (level << 3) | (a << 7) | (b << 9);

export function dispatchObservation(o: FpObserver, code: number): void {
  const level = (code >> 3) & 15;
  const a = (code >> 7) & 3;
  switch (code & 7) {
    case OBS_SAVE:
      o.save(level, a === 1 ? "host" : "vcpu", ((code >> 9) & 1) === 1);
      return;
    case OBS_RESTORE:
      o.restore(level, a === 1 ? "host" : "vcpu");
      return;
    case OBS_USE:
      o.use(level, WHO[a]!);
      return;
    default:
      o.switchCpu(a);
  }
}
