import type { ExceptionClass } from "../arch/exceptions";
import type { SysRegName } from "../arch/sysregs";
import type { TrapReason } from "../engine/events";
import type { VcpuContext } from "../engine/types";

/**
 * nestlab's tracepoints, declared once as data (as arch/arm64/kvm/trace_arm.h declares the kernel's): name, group,
 * what the `level` of a record means, typed fields named after the architecture, and the field that keys counters
 * ("reason"). The engine and the KVM behaviour emit each record at its site (lib/trace/emit.ts); the TypeScript types of
 * the fields follow from these declarations.
 *
 * Every record carries `level` (the level whose software or KVM acted, 0 = the host), `vcpu` (0: one vcpu per level
 * runs on the modelled CPU) and `ts` (the machine's cycle count when it was emitted; slice ends carry the cycle at
 * which the slice completed).
 *
 * Slices: `trap_begin`/`trap_end` bracket a hardware exception from the software at `level` until that software runs
 * again (all levels' handling, nested traps included); `handle_begin`/`handle_end` bracket one level's part of that
 * handling, from its entry to the completed re-entry into its guest. They nest properly, so one leaf exit shows its
 * whole amplification tree.
 */

/** A field's declared kind (how it prints) and, as a phantom type, its TypeScript type. */
export interface FieldDef<T> {
  readonly kind: "int" | "hex" | "bool" | "sym";
  /** phantom: never set at run time */
  readonly type?: T;
}

const int: FieldDef<number> = { kind: "int" };
const hex: FieldDef<number> = { kind: "hex" };
const bool: FieldDef<boolean> = { kind: "bool" };
const sym = <T extends string>(): FieldDef<T> => ({ kind: "sym" });

export type TraceGroup = "kvm" | "nestlab";
export type ExitHow = "fast" | "full" | "forward";
/** the trap reason, or "unknown" for records emitted before a subscriber saw the trap begin */
export type TraceReason = TrapReason | "unknown";
export type TraceEc = ExceptionClass | "unknown";

export interface TracepointDef {
  readonly group: TraceGroup;
  /** what the record's `level` is */
  readonly level: string;
  readonly help: string;
  readonly fields: { readonly [name: string]: FieldDef<unknown> };
  /** the field whose value keys counters and summaries (the "reason" column); none: "" */
  readonly key?: string;
}

