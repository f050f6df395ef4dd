import { EXCEPTION_CLASSES, type ExceptionClass } from "../arch/exceptions";
import { encodingTuple, type SysRegEncoding, sys64Esr, sysregEncoding } from "../arch/encodings";
import type { SysRegName } from "../arch/sysregs";
import type { VcpuContext } from "../engine/types";
import { fieldArgs } from "./export";
import { TRACEPOINT_NAMES, type TracepointName, type TraceRecord } from "./tracepoints";

/**
 * L0's own tracing, kernel-exact: what `trace-cmd record -e kvm` on the host (L0) would record while the modelled
 * nested guest runs, printed as `trace-cmd report -t` prints it (docs/traces.md "Kernel-exact text").
 *
 * Every format string below is the TP_printk of the tracepoint in Linux 7.3-rc7 (file and tracepoint cited at each
 * formatter); symbol tables are the kernel's (__print_symbolic tables cited). Only L0's events are kernel events: a
 * guest hypervisor's own exits are in its own kernel's trace, and L0's hyp fast paths never reach the run loop's
 * trace_kvm_exit (arch/arm64/kvm/arm.c kvm_arch_vcpu_ioctl_run). Everything else the model knows (every level's
 * records, fast-path exits, nestlab's own tracepoints) is printed under the event name `nestlab:<tracepoint>`, with
 * nestlab's `level=.. field=..` fields, so that no line can be mistaken for a kernel event.
 *
 * Fields the model has no value for carry documented synthetic values (SYNTHETIC below).
 */

// ---------------------------------------------------------------------------------------------------------------------
// Symbol tables (__print_symbolic)

/** kvm_arm_exception_type, arch/arm64/include/asm/kvm_asm.h (ARM_EXCEPTION_* codes) */
export const KVM_ARM_EXCEPTION_TYPE: ReadonlyMap<number, string> = new Map([
  [0, "IRQ"],
  [1, "SERROR"],
  [2, "TRAP"],
  [0xbadca11, "HYP_GONE"],
]);
export const ARM_EXCEPTION_IRQ = 0;
export const ARM_EXCEPTION_TRAP = 2;

/**
 * kvm_arm_exception_class, arch/arm64/include/asm/kvm_arm.h (ECN(x): { ESR_ELx_EC_x, "x" }), with the EC values of
 * arch/arm64/include/asm/esr.h.
 */
export const KVM_ARM_EXCEPTION_CLASS: ReadonlyMap<number, string> = new Map([
  [0x00, "UNKNOWN"], [0x01, "WFx"], [0x03, "CP15_32"], [0x04, "CP15_64"], [0x05, "CP14_MR"], [0x06, "CP14_LS"],
  [0x07, "FP_ASIMD"], [0x08, "CP10_ID"], [0x09, "PAC"], [0x0c, "CP14_64"], [0x15, "SVC64"], [0x16, "HVC64"],
  [0x17, "SMC64"], [0x18, "SYS64"], [0x19, "SVE"], [0x1f, "IMP_DEF"], [0x20, "IABT_LOW"], [0x21, "IABT_CUR"],
  [0x22, "PC_ALIGN"], [0x24, "DABT_LOW"], [0x25, "DABT_CUR"], [0x26, "SP_ALIGN"], [0x28, "FP_EXC32"],
  [0x2c, "FP_EXC64"], [0x2f, "SERROR"], [0x30, "BREAKPT_LOW"], [0x31, "BREAKPT_CUR"], [0x32, "SOFTSTP_LOW"],
  [0x33, "SOFTSTP_CUR"], [0x34, "WATCHPT_LOW"], [0x35, "WATCHPT_CUR"], [0x38, "BKPT32"], [0x3a, "VECTOR32"],
  [0x3c, "BRK64"], [0x1a, "ERET"],
]);

