import { KVM_MODE_NAMES, PSR_MODE_BITS } from "../trace/kernel";

/**
 * Reading one line of an L0 recording: the event-line grammars of `trace-cmd report` and `perf script`, and the
 * TP_printk texts of the kernel's kvm tracepoints (lib/trace/kernel.ts writes them; the formats are cited there).
 *
 *   trace-cmd report:  "<comm>-<pid> [<cpu>] <secs>.<frac>: <event>: <text>"   (trace-cmd's print_event; -l adds
 *                      latency flags after the CPU, -t prints nanoseconds)
 *   perf script:       "<comm> <pid>[/<tid>] [<cpu>] <secs>.<frac>: <system>:<event>: <text>"
 *
 * The comm may contain spaces and dashes ("CPU 0/KVM"); the pid is the last number before the CPU.
 */

export interface EventLine {
  readonly comm: string;
  /** the thread: tid for perf script's pid/tid, else pid (on arm64, a vcpu is known by its thread only) */
  readonly tid: number;
  readonly cpu: number;
  /** the trace clock in nanoseconds */
  readonly ns: number;
  /** "" for trace-cmd report, which prints no system */
  readonly system: string;
  readonly name: string;
  readonly text: string;
  /** digits after the decimal point of the timestamp (6: microseconds, 9: nanoseconds; 0: none printed) */
  readonly precision: number;
}

const CPU_RE = /\s\[(\d{1,4})\]\s/g;
const LEFT_RE = /^\s*(.*?)(?:-|\s+)(\d+)(?:\/(\d+))?\s*$/;

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
/** the decimal number in line[from, to) (digits only) */
function digitsValue(line: string, from: number, to: number): number {
  let v = 0;
  for (let k = from; k < to; k++) v = v * 10 + (line.charCodeAt(k) - 48);
  return v;
}
const isSpace = (c: number): boolean => c === 32 || c === 9;

/**
 * Parses an event line; undefined when the line is not one. A timestamp without a fraction (libtraceevent prints
 * a bare number before the first second) is read with `bareUnitNs` nanoseconds per unit.
 *
 * Hand-written (one regular expression for the CPU field, then character scans): this runs once per line of files
 * of gigabytes (docs/traces.md "Throughput").
 */
