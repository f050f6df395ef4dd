import type { SysRegName } from "./sysregs";

/**
 * System register encodings (op0, op1, CRn, CRm, op2), as the kernel's tracepoints print them
 * (kvm_sys_access, kvm_forward_sysreg_trap: "(%d,%d,%d,%d,%d)") and as the ESR_EL2 syndrome of a trapped MSR/MRS
 * carries them. Taken from Linux 7.3-rc7: `Sysreg NAME op0 op1 CRn CRm op2` lines of arch/arm64/tools/sysreg, or,
 * where that file has none, the `SYS_NAME sys_reg(...)` definitions of arch/arm64/include/asm/sysreg.h (the numbered
 * families through SYS_DBGBCRn_EL1(n), __SYS__AP0Rx_EL2(x), __SYS__AP1Rx_EL2(x), __SYS__LR0_EL2(x): register 0 is
 * given). test/arch/encodings.test.ts checks every entry against the pinned tree.
 *
 * SP_EL0 and DAIF have no entry: they are special-purpose registers that never trap in the model (class `el1`), so no
 * tracepoint can name them.
 */
export interface SysRegEncoding {
  readonly op0: number;
  readonly op1: number;
  readonly crn: number;
  readonly crm: number;
  readonly op2: number;
  /** the architectural name the kernel's sys_reg_descs table gives it (kvm_sys_access's `name`) */
  readonly name: string;
  /** where the encoding is defined in the pinned tree */
  readonly source: "tools/sysreg" | "asm/sysreg.h";
}

const T = "tools/sysreg" as const;
const H = "asm/sysreg.h" as const;
const e = (name: string, op0: number, op1: number, crn: number, crm: number, op2: number, source: SysRegEncoding["source"]): SysRegEncoding => ({
  name,
  op0,
  op1,
  crn,
  crm,
  op2,
  source,
});