/** kvm_mode_names, arch/arm64/include/asm/kvm_arm.h (PSR_MODE_* of arch/arm64/include/uapi/asm/ptrace.h) */
export const KVM_MODE_NAMES: ReadonlyMap<number, string> = new Map([
  [0x0, "EL0t"], [0x4, "EL1t"], [0x5, "EL1h"], [0x8, "EL2t"], [0x9, "EL2h"], [0xc, "EL3t"], [0xd, "EL3h"],
  [0x10, "32-bit USR"], [0x11, "32-bit FIQ"], [0x12, "32-bit IRQ"], [0x13, "32-bit SVC"], [0x17, "32-bit ABT"],
  [0x1a, "32-bit HYP"], [0x1b, "32-bit UND"], [0x1f, "32-bit SYS"],
]);
/** PSR_MODE_MASK | PSR_MODE32_BIT (trace_arm.h: target_mode, source_mode) */
export const PSR_MODE_BITS = 0x1f;

/** kvm_exception_type_names, arch/arm64/include/asm/kvm_emulate.h (enum exception_type) */
export const KVM_EXCEPTION_TYPE_NAMES: ReadonlyMap<number, string> = new Map([
  [0x0, "SYNC"],
  [0x80, "IRQ"],
  [0x100, "FIQ"],
  [0x180, "SERROR"],
]);

/**
 * kvm_trace_exit_reason, include/trace/events/kvm.h (ERSN(x): { KVM_EXIT_x, "KVM_EXIT_x" }); the values are the
 * KVM_EXIT_* numbers of include/uapi/linux/kvm.h (a stable UAPI, not in the pinned subset).
 */
export const KVM_TRACE_EXIT_REASON: ReadonlyMap<number, string> = new Map(
  [
    "UNKNOWN", "EXCEPTION", "IO", "HYPERCALL", "DEBUG", "HLT", "MMIO", "IRQ_WINDOW_OPEN", "SHUTDOWN", "FAIL_ENTRY",
    "INTR", "SET_TPR", "TPR_ACCESS", "S390_SIEIC", "S390_RESET", "DCR", "NMI", "INTERNAL_ERROR", "OSI", "PAPR_HCALL",
    "S390_UCONTROL", "WATCHDOG", "S390_TSCH", "EPR", "SYSTEM_EVENT", "S390_STSI", "IOAPIC_EOI", "HYPERV", "ARM_NISV",
    "X86_RDMSR", "X86_WRMSR",
  ].map((n, i): [number, string] => [i, "KVM_EXIT_" + n]),
);
export const KVM_EXIT_MMIO = 6;

/** kvm_trace_symbol_mmio, include/trace/events/kvm.h */
export const KVM_TRACE_MMIO: ReadonlyMap<number, string> = new Map([
  [0, "unsatisfied-read"],
  [1, "read"],
  [2, "write"],
]);

/** __print_symbolic: the table's string, or the value as 0x%lx when it has none (kernel/trace/trace_output.c) */
export function printSymbolic(table: ReadonlyMap<number, string>, v: number): string {
  return table.get(v) ?? "0x" + v.toString(16);
}

// ---------------------------------------------------------------------------------------------------------------------
// printf helpers for 64-bit values (BigInt: kernel addresses exceed 2^53)

type U64 = bigint | number;
const hex = (v: U64): string => BigInt(v).toString(16);
/** %0Nlx */
const hexPad = (v: U64, n: number): string => hex(v).padStart(n, "0");
/** %#lx / %#llx: "0x" prefix, except that 0 prints as "0" */
const hexAlt = (v: U64): string => (BigInt(v) === 0n ? "0" : "0x" + hex(v));
/** %#0Nlx: the width N includes the "0x" prefix (0 prints as N zeros) */
const hexAltPad = (v: U64, n: number): string => (BigInt(v) === 0n ? "0".repeat(n) : "0x" + hex(v).padStart(n - 2, "0"));

// ---------------------------------------------------------------------------------------------------------------------
// The TP_printk formats, one function per tracepoint

/** arch/arm64/kvm/trace_arm.h kvm_entry: "PC: 0x%016lx" */
export const fmtKvmEntry = (pc: U64): string => `PC: 0x${hexPad(pc, 16)}`;