export function parseEventLine(line: string, bareUnitNs = 1000): EventLine | undefined {
  CPU_RE.lastIndex = 0;
  const c = CPU_RE.exec(line);
  if (c === null) return undefined;
  // left of the CPU: "<comm>-<pid>" or "<comm> <pid>[/<tid>]"
  let i = c.index;
  while (i > 0 && isSpace(line.charCodeAt(i - 1))) i--;
  let j = i;
  while (j > 0 && isDigit(line.charCodeAt(j - 1))) j--;
  if (j === i) return undefined;
  let tid = digitsValue(line, j, i);
  let commEnd = j;
  if (commEnd > 0 && line.charCodeAt(commEnd - 1) === 47 /* / */) {
    // perf's pid/tid: the tid is the thread
    let k = commEnd - 1;
    while (k > 0 && isDigit(line.charCodeAt(k - 1))) k--;
    if (k === commEnd - 1) return slowParse(line, bareUnitNs);
    commEnd = k;
  }
  const sep = commEnd > 0 ? line.charCodeAt(commEnd - 1) : 0;
  if (sep !== 45 /* - */ && !isSpace(sep)) return slowParse(line, bareUnitNs);
  let commStart = 0;
  while (commStart < commEnd && isSpace(line.charCodeAt(commStart))) commStart++;
  let commStop = commEnd - 1;
  while (commStop > commStart && isSpace(line.charCodeAt(commStop - 1))) commStop--;
  const comm = line.slice(commStart, commStop);
  // right of the CPU: [flags] <secs>[.<frac>]: <name>: <text>
  let p = c.index + c[0].length;
  const n = line.length;
  while (p < n && isSpace(line.charCodeAt(p))) p++;
  let q = p;
  while (q < n && isDigit(line.charCodeAt(q))) q++;
  const ch = q < n ? line.charCodeAt(q) : 0;
  if (q === p || (ch !== 46 /* . */ && ch !== 58) /* : */) {
    // latency flags (trace-cmd report -l, "d..1."): skip the word
    while (p < n && !isSpace(line.charCodeAt(p))) p++;
    while (p < n && isSpace(line.charCodeAt(p))) p++;
    q = p;
    while (q < n && isDigit(line.charCodeAt(q))) q++;
    if (q === p) return undefined;
  }
  const secs = digitsValue(line, p, q);
  let ns: number;
  let precision = 0;
  if (line.charCodeAt(q) === 46) {
    const f0 = q + 1;
    let f1 = f0;
    while (f1 < n && isDigit(line.charCodeAt(f1))) f1++;
    precision = f1 - f0;
    if (precision === 0) return undefined;
    const frac = precision >= 9 ? digitsValue(line, f0, f0 + 9) : digitsValue(line, f0, f1) * 10 ** (9 - precision);
    ns = secs * 1e9 + frac;
    q = f1;
  } else ns = secs * bareUnitNs;
  if (line.charCodeAt(q) !== 58) return undefined;
  p = q + 1;
  while (p < n && isSpace(line.charCodeAt(p))) p++;
  // the event name runs to the last ':' before the first blank (perf prints system:name:)
  let e = p;
  while (e < n && !isSpace(line.charCodeAt(e))) e++;
  if (e === p || line.charCodeAt(e - 1) !== 58) return undefined;
  const full = line.slice(p, e - 1);
  if (full.length === 0) return undefined;
  while (e < n && isSpace(line.charCodeAt(e))) e++;
  let tEnd = n;
  while (tEnd > e && isSpace(line.charCodeAt(tEnd - 1))) tEnd--;
  const colon = full.lastIndexOf(":");
  if (tid !== tid) tid = 0;
  return {
    comm,
    tid,
    cpu: Number(c[1]),
    ns,
    system: colon >= 0 ? full.slice(0, colon) : "",
    name: colon >= 0 ? full.slice(colon + 1) : full,
    text: line.slice(e, tEnd),
    precision,
  };
}

/** the rare comm the scan cannot split (digits and slashes at its end): the regular expression decides */
function slowParse(line: string, bareUnitNs: number): EventLine | undefined {
  CPU_RE.lastIndex = 0;
  const c = CPU_RE.exec(line);
  if (c === null) return undefined;
  const left = LEFT_RE.exec(line.slice(0, c.index));
  if (left === null) return undefined;
  const rest = parseEventLine(`x-1 [${c[1]}] ${line.slice(c.index + c[0].length)}`, bareUnitNs);
  return rest && { ...rest, comm: left[1]!, tid: Number(left[3] ?? left[2]) };
}

/** Lines a recording may hold besides events (trace-cmd report's header and per-CPU notes, perf's comments). */
export function isNoiseLine(line: string): boolean {
  const t = line.trim();
  return (
    t === "" ||
    t.startsWith("#") ||
    /^cpus=\d+$/.test(t) ||
    /^version = \d+/.test(t) ||
    /^CPU \d+ is empty$/.test(t) ||
    /^trace-cmd: /.test(t)
  );
}

/** trace-cmd report's note of a CPU buffer overrun: "CPU:<n> [LOST <k> EVENTS]"; the number lost, or undefined */
export function lostEvents(line: string): number | undefined {
  const m = /^\s*CPU:\s*\d+ \[LOST (\d+) EVENTS\]/.exec(line);
  return m ? Number(m[1]) : undefined;
}

// ---------------------------------------------------------------------------------------------------------------------
// The kvm tracepoints nestlab reads, and what each text holds

/** A field a tracepoint's text failed to yield: names the tracepoint and its format (for the error line). */
export class TextError extends Error {
  constructor(
    readonly event: string,
    readonly format: string,
  ) {
    super(`${event}: text does not follow the kernel's format "${format}"`);
  }
}

