import { describe, expect, it } from "vitest";
import { sys64Esr, sysregEncoding } from "../../lib/arch/encodings";
import {
  fmtKvmEntry,
  fmtKvmExit,
  fmtKvmForwardSysregTrap,
  fmtKvmGuestFault,
  fmtKvmHandleSysReg,
  fmtKvmHvcArm64,
  fmtKvmInjectNestedException,
  fmtKvmMmio,
  fmtKvmNestedEret,
  fmtKvmSysAccess,
  fmtKvmUserspaceExit,
  fmtKvmWfxArm64,
  syntheticHcr,
  traceCmdLine,
} from "../../lib/trace/kernel";

/**
 * Golden lines, each derived by hand from the TP_printk of Linux 7.3-rc7 quoted above it (printf semantics: %#08lx
 * counts "0x" in its width and prints 0 without it; __print_symbolic prints 0x%lx for a value its table lacks).
 */
const PC = 0xffff800080a10000n;
const HCR = 0x8807d663fn;

describe("kernel-exact tracepoint text (TP_printk of trace_arm.h, trace_handle_exit.h, events/kvm.h)", () => {
  it('kvm_entry: "PC: 0x%016lx"', () => {
    expect(fmtKvmEntry(PC)).toBe("PC: 0xffff800080a10000");
    expect(fmtKvmEntry(0x1234n)).toBe("PC: 0x0000000000001234");
  });

  it('kvm_exit: "%s: HSR_EC: 0x%04x (%s), PC: 0x%016lx", esr_ec only for a TRAP', () => {
    expect(fmtKvmExit(2, 0x16, PC)).toBe("TRAP: HSR_EC: 0x0016 (HVC64), PC: 0xffff800080a10000");
    expect(fmtKvmExit(2, 0x24, PC)).toBe("TRAP: HSR_EC: 0x0024 (DABT_LOW), PC: 0xffff800080a10000");
    expect(fmtKvmExit(2, 0x1a, PC)).toBe("TRAP: HSR_EC: 0x001a (ERET), PC: 0xffff800080a10000");
    // TP_fast_assign: esr_ec = ARM_EXCEPTION_IS_TRAP(ret) ? esr_ec : 0
    expect(fmtKvmExit(0, 0x16, PC)).toBe("IRQ: HSR_EC: 0x0000 (UNKNOWN), PC: 0xffff800080a10000");
    // ARM_EXCEPTION_IL (3) is not in kvm_arm_exception_type
    expect(fmtKvmExit(3, 0x18, PC)).toBe("0x3: HSR_EC: 0x0000 (UNKNOWN), PC: 0xffff800080a10000");
  });

  it('kvm_userspace_exit: "reason %s (%d)"', () => {
    expect(fmtKvmUserspaceExit(6)).toBe("reason KVM_EXIT_MMIO (6)");
    expect(fmtKvmUserspaceExit(6, -4)).toBe("reason restart (4)");
    expect(fmtKvmUserspaceExit(6, -14)).toBe("reason error (14)");
  });

  it('kvm_nested_eret: "elr_el2: 0x%lx spsr_el2: 0x%08lx (M: %s) hcr_el2: %lx"', () => {
    expect(fmtKvmNestedEret(0xffff800080a10004n, 0x3c5, HCR)).toBe("elr_el2: 0xffff800080a10004 spsr_el2: 0x000003c5 (M: EL1h) hcr_el2: 8807d663f");
    expect(fmtKvmNestedEret(0x400000n, 0x0, HCR)).toBe("elr_el2: 0x400000 spsr_el2: 0x00000000 (M: EL0t) hcr_el2: 8807d663f");
  });

  it('kvm_inject_nested_exception: "%s: esr_el2 0x%lx elr_el2: 0x%lx spsr_el2: 0x%08lx (M: %s) hcr_el2: %lx"', () => {
    expect(fmtKvmInjectNestedException(0, 0x5a000000, PC, 0x3c5, HCR)).toBe(
      "SYNC: esr_el2 0x5a000000 elr_el2: 0xffff800080a10000 spsr_el2: 0x000003c5 (M: EL1h) hcr_el2: 8807d663f",
    );
    expect(fmtKvmInjectNestedException(0x80, 0, PC, 0x3c9, HCR)).toBe("IRQ: esr_el2 0x0 elr_el2: 0xffff800080a10000 spsr_el2: 0x000003c9 (M: EL2h) hcr_el2: 8807d663f");
  });

  it('kvm_forward_sysreg_trap: "%llx %c (%d,%d,%d,%d,%d)"; kvm_sys_access: "PC: %lx %s (%d,%d,%d,%d,%d) %s"', () => {
    expect(fmtKvmForwardSysregTrap(PC, sysregEncoding("ICC_SGI1R_EL1"), false)).toBe("ffff800080a10000 W (3,0,12,11,5)");
    expect(fmtKvmSysAccess(0xffff800080b20000n, sysregEncoding("MDSCR_EL1"), false)).toBe("PC: ffff800080b20000 MDSCR_EL1 (2,0,0,2,2) read");
    expect(fmtKvmSysAccess(0xffff800080b20000n, sysregEncoding("CNTP_CTL_EL0_TRAPPED"), true)).toBe("PC: ffff800080b20000 CNTP_CTL_EL0 (3,3,14,2,1) write");
  });

  it('kvm_handle_sys_reg: "HSR 0x%08lx" with the SYS64 syndrome (esr.h ESR_ELx_SYS64_ISS_*)', () => {
    // MDSCR_EL1 read: EC 0x18 << 26 | IL | Op0 2 << 20 | Op2 2 << 17 | CRm 2 << 1 | read
    expect(sys64Esr(sysregEncoding("MDSCR_EL1"), false)).toBe(0x62240005);
    expect(fmtKvmHandleSysReg(0x62240005)).toBe("HSR 0x62240005");
    // ICC_SGI1R_EL1 write: Op0 3, Op2 5, Op1 0, CRn 12, CRm 11
    expect(sys64Esr(sysregEncoding("ICC_SGI1R_EL1"), true)).toBe((0x18 << 26) + (1 << 25) + (3 << 20) + (5 << 17) + (12 << 10) + (11 << 1));
  });

  it("kvm_hvc_arm64, kvm_wfx_arm64, kvm_mmio, kvm_guest_fault", () => {
    expect(fmtKvmHvcArm64(PC, 0x84000000n, 0)).toBe("HVC at 0xffff800080a10000 (r0: 0x0000000084000000, imm: 0x0)");
    expect(fmtKvmWfxArm64(PC, false)).toBe("guest executed wfi at: 0xffff800080a10000");
    expect(fmtKvmWfxArm64(PC, true)).toBe("guest executed wfe at: 0xffff800080a10000");
    expect(fmtKvmMmio(0, 4, 0xa000000n, 0n)).toBe("mmio unsatisfied-read len 4 gpa 0xa000000 val 0x0");
    expect(fmtKvmMmio(1, 4, 0x8000008n, 0x43bn)).toBe("mmio read len 4 gpa 0x8000008 val 0x43b");
    // "ipa %#llx, hsr %#08lx, hxfar %#08lx, pc %#016lx"
    expect(fmtKvmGuestFault(PC, 0x93800007, 0x8, 0x8000008n)).toBe("ipa 0x8000008, hsr 0x93800007, hxfar 0x000008, pc 0xffff800080a10000");
    expect(fmtKvmGuestFault(PC, 0x93800007, 0, 0x8000000n)).toBe("ipa 0x8000000, hsr 0x93800007, hxfar 00000000, pc 0xffff800080a10000");
  });

  it("trace-cmd report -t's line: %16s-%-5d [%03d] %5llu.%09llu: name: padded to 20", () => {
    expect(traceCmdLine("CPU 0/KVM", 4242, 0, 100_000_069_071, "kvm_exit", "X")).toBe("       CPU 0/KVM-4242  [000]   100.000069071: kvm_exit:             X");
    expect(traceCmdLine("qemu-system-aarch64", 7, 12, 2069_000_000_001, "kvm_inject_nested_exception", "Y")).toBe(
      "qemu-system-aarch64-7     [012]  2069.000000001: kvm_inject_nested_exception: Y",
    );
  });

  it("the synthetic hcr_el2 is HCR_GUEST_FLAGS (kvm_arm.h), plus NV/NV2 for a guest hypervisor's guest", () => {
    expect(syntheticHcr(2, true)).toBe(HCR);
    expect(syntheticHcr(3, true)).toBe(HCR | (1n << 42n) | (1n << 45n));
    expect(syntheticHcr(3, false)).toBe(HCR | (1n << 42n));
  });
});