/**
 * arch/arm64/kvm/trace_arm.h kvm_exit: "%s: HSR_EC: 0x%04x (%s), PC: 0x%016lx", ret through kvm_arm_exception_type,
 * esr_ec through kvm_arm_exception_class; esr_ec is 0 unless ret is a TRAP (TP_fast_assign).
 */
export function fmtKvmExit(ret: number, esrEc: number, pc: U64): string {
  const ec = ret === ARM_EXCEPTION_TRAP ? esrEc : 0;
  return `${printSymbolic(KVM_ARM_EXCEPTION_TYPE, ret)}: HSR_EC: 0x${hexPad(ec, 4)} (${printSymbolic(KVM_ARM_EXCEPTION_CLASS, ec)}), PC: 0x${hexPad(pc, 16)}`;
}

/**
 * include/trace/events/kvm.h kvm_userspace_exit: "reason %s (%d)": "restart" (errno -EINTR) or "error" (other
 * negative errno) or the exit reason's name, then the errno's magnitude or the reason's number.
 */
export function fmtKvmUserspaceExit(reason: number, errno = 0): string {
  const what = errno < 0 ? (errno === -4 ? "restart" : "error") : printSymbolic(KVM_TRACE_EXIT_REASON, reason);
  return `reason ${what} (${errno < 0 ? -errno : reason})`;
}

/** arch/arm64/kvm/trace_arm.h kvm_nested_eret: "elr_el2: 0x%lx spsr_el2: 0x%08lx (M: %s) hcr_el2: %lx" */
export function fmtKvmNestedEret(elr: U64, spsr: number, hcr: U64): string {
  return `elr_el2: 0x${hex(elr)} spsr_el2: 0x${hexPad(spsr, 8)} (M: ${printSymbolic(KVM_MODE_NAMES, spsr & PSR_MODE_BITS)}) hcr_el2: ${hex(hcr)}`;
}

/**
 * arch/arm64/kvm/trace_arm.h kvm_inject_nested_exception:
 * "%s: esr_el2 0x%lx elr_el2: 0x%lx spsr_el2: 0x%08lx (M: %s) hcr_el2: %lx", type through kvm_exception_type_names,
 * elr_el2 the vcpu's PC, spsr_el2 its PSTATE and M the mode it was in (the source of the exception).
 */
export function fmtKvmInjectNestedException(type: number, esr: U64, pc: U64, spsr: number, hcr: U64): string {
  return (
    `${printSymbolic(KVM_EXCEPTION_TYPE_NAMES, type)}: esr_el2 0x${hex(esr)} elr_el2: 0x${hex(pc)} spsr_el2: 0x${hexPad(spsr, 8)} ` +
    `(M: ${printSymbolic(KVM_MODE_NAMES, spsr & PSR_MODE_BITS)}) hcr_el2: ${hex(hcr)}`
  );
}

/** arch/arm64/kvm/trace_arm.h kvm_forward_sysreg_trap: "%llx %c (%d,%d,%d,%d,%d)" (PC, R or W, the encoding) */
export function fmtKvmForwardSysregTrap(pc: U64, enc: SysRegEncoding, isRead: boolean): string {
  return `${hex(pc)} ${isRead ? "R" : "W"} (${encodingTuple(enc)})`;
}

/** arch/arm64/kvm/trace_handle_exit.h kvm_sys_access: "PC: %lx %s (%d,%d,%d,%d,%d) %s" (name ?: "UNKN", str_write_read) */
export function fmtKvmSysAccess(pc: U64, enc: SysRegEncoding, write: boolean): string {
  return `PC: ${hex(pc)} ${enc.name || "UNKN"} (${encodingTuple(enc)}) ${write ? "write" : "read"}`;
}

/** arch/arm64/kvm/trace_handle_exit.h kvm_handle_sys_reg: "HSR 0x%08lx" */
export const fmtKvmHandleSysReg = (hsr: U64): string => `HSR 0x${hexPad(hsr, 8)}`;

