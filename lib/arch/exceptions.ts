/**
 * Exception classes (ESR_ELx.EC) that the model raises, as data.
 * Names follow arch/arm64/include/asm/esr.h (ESR_ELx_EC_*); codes are the architectural EC values.
 */
export const EXCEPTION_CLASSES = {
  WFx: { ec: 0x01, description: "WFI/WFE trapped by HCR_EL2.TWI/TWE" },
  FP_ASIMD: { ec: 0x07, description: "FP/SIMD access trapped by CPTR_EL2 (FPEN/TFP)" },
  HVC64: { ec: 0x16, description: "HVC instruction" },
  SYS64: { ec: 0x18, description: "MSR/MRS/SYS trapped (sysregs, TLBI, AT)" },
  SVE: { ec: 0x19, description: "SVE access trapped by CPTR_EL2 (ZEN/TZ)" },
  ERET: { ec: 0x1a, description: "ERET/ERETAA/ERETAB trapped by HCR_EL2.NV" },
  DABT_LOW: { ec: 0x24, description: "data abort from a lower EL (stage-2 fault, MMIO)" },
  IRQ: { ec: -1, description: "physical interrupt taken to EL2 (HCR_EL2.IMO); not an ESR class" },
} as const;

export type ExceptionClass = keyof typeof EXCEPTION_CLASSES;

export const EXCEPTION_CLASS_NAMES = Object.keys(EXCEPTION_CLASSES) as ExceptionClass[];
