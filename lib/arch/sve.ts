/**
 * SVE / FPSIMD state sizes (arch/arm64/include/uapi/asm/sigcontext.h, SVE_SIG_REGS_SIZE).
 * Z0-Z31: 32 x 16*VQ bytes, P0-P15: 16 x 2*VQ, FFR: 2*VQ, so 546 * VQ bytes with VQ = VL / 128.
 */
export const SVE_VECTOR_LENGTHS = [0, 128, 256, 512, 1024, 2048] as const;
export type SveVectorLength = (typeof SVE_VECTOR_LENGTHS)[number];

/** Bytes of the V0-V31 register file (32 x 128 bits); FPSR/FPCR are system registers and counted as accesses. */
export const FPSIMD_STATE_BYTES = 512;

export function sveStateBytes(vlBits: number): number {
  return 546 * (vlBits / 128);
}

/** Bytes moved by one save or one restore of a vcpu's FP state at the given maximum VL (0: no FEAT_SVE). */
export function fpStateBytes(vlBits: number): number {
  return vlBits === 0 ? FPSIMD_STATE_BYTES : sveStateBytes(vlBits);
}

export function isSveVectorLength(v: number): v is SveVectorLength {
  return (SVE_VECTOR_LENGTHS as readonly number[]).includes(v);
}