/** arch/arm64/kvm/trace_handle_exit.h kvm_hvc_arm64: "HVC at 0x%016lx (r0: 0x%016lx, imm: 0x%lx)" */
export const fmtKvmHvcArm64 = (pc: U64, r0: U64, imm: U64): string => `HVC at 0x${hexPad(pc, 16)} (r0: 0x${hexPad(r0, 16)}, imm: 0x${hex(imm)})`;

/** arch/arm64/kvm/trace_handle_exit.h kvm_wfx_arm64: "guest executed wf%c at: 0x%016lx" */
export const fmtKvmWfxArm64 = (pc: U64, isWfe: boolean): string => `guest executed wf${isWfe ? "e" : "i"} at: 0x${hexPad(pc, 16)}`;

/** include/trace/events/kvm.h kvm_mmio: "mmio %s len %u gpa 0x%llx val 0x%llx" */
export const fmtKvmMmio = (type: number, len: number, gpa: U64, val: U64): string =>
  `mmio ${printSymbolic(KVM_TRACE_MMIO, type)} len ${len} gpa 0x${hex(gpa)} val 0x${hex(val)}`;

/** arch/arm64/kvm/trace_arm.h kvm_guest_fault: "ipa %#llx, hsr %#08lx, hxfar %#08lx, pc %#016lx" */
export const fmtKvmGuestFault = (pc: U64, hsr: U64, hxfar: U64, ipa: U64): string =>
  `ipa ${hexAlt(ipa)}, hsr ${hexAltPad(hsr, 8)}, hxfar ${hexAltPad(hxfar, 8)}, pc ${hexAltPad(pc, 16)}`;

// ---------------------------------------------------------------------------------------------------------------------
// The trace-cmd report line

/**
 * One line as `trace-cmd report -t` prints it (trace-cmd's print_event: "%16s-%-5d [%03d]", the time " %5llu.%09llu:"
 * (libtraceevent's print_event_time with nanosecond output), then " %s: " and the event name padded to 20 columns,
 * then the TP_printk text). `ns` is the trace clock in nanoseconds.
 */
export function traceCmdLine(comm: string, pid: number, cpu: number, ns: number, name: string, info: string): string {
  const secs = Math.floor(ns / 1e9);
  const frac = String(ns - secs * 1e9).padStart(9, "0");
  const pad = name.length < 20 ? " ".repeat(20 - name.length) : "";
  return `${comm.padStart(16)}-${String(pid).padEnd(5)} [${String(cpu).padStart(3, "0")}] ${String(secs).padStart(5)}.${frac}: ${name}: ${pad}${info}`;
}

/** `trace-cmd report`'s first line for a one-CPU recording */
export const TRACE_CMD_HEADER = "cpus=1\n";

// ---------------------------------------------------------------------------------------------------------------------
// Synthetic values

/**
 * Values the model has no counterpart for, fixed and documented (docs/traces.md "Synthetic fields"): the vcpu thread
 * L0 traces, the addresses a guest runs at, the registers the guest hypervisor programmed. None of them carries
 * information: `nestlab import` never reads PCs, ELRs, SPSRs or HCRs except the mode of a nested exception's source.
 */