export interface ExitText {
  /** kvm_arm_exception_type name (TRAP, IRQ, SERROR, HYP_GONE, or 0x..) */
  readonly ret: string;
  readonly esrEc: number;
  /** kvm_arm_exception_class name (or 0x..) */
  readonly ecName: string;
}

const EXIT_RE = /^(\S+): HSR_EC: 0x([0-9a-fA-F]+) \(([^)]*)\), PC: 0x[0-9a-fA-F]+$/;
export function parseKvmExit(text: string): ExitText {
  const m = EXIT_RE.exec(text);
  if (m === null) throw new TextError("kvm_exit", "%s: HSR_EC: 0x%04x (%s), PC: 0x%016lx");
  return { ret: m[1]!, esrEc: parseInt(m[2]!, 16), ecName: m[3]! };
}

/** the exit's reason as nestlab names it: the exception class for a TRAP, else the exit type */
export function exitReason(e: ExitText): string {
  return e.ret === "TRAP" ? e.ecName : e.ret;
}

const MODE_BY_NAME = new Map([...KVM_MODE_NAMES].map(([v, n]): [string, number] => [n, v]));
const HCR_TGE = 1n << 27n;
const HCR_E2H = 1n << 34n;

export interface InjectText {
  readonly type: string;
  readonly esr: number;
  /** the mode the vcpu was in (the exception's source) */
  readonly mode: string;
  /**
   * true when the exception came from the vEL2 (EL2h/EL2t) or from the guest hypervisor's own user space (EL0t with
   * its HCR_EL2.E2H and TGE set): kvm_inject_nested's direct inject, no context switch (emulate-nested.c)
   */
  readonly direct: boolean;
}

const INJECT_RE = /^(\w+): esr_el2 (?:0x)?([0-9a-fA-F]+) elr_el2: (?:0x)?[0-9a-fA-F]+ spsr_el2: 0x[0-9a-fA-F]+ \(M: ([^)]*)\) hcr_el2: ([0-9a-fA-F]+)$/;
export function parseKvmInjectNested(text: string): InjectText {
  const m = INJECT_RE.exec(text);
  if (m === null) throw new TextError("kvm_inject_nested_exception", "%s: esr_el2 0x%lx elr_el2: 0x%lx spsr_el2: 0x%08lx (M: %s) hcr_el2: %lx");
  const mode = m[3]!;
  const hcr = BigInt("0x" + m[4]!);
  const v = MODE_BY_NAME.get(mode);
  const el2 = v !== undefined && (v & PSR_MODE_BITS) >= 0x8 && (v & PSR_MODE_BITS) <= 0x9;
  const inHost = mode === "EL0t" && (hcr & HCR_TGE) !== 0n && (hcr & HCR_E2H) !== 0n;
  return { type: m[1]!, esr: parseInt(m[2]!, 16), mode, direct: el2 || inHost };
}

const ERET_RE = /^elr_el2: (?:0x)?[0-9a-fA-F]+ spsr_el2: 0x[0-9a-fA-F]+ \(M: ([^)]*)\) hcr_el2: [0-9a-fA-F]+$/;
/** kvm_nested_eret: the target mode; an ERET to vEL2 (EL2h/EL2t) does not leave the hyp context */
export function parseKvmNestedEret(text: string): { readonly mode: string; readonly toHyp: boolean } {
  const m = ERET_RE.exec(text);
  if (m === null) throw new TextError("kvm_nested_eret", "elr_el2: 0x%lx spsr_el2: 0x%08lx (M: %s) hcr_el2: %lx");
  const mode = m[1]!;
  return { mode, toHyp: mode === "EL2h" || mode === "EL2t" };
}

export interface SysregText {
  readonly encoding: string;
  /** kvm_sys_access's name; "" for kvm_forward_sysreg_trap, which prints none */
  readonly name: string;
  readonly write: boolean;
}