export const SYSREG_ENCODINGS: Readonly<Partial<Record<SysRegName, SysRegEncoding>>> = {
  ISR_EL1: e("ISR_EL1", 3, 0, 12, 1, 0, T),
  APKEY_EL1: e("APIAKEYLO_EL1", 3, 0, 2, 1, 0, H),
  VBAR_EL1: e("VBAR_EL1", 3, 0, 12, 0, 0, H),
  ELR_EL1: e("ELR_EL1", 3, 0, 4, 0, 1, H),
  SPSR_EL1: e("SPSR_EL1", 3, 0, 4, 0, 0, H),
  ESR_EL1: e("ESR_EL1", 3, 0, 5, 2, 0, H),
  FAR_EL1: e("FAR_EL1", 3, 0, 6, 0, 0, T),
  DBGBCR_EL1: e("DBGBCR0_EL1", 2, 0, 0, 0, 5, H),
  DBGBVR_EL1: e("DBGBVR0_EL1", 2, 0, 0, 0, 4, H),
  DBGWCR_EL1: e("DBGWCR0_EL1", 2, 0, 0, 0, 7, H),
  DBGWVR_EL1: e("DBGWVR0_EL1", 2, 0, 0, 0, 6, H),
  MDCCINT_EL1: e("MDCCINT_EL1", 2, 0, 0, 2, 0, T),
  ICC_IAR1_EL1: e("ICC_IAR1_EL1", 3, 0, 12, 12, 0, H),
  ICC_EOIR1_EL1: e("ICC_EOIR1_EL1", 3, 0, 12, 12, 1, H),
  CNTVCT_EL0: e("CNTVCT_EL0", 3, 3, 14, 0, 2, H),
  CNTPCT_EL0: e("CNTPCT_EL0", 3, 3, 14, 0, 1, H),
  CNTV_CVAL_EL0: e("CNTV_CVAL_EL0", 3, 3, 14, 3, 2, H),
  CNTV_CTL_EL0: e("CNTV_CTL_EL0", 3, 3, 14, 3, 1, H),
  CNTP_CVAL_EL0: e("CNTP_CVAL_EL0", 3, 3, 14, 2, 2, H),
  CNTP_CTL_EL0: e("CNTP_CTL_EL0", 3, 3, 14, 2, 1, H),
  TPIDR_EL0: e("TPIDR_EL0", 3, 3, 13, 0, 2, H),
  TPIDRRO_EL0: e("TPIDRRO_EL0", 3, 3, 13, 0, 3, H),
  FPCR: e("FPCR", 3, 3, 4, 4, 0, T),
  FPSR: e("FPSR", 3, 3, 4, 4, 1, T),
  ESR_EL2: e("ESR_EL2", 3, 4, 5, 2, 0, H),
  FAR_EL2: e("FAR_EL2", 3, 4, 6, 0, 0, T),
  ELR_EL2: e("ELR_EL2", 3, 4, 4, 0, 1, H),
  SPSR_EL2: e("SPSR_EL2", 3, 4, 4, 0, 0, H),
  TPIDR_EL2: e("TPIDR_EL2", 3, 4, 13, 0, 2, H),
  HCR_EL2: e("HCR_EL2", 3, 4, 1, 1, 0, T),
  HSTR_EL2: e("HSTR_EL2", 3, 4, 1, 1, 3, H),
  HCRX_EL2: e("HCRX_EL2", 3, 4, 1, 2, 2, T),
  VTTBR_EL2: e("VTTBR_EL2", 3, 4, 2, 1, 0, H),
  VTCR_EL2: e("VTCR_EL2", 3, 4, 2, 1, 2, T),
  VMPIDR_EL2: e("VMPIDR_EL2", 3, 4, 0, 0, 5, H),
  VPIDR_EL2: e("VPIDR_EL2", 3, 4, 0, 0, 0, H),
  CNTVOFF_EL2: e("CNTVOFF_EL2", 3, 4, 14, 0, 3, H),
  CNTPOFF_EL2: e("CNTPOFF_EL2", 3, 4, 14, 0, 6, T),
  VNCR_EL2: e("VNCR_EL2", 3, 4, 2, 2, 0, T),
  HFGRTR_EL2: e("HFGRTR_EL2", 3, 4, 1, 1, 4, T),
  HFGWTR_EL2: e("HFGWTR_EL2", 3, 4, 1, 1, 5, T),
  HFGITR_EL2: e("HFGITR_EL2", 3, 4, 1, 1, 6, T),
  HDFGRTR_EL2: e("HDFGRTR_EL2", 3, 4, 3, 1, 4, T),
  HDFGWTR_EL2: e("HDFGWTR_EL2", 3, 4, 3, 1, 5, T),
  SCTLR_EL12: e("SCTLR_EL12", 3, 5, 1, 0, 0, T),
  CPACR_EL12: e("CPACR_EL12", 3, 5, 1, 0, 2, T),
  TTBR0_EL12: e("TTBR0_EL12", 3, 5, 2, 0, 0, H),
  TTBR1_EL12: e("TTBR1_EL12", 3, 5, 2, 0, 1, H),
  TCR_EL12: e("TCR_EL12", 3, 5, 2, 0, 2, T),
  ESR_EL12: e("ESR_EL12", 3, 5, 5, 2, 0, H),
  AFSR0_EL12: e("AFSR0_EL12", 3, 5, 5, 1, 0, H),
  AFSR1_EL12: e("AFSR1_EL12", 3, 5, 5, 1, 1, H),
  FAR_EL12: e("FAR_EL12", 3, 5, 6, 0, 0, T),
  MAIR_EL12: e("MAIR_EL12", 3, 5, 10, 2, 0, H),
  VBAR_EL12: e("VBAR_EL12", 3, 5, 12, 0, 0, H),
  CONTEXTIDR_EL12: e("CONTEXTIDR_EL12", 3, 5, 13, 0, 1, T),
  AMAIR_EL12: e("AMAIR_EL12", 3, 5, 10, 3, 0, H),
  SPSR_EL12: e("SPSR_EL12", 3, 5, 4, 0, 0, H),
  ELR_EL12: e("ELR_EL12", 3, 5, 4, 0, 1, H),
  SP_EL1: e("SP_EL1", 3, 4, 4, 1, 0, H),
  PAR_EL1: e("PAR_EL1", 3, 0, 7, 4, 0, H),
  MDSCR_EL1: e("MDSCR_EL1", 2, 0, 0, 2, 2, T),
  TPIDR_EL1: e("TPIDR_EL1", 3, 0, 13, 0, 4, T),
  ZCR_EL12: e("ZCR_EL12", 3, 5, 1, 2, 0, T),
  CNTV_CTL_EL02: e("CNTV_CTL_EL02", 3, 5, 14, 3, 1, H),
  CNTV_CVAL_EL02: e("CNTV_CVAL_EL02", 3, 5, 14, 3, 2, H),
  CNTP_CTL_EL02: e("CNTP_CTL_EL02", 3, 5, 14, 2, 1, H),
  CNTP_CVAL_EL02: e("CNTP_CVAL_EL02", 3, 5, 14, 2, 2, H),
  ICH_HCR_EL2: e("ICH_HCR_EL2", 3, 4, 12, 11, 0, T),
  ICH_VMCR_EL2: e("ICH_VMCR_EL2", 3, 4, 12, 11, 7, T),
  ICH_AP0R0_EL2: e("ICH_AP0R0_EL2", 3, 4, 12, 8, 0, H),
  ICH_AP1R0_EL2: e("ICH_AP1R0_EL2", 3, 4, 12, 9, 0, H),
  ICH_LR0_EL2: e("ICH_LR0_EL2", 3, 4, 12, 12, 0, H),
  CPACR_EL1: e("CPACR_EL1", 3, 0, 1, 0, 2, T),
  ZCR_EL2: e("ZCR_EL2", 3, 4, 1, 2, 0, T),
  CNTP_CTL_EL0_TRAPPED: e("CNTP_CTL_EL0", 3, 3, 14, 2, 1, H),
  CNTP_CVAL_EL0_TRAPPED: e("CNTP_CVAL_EL0", 3, 3, 14, 2, 2, H),
  CNTPCT_EL0_TRAPPED: e("CNTPCT_EL0", 3, 3, 14, 0, 1, H),
  CNTHCTL_EL2: e("CNTHCTL_EL2", 3, 4, 14, 1, 0, H),
  CNTKCTL_EL12: e("CNTKCTL_EL12", 3, 5, 14, 1, 0, H),
  CNTKCTL_EL1: e("CNTKCTL_EL1", 3, 0, 14, 1, 0, H),
  MDCR_EL2: e("MDCR_EL2", 3, 4, 1, 1, 1, T),
  ID_AA64PFR0_EL1: e("ID_AA64PFR0_EL1", 3, 0, 0, 4, 0, T),
  CPTR_EL2: e("CPTR_EL2", 3, 4, 1, 1, 2, H),
  HPFAR_EL2: e("HPFAR_EL2", 3, 4, 6, 0, 4, T),
  ICH_MISR_EL2: e("ICH_MISR_EL2", 3, 4, 12, 11, 2, T),
  ICH_ELRSR_EL2: e("ICH_ELRSR_EL2", 3, 4, 12, 11, 5, H),
  PMSELR_EL0: e("PMSELR_EL0", 3, 3, 9, 12, 5, T),
  PMUSERENR_EL0_TRAPPED: e("PMUSERENR_EL0", 3, 3, 9, 14, 0, H),
  ICC_SGI1R_EL1: e("ICC_SGI1R_EL1", 3, 0, 12, 11, 5, H),
};