export const SYNTHETIC = {
  /** QEMU names its vcpu threads "CPU <n>/KVM"; pid 4242 and CPU 0 are arbitrary */
  comm: "CPU 0/KVM",
  pid: 4242,
  cpu: 0,
  /** the trace clock at the run's first cycle: a machine's trace clock counts from boot */
  baseNs: 100e9,
  /** the PC of L0's vcpu (L1) while its guest runs (a kernel text address of the guest) */
  pcNested: 0xffff800080a10000n,
  /** the PC of L0's vcpu while L1 runs its own vEL2 code (L1's kernel text) */
  pcHyp: 0xffff800080b20000n,
  /** PSTATE of the guest at a nested exception from its kernel: EL1h with D, A, I, F masked */
  spsrEl1h: 0x3c5,
  /** PSTATE at a direct inject (from vEL2): EL2h, masked */
  spsrEl2h: 0x3c9,
  /** hvc: x0 = 0 (a null call), imm 0 */
  hvcR0: 0n,
  /** mmio-kernel: a 32-bit read of the vgic distributor's GICD_IIDR (QEMU virt: distributor at 0x08000000), KVM's IIDR */
  gpaKernel: 0x08000008n,
  valKernel: 0x0000043bn,
  /** mmio-user: a 32-bit read of a virtio-mmio device's magic (QEMU virt: virtio-mmio at 0x0a000000), "virt" */
  gpaUser: 0x0a000000n,
  valUser: 0x74726976n,
  /** a stage-2 fault on guest RAM (QEMU virt: RAM at 0x40000000) */
  ipaRam: 0x40200000n,
  /** ESR_EL2 of an MMIO access: DABT_LOW, IL, ISV, SAS=word, DFSC translation fault level 3 */
  esrMmio: 0x93800007,
  /** ESR_EL2 of a stage-2 fault on RAM: DABT_LOW, IL, no ISV, DFSC translation fault level 3 */
  esrS2: 0x92000007,
} as const;

/** hcr_el2 bits of arch/arm64/tools/sysreg (HCR_EL2 fields) that HCR_GUEST_FLAGS names, and NV/NV2 */
const HCR_BITS = { VM: 0, SWIO: 1, PTW: 2, FMO: 3, IMO: 4, AMO: 5, FB: 9, BSU_IS: 10, TWI: 13, TWE: 14, TID1: 16, TID3: 18, TSC: 19, TIDCP: 20, TACR: 21, TSW: 22, RW: 31, TLOR: 35, NV: 42, NV2: 45 } as const;

/**
 * The vcpu's (virtual) HCR_EL2 as the guest hypervisor L1 programmed it for its own guest: HCR_GUEST_FLAGS
 * (arch/arm64/include/asm/kvm_arm.h, set by vcpu_reset_hcr), plus NV (and NV2) when that guest is itself a guest
 * hypervisor (depth >= 3).
 */
export function syntheticHcr(depth: number, nv2: boolean): bigint {
  const names: (keyof typeof HCR_BITS)[] = ["TSC", "TSW", "TWE", "TWI", "VM", "BSU_IS", "FB", "TACR", "AMO", "SWIO", "TIDCP", "RW", "TLOR", "FMO", "IMO", "PTW", "TID3", "TID1"];
  if (depth >= 3) names.push("NV", ...(nv2 ? (["NV2"] as const) : []));
  return names.reduce((v, n) => v | (1n << BigInt(HCR_BITS[n])), 0n);
}

/** ESR_EL2 of an exception of class ec as the hardware syndrome reports it (IL set; ISS of the model's one kind) */
export function syntheticEsr(ec: ExceptionClass, reason: string, reg: SysRegName | undefined, write: boolean): number {
  if (ec === "IRQ") return 0;
  if (ec === "SYS64" && reg !== undefined) return sys64Esr(sysregEncoding(reg), write);
  if (ec === "DABT_LOW") return reason.startsWith("mmio") ? SYNTHETIC.esrMmio : SYNTHETIC.esrS2;
  return ((EXCEPTION_CLASSES[ec].ec << 26) | (1 << 25)) >>> 0;
}

// ---------------------------------------------------------------------------------------------------------------------
// Model records -> L0's kernel events

export interface KernelTextOptions {
  readonly clockGhz: number;
  readonly depth: number;
  readonly nv2: boolean;
  /** print the model's other records (nestlab:<name> lines); default true */
  readonly nestlab?: boolean;
  /** print L0's kernel events; default true */
  readonly kernel?: boolean;
}