const FWD_RE = /^[0-9a-fA-F]+ ([RW]) \((\d+,\d+,\d+,\d+,\d+)\)$/;
export function parseKvmForwardSysregTrap(text: string): SysregText {
  const m = FWD_RE.exec(text);
  if (m === null) throw new TextError("kvm_forward_sysreg_trap", "%llx %c (%d,%d,%d,%d,%d)");
  return { encoding: m[2]!, name: "", write: m[1] === "W" };
}

const ACCESS_RE = /^PC: [0-9a-fA-F]+ (\S+) \((\d+,\d+,\d+,\d+,\d+)\) (read|write)$/;
export function parseKvmSysAccess(text: string): SysregText {
  const m = ACCESS_RE.exec(text);
  if (m === null) throw new TextError("kvm_sys_access", "PC: %lx %s (%d,%d,%d,%d,%d) %s");
  return { encoding: m[2]!, name: m[1]!, write: m[3] === "write" };
}

const WFX_RE = /^guest executed wf([ie]) at: 0x[0-9a-fA-F]+$/;
export function parseKvmWfx(text: string): "wfi" | "wfe" {
  const m = WFX_RE.exec(text);
  if (m === null) throw new TextError("kvm_wfx_arm64", "guest executed wf%c at: 0x%016lx");
  return m[1] === "e" ? "wfe" : "wfi";
}

const MMIO_RE = /^mmio (\S+) len \d+ gpa 0x[0-9a-fA-F]+ val 0x[0-9a-fA-F]+$/;
export function parseKvmMmio(text: string): string {
  const m = MMIO_RE.exec(text);
  if (m === null) throw new TextError("kvm_mmio", "mmio %s len %u gpa 0x%llx val 0x%llx");
  return m[1]!;
}

const USER_RE = /^reason (\S+) \((\d+)\)$/;
export function parseKvmUserspaceExit(text: string): string {
  const m = USER_RE.exec(text);
  if (m === null) throw new TextError("kvm_userspace_exit", "reason %s (%d)");
  return m[1]!;
}

/**
 * The kvm tracepoints of Linux 7.3-rc7 that arm64 defines (arch/arm64/kvm/trace_arm.h, trace_handle_exit.h,
 * vgic/trace.h, include/trace/events/kvm.h): an event of this list that nestlab does not read is counted as known
 * but unused; any other event is counted (and named) as unknown.
 */
export const KVM_EVENTS: ReadonlySet<string> = new Set([
  // trace_arm.h
  "kvm_entry", "kvm_exit", "kvm_guest_fault", "kvm_access_fault", "kvm_irq_line", "kvm_mmio_emulate", "kvm_mmio_nisv",
  "kvm_set_way_flush", "kvm_toggle_cache", "kvm_timer_update_irq", "kvm_get_timer_map", "kvm_timer_save_state",
  "kvm_timer_restore_state", "kvm_timer_hrtimer_expire", "kvm_timer_emulate", "kvm_nested_eret",
  "kvm_inject_nested_exception", "kvm_forward_sysreg_trap",
  // trace_handle_exit.h
  "kvm_wfx_arm64", "kvm_hvc_arm64", "kvm_arm_set_dreg32", "kvm_handle_sys_reg", "kvm_sys_access", "kvm_set_guest_debug",
  // vgic/trace.h
  "vgic_update_irq_pending",
  // include/trace/events/kvm.h
  "kvm_userspace_exit", "kvm_vcpu_wakeup", "kvm_set_irq", "kvm_ack_irq", "kvm_mmio", "kvm_fpu", "kvm_try_async_get_page",
  "kvm_async_pf_repeated_fault", "kvm_async_pf_not_present", "kvm_async_pf_ready", "kvm_async_pf_completed",
  "kvm_halt_poll_ns", "kvm_dirty_ring_push", "kvm_dirty_ring_reset", "kvm_dirty_ring_exit", "kvm_unmap_hva_range",
  "kvm_age_hva", "kvm_test_age_hva", "kvm_vm_set_mem_attributes",
]);