export const TRACEPOINTS = {
  kvm_entry: {
    group: "kvm",
    level: "the level whose KVM enters its guest",
    help: "the run loop enters the guest: after a full exit where arm.c calls trace_kvm_entry (before the entry half), after a fast path at the ERET; ctx: the guest context entered (hyp = the guest hypervisor's vEL2)",
    fields: { ctx: sym<VcpuContext>() },
    key: "ctx",
  },
  kvm_exit: {
    group: "kvm",
    level: "the level whose KVM takes the exit",
    help: "an exception entering this level's hypervisor from its guest; how: fast (hyp fast path, at its decision), full (run-loop exit), forward (injected into the guest hypervisor above); full and forward where arm.c calls trace_kvm_exit (after the exit half, the syncs and an interrupt's host handler)",
    fields: { ec: sym<TraceEc>(), esr_ec: hex, reason: sym<TraceReason>(), how: sym<ExitHow>(), from: int, owner: int },
    key: "ec",
  },
  kvm_userspace_exit: {
    group: "kvm",
    level: "the level whose KVM returns to its userspace VMM",
    help: "KVM_RUN returns to the VMM (after vcpu_put, as kvm_vcpu_ioctl traces it; the syscall return and the ERET to the hypervisor's own EL0 follow)",
    fields: { reason: sym<"KVM_EXIT_MMIO">() },
    key: "reason",
  },
  kvm_inject_nested_exception: {
    group: "kvm",
    level: "the level whose KVM injects (kvm_inject_nested, with put/load)",
    help: "an exception delivered into the vEL2 of the guest hypervisor at level + 1 from its nested context (after vcpu_put, as kvm_inject_el2_exception traces it)",
    fields: { ec: sym<TraceEc>(), esr_ec: hex, type: sym<"sync" | "irq">(), target: int },
    key: "ec",
  },
  kvm_nested_eret: {
    group: "kvm",
    level: "the level whose KVM emulates the ERET (kvm_emulate_nested_eret, with put/load)",
    help: "the guest hypervisor at level + 1 ERETs from vEL2 into its own guest (after vcpu_put, as kvm_emulate_nested_eret traces it)",
    fields: { from: int },
  },
  kvm_fpu: {
    group: "kvm",
    level: "the level whose KVM moves the vcpu's FP/SIMD/SVE state",
    help: "load: the vcpu's state restored into the registers (lazy FP trap); unload: saved out of them (vcpu_put)",
    fields: { load: sym<"load" | "unload">() },
    key: "load",
  },
  trap_begin: {
    group: "nestlab",
    level: "the level whose software took the exception",
    help: "a hardware exception taken to L0 (slice begin); owner: the level whose configuration claims it",
    fields: { ec: sym<ExceptionClass>(), esr_ec: hex, reason: sym<TrapReason>(), owner: int, fp_work: bool },
    key: "reason",
  },
  trap_end: {
    group: "nestlab",
    level: "the level whose software took the exception",
    help: "that software runs again (slice end); cycles: inclusive duration",
    fields: { ec: sym<ExceptionClass>(), reason: sym<TrapReason>(), owner: int, cycles: int },
    key: "reason",
  },
  handle_begin: {
    group: "nestlab",
    level: "the level whose hypervisor handles (or forwards) the exception",
    help: "this level's part of an exception's handling begins (slice begin)",
    fields: { ec: sym<TraceEc>(), reason: sym<TraceReason>(), from: int },
    key: "reason",
  },
  handle_end: {
    group: "nestlab",
    level: "the level whose hypervisor handled (or forwarded) the exception",
    help: "its guest runs again (slice end); cycles: from entry to completed re-entry, nested traps included",
    fields: { ec: sym<TraceEc>(), reason: sym<TraceReason>(), how: sym<ExitHow | "unknown">(), cycles: int },
    key: "reason",
  },
  exit_handler: {
    group: "nestlab",
    level: "the level whose KVM handles (or forwards) a full exit",
    help: "the run loop's handle_exit calls the exit's handler (handle_exit.c handle_trap_exceptions): where the handler's kernel tracepoints begin",
    fields: { ec: sym<TraceEc>(), reason: sym<TraceReason>(), how: sym<ExitHow>() },
    key: "reason",
  },
  direct_inject: {
    group: "nestlab",
    level: "the level whose KVM injects without put/load",
    help: "an exception delivered into the vEL2 of the guest hypervisor at level + 1 while it is already there (kvm_inject_nested's direct inject; the kernel traces it as kvm_inject_nested_exception from EL2h)",
    fields: { ec: sym<TraceEc>(), esr_ec: hex, type: sym<"sync" | "irq">(), target: int },
    key: "ec",
  },
  sysreg_trap: {
    group: "nestlab",
    level: "the level whose access traps",
    help: "a system register access (MRS/MSR/SYS) that traps to L0",
    fields: { reg: sym<SysRegName>(), write: bool },
    key: "reg",
  },
  vncr_access: {
    group: "nestlab",
    level: "the level whose access hits the VNCR page",
    help: "a VNCR-mapped register access turned into a memory access (FEAT_NV2)",
    fields: { reg: sym<SysRegName>(), write: bool },
    key: "reg",
  },
  fp_trap: {
    group: "nestlab",
    level: "the level whose KVM gives the registers to its vcpu (kvm_hyp_handle_fpsimd)",
    help: "an FP/SIMD or SVE access trapped by CPTR_EL2 (ec FP_ASIMD/SVE), or a trapped ZCR_EL2 access while the vcpu does not own the registers (ec SYS64, kvm_hyp_handle_zcr_el2); from: the level whose access trapped",
    fields: { ec: sym<TraceEc>(), from: int },
    key: "ec",
  },
  fp_save: {
    group: "nestlab",
    level: "the level whose KVM saves",
    help: "FP/SIMD/SVE registers saved to memory (vcpu: put_fp; host: the host task's state)",
    fields: { state: sym<"vcpu" | "host">(), bytes: int },
    key: "state",
  },
  fp_restore: {
    group: "nestlab",
    level: "the level whose KVM restores",
    help: "FP/SIMD/SVE registers restored from memory (vcpu: lazy FP trap; host: return to the VMM)",
    fields: { state: sym<"vcpu" | "host">(), bytes: int },
    key: "state",
  },
  vcpu_put: {
    group: "nestlab",
    level: "the level whose KVM runs kvm_arch_vcpu_put",
    help: "ctx: the vcpu context put; fp_elided: put_fp returns early (FP-elision patch, IN_NESTED_*)",
    fields: { ctx: sym<VcpuContext>(), fp_elided: bool },
    key: "ctx",
  },
  vcpu_load: {
    group: "nestlab",
    level: "the level whose KVM runs kvm_arch_vcpu_load",
    help: "ctx: the vcpu context loaded; fp_elided: load_fp returns early (FP-elision patch, IN_NESTED_*)",
    fields: { ctx: sym<VcpuContext>(), fp_elided: bool },
    key: "ctx",
  },
} as const satisfies Record<string, TracepointDef>;

export type TracepointName = keyof typeof TRACEPOINTS;
export const TRACEPOINT_NAMES = Object.keys(TRACEPOINTS) as TracepointName[];
export const TRACE_GROUPS: readonly TraceGroup[] = ["kvm", "nestlab"];

/** index of each tracepoint (for per-tracepoint tables) */
export const TRACEPOINT_INDEX = Object.fromEntries(TRACEPOINT_NAMES.map((n, i) => [n, i])) as Readonly<Record<TracepointName, number>>;

type Defs = typeof TRACEPOINTS;
export type TraceFields<N extends TracepointName> = {
  readonly [F in keyof Defs[N]["fields"]]: Defs[N]["fields"][F] extends FieldDef<infer T> ? T : never;
};

/** One tracepoint record. */
export interface TraceRecordOf<N extends TracepointName> {
  readonly name: N;
  readonly level: number;
  readonly vcpu: number;
  /** simulated cycles */
  readonly ts: number;
  readonly fields: TraceFields<N>;
}

/** Any record, discriminated by `name`. */
export type TraceRecord = { [N in TracepointName]: TraceRecordOf<N> }[TracepointName];

export function tracepointGroup(name: TracepointName): TraceGroup {
  return TRACEPOINTS[name].group;
}

/** The value of the record's key field (its "reason" in counters and summaries), as a string. */
export function recordKey(rec: TraceRecord): string {
  const def: TracepointDef = TRACEPOINTS[rec.name];
  if (def.key === undefined) return "";
  return String((rec.fields as Readonly<Record<string, unknown>>)[def.key]);
}