/**
 * Turns the model's records into L0's kernel events, in order (a streaming, bounded-memory state machine). It needs
 * the records of kvm_entry, kvm_exit, exit_handler, direct_inject, kvm_userspace_exit, kvm_inject_nested_exception,
 * kvm_nested_eret and sysreg_trap (the register of a trapped access); `print` says which records were selected for
 * output as nestlab lines (the others are only read).
 *
 * Each kernel event is printed at the model's time of the kernel's call (docs/traces.md "Where each event is"):
 * kvm_exit and kvm_entry where arch/arm64/kvm/arm.c kvm_arch_vcpu_ioctl_run calls trace_kvm_exit (after the exit
 * half, the syncs and an interrupt's host handler) and trace_kvm_entry (before the entry half); the model emits its
 * kvm_exit and kvm_entry records there (lib/trace/emit.ts). A fast exit (kvm_exit how=fast: L0's hyp fast path)
 * never reaches the run loop and has no event.
 *
 * What the handler traces is printed at the exit_handler record (handle_exit.c handle_trap_exceptions calls the
 * handler), in the kernel's order: HVC64 kvm_hvc_arm64 (handle_exit.c handle_hvc, also before forwarding); SYS64
 * kvm_handle_sys_reg (sys_regs.c kvm_handle_sys_reg), then kvm_forward_sysreg_trap (emulate-nested.c
 * triage_sysreg_trap) when forwarded or kvm_sys_access (sys_regs.c perform_access) when L0 emulates it; WFx
 * kvm_wfx_arm64 when L0 handles it (a WFI the guest hypervisor traps is injected first, handle_exit.c
 * kvm_handle_wfx); DABT_LOW kvm_guest_fault (mmu.c kvm_handle_guest_abort, also before the nested stage-2 walk that
 * forwards it), and for an MMIO access L0 emulates kvm_mmio unsatisfied-read then read (mmio.c io_mem_abort and
 * kvm_handle_mmio_return; for a VMM access the read comes with the next KVM_RUN, printed at its kvm_entry).
 * kvm_inject_nested_exception and kvm_nested_eret are printed at the model's records (after vcpu_put, as
 * emulate-nested.c traces them). A forward into a guest hypervisor already in its vEL2 is a direct inject
 * (emulate-nested.c kvm_inject_nested -> kvm_inject_el2_exception): the kernel traces it like a nested exception, with
 * M: EL2h; it is printed at the model's direct_inject record.
 */
export class KernelTraceWriter {
  private readonly lastSysreg: ({ reg: SysRegName; write: boolean } | undefined)[] = [];
  /** L0's vcpu context (as last entered), and how L0's current exit is handled */
  private ctx: VcpuContext | "unknown" = "unknown";
  private how: "fast" | "full" | "forward" | undefined;
  private mmioReadPending = false;
  /** L0's current full exit, traced at kvm_exit, whose handler's events are printed at exit_handler */
  private exit: { ec: ExceptionClass; reason: string; forwarded: boolean; sr: { reg: SysRegName; write: boolean } | undefined; esr: number; pc: bigint } | undefined;
  /** L0's current exit was printed (its handler's events and a direct inject go with it) */
  private exitPrinted = false;
  /** the syndrome of L0's current exit (injected as is into the guest hypervisor) */
  private pendingEsr: number | undefined;
  private readonly hcr: bigint;
  lines = 0;

  constructor(
    private readonly write: (line: string) => void,
    private readonly opts: KernelTextOptions,
  ) {
    this.hcr = syntheticHcr(opts.depth, opts.nv2);
  }

  private ns(cycles: number): number {
    return SYNTHETIC.baseNs + Math.round(cycles / this.opts.clockGhz);
  }

  private pc(): bigint {
    return this.ctx === "hyp" ? SYNTHETIC.pcHyp : SYNTHETIC.pcNested;
  }

  private kernelLine(ts: number, name: string, info: string): void {
    if (this.opts.kernel === false) return;
    this.write(traceCmdLine(SYNTHETIC.comm, SYNTHETIC.pid, SYNTHETIC.cpu, this.ns(ts), name, info) + "\n");
    this.lines++;
  }