/** The encoding of a register the model can trap on; an internal error for the two that never trap. */
export function sysregEncoding(reg: SysRegName): SysRegEncoding {
  const enc = SYSREG_ENCODINGS[reg];
  if (enc === undefined) throw new Error(`no encoding for ${reg}: it never traps`);
  return enc;
}

/** `op0,op1,crn,crm,op2` as the tracepoints print it, without the parentheses */
export function encodingTuple(enc: SysRegEncoding): string {
  return `${enc.op0},${enc.op1},${enc.crn},${enc.crm},${enc.op2}`;
}

/** Encoding -> architectural name, for reading traces (several model names share one encoding: the first is kept). */
export const SYSREG_BY_ENCODING: ReadonlyMap<string, string> = new Map(
  Object.values(SYSREG_ENCODINGS).map((enc): [string, string] => [encodingTuple(enc), enc.name]),
);

/**
 * The ESR_EL2 of a trapped MSR/MRS (EC 0x18, SYS64), as the hardware reports it: EC in bits [31:26], IL (bit 25, a
 * 32-bit instruction), and the ISS fields of arch/arm64/include/asm/esr.h: Op0 [21:20], Op2 [19:17], Op1 [16:14],
 * CRn [13:10], Rt [9:5], CRm [4:1], direction [0] (1: read, ESR_ELx_SYS64_ISS_DIR_READ).
 */
export function sys64Esr(enc: SysRegEncoding, write: boolean, rt = 0): number {
  const iss = (enc.op0 << 20) | (enc.op2 << 17) | (enc.op1 << 14) | (enc.crn << 10) | (rt << 5) | (enc.crm << 1) | (write ? 0 : 1);
  return ((0x18 << 26) | (1 << 25) | iss) >>> 0;
}