  private nestlabLine(rec: TraceRecord): void {
    if (this.opts.nestlab === false) return;
    const args = fieldArgs(rec);
    let info = `level=${rec.level}`;
    for (const k in args) {
      const v = args[k]!;
      info += ` ${k}=${typeof v === "boolean" ? (v ? 1 : 0) : v}`;
    }
    this.write(traceCmdLine(SYNTHETIC.comm, SYNTHETIC.pid, SYNTHETIC.cpu, this.ns(rec.ts), `nestlab:${rec.name}`, info) + "\n");
    this.lines++;
  }

  /** Takes one record; `print`: it was selected for output (else it is only read for state). */
  add(rec: TraceRecord, print = true): void {
    if (rec.level === 0) {
      switch (rec.name) {
        case "sysreg_trap":
          break;
        case "kvm_exit":
          this.how = rec.fields.how;
          if (rec.fields.how !== "fast") {
            this.kvmExit(rec.ts, rec.fields.ec, rec.fields.reason, rec.fields.how === "forward", rec.fields.from, print);
            return;
          }
          this.lastSysreg[rec.fields.from] = undefined;
          break;
        case "exit_handler":
          // the handler's kernel events go with the kvm_exit (printed when it was); this record's own line with print
          if (this.exit !== undefined && this.exitPrinted) this.handlerEvents(rec.ts, this.exit);
          this.exit = undefined;
          break;
        case "kvm_entry": {
          const traced = this.how !== "fast";
          this.how = undefined;
          this.ctx = rec.fields.ctx;
          if (traced) {
            if (print && this.mmioReadPending) this.kernelLine(rec.ts, "kvm_mmio", fmtKvmMmio(1, 4, SYNTHETIC.gpaUser, SYNTHETIC.valUser));
            this.mmioReadPending = false;
            if (print) this.kernelLine(rec.ts, "kvm_entry", fmtKvmEntry(this.pc()));
            return;
          }
          break;
        }
        case "kvm_userspace_exit":
          if (print) this.kernelLine(rec.ts, "kvm_userspace_exit", fmtKvmUserspaceExit(KVM_EXIT_MMIO));
          return;
        case "kvm_inject_nested_exception": {
          // from the vcpu's nested context: its guest's kernel (EL1h) took the exception
          const f = rec.fields;
          const type = f.type === "irq" ? 0x80 : 0;
          const esr = f.ec === "unknown" ? 0 : syntheticEsr(f.ec, "", undefined, false);
          if (print) this.kernelLine(rec.ts, "kvm_inject_nested_exception", fmtKvmInjectNestedException(type, this.injectEsr(esr, f.ec), SYNTHETIC.pcNested, SYNTHETIC.spsrEl1h, this.hcr));
          this.ctx = "hyp";
          return;
        }
        case "direct_inject": {
          // from vEL2: the kernel traces it with the vEL2 source mode
          const f = rec.fields;
          const irq = f.type === "irq";
          const esr = f.ec === "unknown" ? 0 : syntheticEsr(f.ec, "", undefined, false);
          const line = fmtKvmInjectNestedException(irq ? 0x80 : 0, this.injectEsr(esr, f.ec), SYNTHETIC.pcHyp, SYNTHETIC.spsrEl2h, this.hcr);
          if (this.exitPrinted) this.kernelLine(rec.ts, "kvm_inject_nested_exception", line);
          break;
        }
        case "kvm_nested_eret":
          if (print) this.kernelLine(rec.ts, "kvm_nested_eret", fmtKvmNestedEret(SYNTHETIC.pcNested, SYNTHETIC.spsrEl1h, this.hcr));
          this.ctx = "nested";
          return;
        default:
          break;
      }
    }
    if (rec.name === "sysreg_trap") this.lastSysreg[rec.level] = { reg: rec.fields.reg, write: rec.fields.write };
    if (print) this.nestlabLine(rec);
  }

  /** the syndrome injected: the one L0 took (for SYS64 the register's, kept from the kvm_exit) */
  private injectEsr(fallback: number, ec: string): number {
    const e = this.pendingEsr;
    this.pendingEsr = undefined;
    return ec === "IRQ" ? 0 : (e ?? fallback);
  }

  private kvmExit(ts: number, ec: ExceptionClass | "unknown", reason: string, forwarded: boolean, from: number, print: boolean): void {
    const sr = this.lastSysreg[from];
    this.lastSysreg[from] = undefined;
    this.exit = undefined;
    this.exitPrinted = false;
    if (ec === "unknown") return;
    const irq = ec === "IRQ";
    const esr = syntheticEsr(ec, reason, ec === "SYS64" ? sr?.reg : undefined, sr?.write ?? false);
    this.pendingEsr = esr;
    const pc = this.pc();
    this.exit = { ec, reason, forwarded, sr, esr, pc };
    this.exitPrinted = print;
    if (print) this.kernelLine(ts, "kvm_exit", fmtKvmExit(irq ? ARM_EXCEPTION_IRQ : ARM_EXCEPTION_TRAP, irq ? 0 : EXCEPTION_CLASSES[ec].ec, pc));
  }

  /** what the exit's handler traces, at its start */
  private handlerEvents(ts: number, x: NonNullable<KernelTraceWriter["exit"]>): void {
    const { pc, esr, sr, forwarded, reason } = x;
    switch (x.ec) {
      case "HVC64":
        this.kernelLine(ts, "kvm_hvc_arm64", fmtKvmHvcArm64(pc, SYNTHETIC.hvcR0, 0));
        break;
      case "SYS64":
        this.kernelLine(ts, "kvm_handle_sys_reg", fmtKvmHandleSysReg(esr));
        if (sr !== undefined) {
          const enc = sysregEncoding(sr.reg);
          if (forwarded) this.kernelLine(ts, "kvm_forward_sysreg_trap", fmtKvmForwardSysregTrap(pc, enc, !sr.write));
          else this.kernelLine(ts, "kvm_sys_access", fmtKvmSysAccess(pc, enc, sr.write));
        }
        break;
      case "WFx":
        if (!forwarded) this.kernelLine(ts, "kvm_wfx_arm64", fmtKvmWfxArm64(pc, false));
        break;
      case "DABT_LOW": {
        const mmio = reason === "mmio-kernel" || reason === "mmio-user";
        const ipa = reason === "mmio-kernel" ? SYNTHETIC.gpaKernel : reason === "mmio-user" ? SYNTHETIC.gpaUser : SYNTHETIC.ipaRam;
        this.kernelLine(ts, "kvm_guest_fault", fmtKvmGuestFault(pc, esr, ipa & 0xfffn, ipa));
        if (mmio && !forwarded) {
          this.kernelLine(ts, "kvm_mmio", fmtKvmMmio(0, 4, ipa, 0));
          if (reason === "mmio-kernel") this.kernelLine(ts, "kvm_mmio", fmtKvmMmio(1, 4, ipa, SYNTHETIC.valKernel));
          else this.mmioReadPending = true;
        }
        break;
      }
      default:
        break;
    }
  }
}

/** the records KernelTraceWriter reads for its state, whatever is printed */
export const KERNEL_STATE_TRACEPOINTS: readonly TracepointName[] = ["kvm_entry", "kvm_exit", "exit_handler", "direct_inject", "kvm_userspace_exit", "kvm_inject_nested_exception", "kvm_nested_eret", "sysreg_trap"];

/** What to subscribe to for a kernel-format trace of the selected tracepoints, and which of them to print. */
export function kernelTraceSelection(selected: readonly TracepointName[]): { listen: TracepointName[]; printed: ReadonlySet<TracepointName> } {
  const printed = new Set(selected);
  const listen = TRACEPOINT_NAMES.filter((n) => printed.has(n) || KERNEL_STATE_TRACEPOINTS.includes(n));
  return { listen, printed };
}
