import * as encodings from "../arch/encodings";
import * as format from "../util/format";
import * as histogram from "./histogram";
import type { DistributionSummary } from "./histogram";
import * as parse from "./parse";
import type { EventLine } from "./parse";

// hot imports bound to module-local constants: under a CommonJS loader that reads every imported binding through a
// getter (esbuild's interop, used by tsx, vitest and notebooks) a per-line call through one costs several percent of
// an import (test/engine/hot-imports.test.ts keeps it so)
const { SYSREG_BY_ENCODING } = encodings;
const { formatDuration } = format;
const { Distribution, QUANTILE_NOTE } = histogram;
type Distribution = histogram.Distribution;
const { exitReason, isNoiseLine, KVM_EVENTS, lostEvents, parseEventLine, parseKvmExit, parseKvmForwardSysregTrap, parseKvmInjectNested, parseKvmMmio, parseKvmNestedEret, parseKvmSysAccess, parseKvmUserspaceExit, parseKvmWfx, TextError } = parse;

/**
 * What an L0 recording shows (docs/traces.md "What L0 can see"), read one line at a time in bounded memory.
 *
 * Per vcpu thread (arm64's kvm_entry carries no vcpu id: perf kvm stat, too, tells vcpus apart by thread), a state
 * machine follows L0's run loop: kvm_exit opens an exit, the handler's events qualify it, kvm_entry closes it (its
 * time: exit to entry, as perf kvm stat measures). The guest hypervisor's context follows from L0's nested
 * transitions: a nested exception (kvm_inject_nested_exception from EL1/EL0) takes it into its hyp context (vEL2), a
 * nested ERET to EL1/EL0 back into its nested context (its guest). A forwarded exit opens a *window* that the nested
 * ERET closes: the whole handling of one of the guest's exits as L0 sees it, with the guest hypervisor's own traps
 * to L0 inside.
 */

/** below either, import warns that its per-second rates mean little (a short recording extrapolated to a second) */
export const RATE_MIN_SECONDS = 1;
export const RATE_MIN_EXITS = 1000;

export type VcpuCtx = "hyp" | "nested" | "unknown";
/** how L0 completed an exit: handled itself, forwarded (nested exception), direct inject, nested ERET, via its VMM */
export type ExitHandling = "handled" | "forward" | "direct" | "eret" | "user";
export type TraceFormat = "trace-cmd" | "perf-script" | "perf-kvm-stat";

/** A duration distribution whose quantiles may be unknown (perf kvm stat prints none). */
export type Timing = Omit<DistributionSummary, "p50Ns" | "p90Ns" | "p99Ns" | "quantiles"> & {
  /** how p50Ns..p99Ns were computed (histogram: within +-2.2%); null when there are none */
  readonly quantiles: DistributionSummary["quantiles"] | null;
  readonly p50Ns: number | null;
  readonly p90Ns: number | null;
  readonly p99Ns: number | null;
};

export interface ReasonRow extends Timing {
  /** the exception class of a TRAP (HVC64, SYS64, DABT_LOW, ...) or the exit type (IRQ, SERROR, ...) */
  readonly reason: string;
  /** exits per second per vcpu (null: unknown, a perf kvm stat table has no recording length) */
  readonly perSecond: number | null;
  readonly share: number;
}

export interface ExitKindRow extends Timing {
  /** "<ctx> <reason>[ <detail>] <handling>", the row's key */
  readonly kind: string;
  readonly ctx: VcpuCtx;
  readonly reason: string;
  /** SYS64: the register and R/W; DABT_LOW: mmio-kernel, mmio-user or fault; WFx: wfi/wfe; else "" */
  readonly detail: string;
  readonly handling: ExitHandling;
  readonly perSecond: number;
}

export interface WindowRow extends Timing {
  /** the forwarded exit's reason and detail */
  readonly reason: string;
  readonly perSecond: number;
  /** L0 exits in the guest hypervisor's hyp context per window (its traps while it handled the exit) */
  readonly hypExitsPerWindow: number;
}

export interface SysregRow {
  readonly reg: string;
  /** op0,op1,CRn,CRm,op2 */
  readonly encoding: string;
  readonly access: "read" | "write";
  /** emulated by L0 (kvm_sys_access) or forwarded to the guest hypervisor (kvm_forward_sysreg_trap) */
  readonly handling: "emulated" | "forwarded";
  readonly ctx: VcpuCtx;
  readonly count: number;
  readonly perSecond: number;
}

export interface NamedCount {
  readonly name: string;
  readonly count: number;
}

export interface ImportSummary {
  readonly source: string;
  readonly format: TraceFormat;
  readonly lines: number;
  readonly events: number;
  /** first to last event, in seconds (0 for a perf kvm stat table: see its `totalTimeNs`) */
  readonly seconds: number;
  readonly cpus: readonly number[];
  readonly vcpus: readonly { readonly tid: number; readonly comm: string; readonly exits: number }[];
  readonly exits: number;
  /** exits whose entry followed (their time is known) */
  readonly timedExits: number;
  readonly nestedExceptions: number;
  readonly directInjects: number;
  readonly nestedErets: number;
  readonly userspaceExits: number;
  readonly exitsByContext: { readonly nested: number; readonly hyp: number; readonly unknown: number };
  /** per exit in the guest hypervisor's nested context (what L0 sees of its guest's exits); null without any */
  readonly perNestedExit: { readonly nestedExceptions: number; readonly nestedErets: number; readonly hypExits: number } | null;
  /**
   * exits by reason; their times are what `reasonTimes` says: exit to entry (kvm_exit to the next kvm_entry, L0's
   * handling) for a trace of events, entry to exit for a perf kvm stat table (arm64's perf kvm stat times the
   * interval from kvm_entry to the kvm_exit that ends it: tools/perf/arch/arm64/util/kvm-stat.c event_begin/event_end)
   */
  readonly reasons: readonly ReasonRow[];
  readonly reasonTimes: "exit-to-entry" | "entry-to-exit";
  /**
   * by the reason of the exit that ends it, the interval from the previous kvm_entry on the thread to that kvm_exit:
   * the guest's run time plus both halves of the world switch (what perf kvm stat reports on arm64)
   */
  readonly entryToExit: readonly ReasonRow[];
  readonly kinds: readonly ExitKindRow[];
  readonly windows: readonly WindowRow[];
  readonly sysregs: readonly SysregRow[];
  /** events that are not arm64 kvm tracepoints, by name */
  readonly unknownEvents: readonly NamedCount[];
  /** arm64 kvm tracepoints nestlab does not read, by name */
  readonly unusedKvmEvents: readonly NamedCount[];
  /** nestlab:<name> lines (the model's own records in a `trace --format kernel` file): skipped */
  readonly nestlabEvents: number;
  readonly lostEvents: number;
  readonly truncated: boolean;
  /** digits of the timestamps' fraction (6: microseconds, 9: nanoseconds) */
  readonly timestampDigits: number;
  readonly warnings: readonly string[];
  /** how the rows' median, p90 and p99 are computed (each row's `quantiles` says which applied) */
  readonly quantileNote: string;
  /** total handled time of a perf kvm stat table, ns */
  readonly totalTimeNs?: number;
}

/** What an L0 recording can and cannot tell (printed with every import; docs/traces.md "What L0 can see"). */
export const L0_VIEW = {
  identifiable: [
    "L0's full exits by exception class and their exit-to-entry time (perf kvm stat's measure)",
    "nested exceptions, direct injects and nested ERETs, so whether the guest hypervisor was in its hyp context (vEL2) or its nested context (running its guest) at each exit",
    "system register traps L0 emulates (kvm_sys_access) or forwards (kvm_forward_sysreg_trap), by register",
    "a forwarded exit's whole handling (nested exception to nested ERET), and the guest hypervisor's traps to L0 inside it",
  ],
  notIdentifiable: [
    "L0's hyp fast-path exits (FP/SVE traps, CPACR_EL1, timer reads, InHost ERETs): they never reach kvm_exit; their time is inside the guest's run time",
    "the depth of the leaf: an exit in the nested context may come from L2 or from deeper levels",
    "the guest hypervisors' own exits and how they handle them (in their own kernels' traces, if recorded there)",
    "how a window's time splits between the guest hypervisor's code and L0's handling of its traps, beyond the traps' own exit-to-entry times",
    "VNCR accesses and FP/SVE saves and restores (arm64 KVM traces neither; it never calls trace_kvm_fpu)",
  ],
} as const;

interface KindAcc {
  readonly ctx: VcpuCtx;
  readonly reason: string;
  readonly detail: string;
  readonly handling: ExitHandling;
  readonly d: Distribution;
  untimed: number;
}

interface OpenExit {
  readonly ns: number;
  readonly ctx: VcpuCtx;
  readonly reason: string;
  detail: string;
  handling: ExitHandling;
  sysreg?: { reg: string; encoding: string; write: boolean; handling: "emulated" | "forwarded" };
  mmio?: string;
}

interface Vcpu {
  readonly tid: number;
  comm: string;
  exits: number;
  ctx: VcpuCtx;
  open: OpenExit | undefined;
  window: { reason: string; startNs: number; hypExits: number; closing: boolean } | undefined;
  /** the time of the last kvm_entry, or -1 */
  entryNs: number;
}

/** A bad line: the importer's caller turns it into "FILE:LINE: why" (exit 2). */
export class TraceLineError extends Error {
  constructor(
    readonly line: number,
    readonly why: string,
  ) {
    super(why);
  }
}

const ACCEPTED = "trace-cmd report text, perf script output of the kvm events, or a perf kvm stat report table";

/** Builds an ImportSummary from event lines (trace-cmd report or perf script), one `line()` at a time. */
export class TraceImporter {
  private readonly vcpus = new Map<number, Vcpu>();
  private readonly kinds = new Map<string, KindAcc>();
  private readonly reasons = new Map<string, { d: Distribution; count: number }>();
  private readonly entryToExit = new Map<string, Distribution>();
  private readonly windows = new Map<string, { d: Distribution; hypExits: number }>();
  private readonly sysregs = new Map<string, { reg: string; encoding: string; access: "read" | "write"; handling: "emulated" | "forwarded"; ctx: VcpuCtx; count: number }>();
  private readonly unknown = new Map<string, number>();
  private readonly unused = new Map<string, number>();
  private readonly cpus = new Set<number>();
  private firstNs = Infinity;
  private lastNs = -Infinity;
  private lines = 0;
  private events = 0;
  private exits = 0;
  private timed = 0;
  private nestedExceptions = 0;
  private directInjects = 0;
  private nestedErets = 0;
  private userspaceExits = 0;
  private readonly byCtx = { nested: 0, hyp: 0, unknown: 0 };
  private nestlab = 0;
  private lost = 0;
  private unmatchedExits = 0;
  private digits = -1;
  private sawPerf = false;
  private sawTraceCmd = false;
  private readonly warnings: string[] = [];

  constructor(readonly source: string) {}

  /** Reads one line (without its newline); `n` is its 1-based number. Throws TraceLineError on a malformed line. */
  line(text: string, n: number): void {
    this.lines = n;
    if (text.length === 0) return;
    const ev = parseEventLine(text, this.digits === 9 ? 1 : 1000);
    if (ev === undefined) {
      const lost = lostEvents(text);
      if (lost !== undefined) {
        this.lost += lost;
        return;
      }
      if (isNoiseLine(text)) return;
      throw new TraceLineError(n, `not an event line of ${ACCEPTED}: ${JSON.stringify(text.length > 80 ? text.slice(0, 80) + "..." : text)}`);
    }
    this.event(ev, n);
  }

  private event(ev: EventLine, n: number): void {
    this.events++;
    if (ev.precision > 0 && this.digits < 0) this.digits = ev.precision;
    if (ev.ns < this.firstNs) this.firstNs = ev.ns;
    if (ev.ns > this.lastNs) this.lastNs = ev.ns;
    this.cpus.add(ev.cpu);
    if (ev.system === "") this.sawTraceCmd = true;
    else this.sawPerf = true;
    if (ev.system === "nestlab") {
      this.nestlab++;
      return;
    }
    if ((ev.system !== "" && ev.system !== "kvm") || !KVM_EVENTS.has(ev.name)) {
      const key = ev.system === "" ? ev.name : `${ev.system}:${ev.name}`;
      this.unknown.set(key, (this.unknown.get(key) ?? 0) + 1);
      return;
    }
    try {
      this.kvmEvent(ev);
    } catch (e) {
      if (e instanceof TextError) throw new TraceLineError(n, e.message);
      throw e;
    }
  }

  private vcpu(ev: EventLine): Vcpu {
    let v = this.vcpus.get(ev.tid);
    if (v === undefined) {
      v = { tid: ev.tid, comm: ev.comm, exits: 0, ctx: "unknown", open: undefined, window: undefined, entryNs: -1 };
      this.vcpus.set(ev.tid, v);
    }
    return v;
  }

  private kvmEvent(ev: EventLine): void {
    switch (ev.name) {
      case "kvm_exit": {
        const x = parseKvmExit(ev.text);
        const v = this.vcpu(ev);
        if (v.open !== undefined) this.close(v, undefined);
        v.exits++;
        this.exits++;
        this.byCtx[v.ctx]++;
        if (v.window !== undefined && v.ctx === "hyp") v.window.hypExits++;
        const reason = exitReason(x);
        if (v.entryNs >= 0) {
          let d = this.entryToExit.get(reason);
          if (d === undefined) this.entryToExit.set(reason, (d = new Distribution()));
          d.add(ev.ns - v.entryNs);
          v.entryNs = -1;
        }
        v.open = { ns: ev.ns, ctx: v.ctx, reason, detail: "", handling: "handled" };
        return;
      }
      case "kvm_entry": {
        const v = this.vcpu(ev);
        v.entryNs = ev.ns;
        if (v.open !== undefined) this.close(v, ev.ns);
        if (v.window?.closing) {
          const w = v.window;
          const acc = this.windows.get(w.reason) ?? { d: new Distribution(), hypExits: 0 };
          acc.d.add(ev.ns - w.startNs);
          acc.hypExits += w.hypExits;
          this.windows.set(w.reason, acc);
          v.window = undefined;
        }
        return;
      }
      case "kvm_inject_nested_exception": {
        const x = parseKvmInjectNested(ev.text);
        const v = this.vcpu(ev);
        if (x.direct) {
          this.directInjects++;
          if (v.open !== undefined) v.open.handling = "direct";
          v.ctx = "hyp";
          return;
        }
        this.nestedExceptions++;
        const o = v.open;
        if (o !== undefined) {
          o.handling = "forward";
          // a window: from the forwarded exit to the entry after the nested ERET that ends its handling
          v.window = { reason: o.reason + (o.detail ? " " + o.detail : ""), startNs: o.ns, hypExits: 0, closing: false };
        }
        v.ctx = "hyp";
        return;
      }
      case "kvm_nested_eret": {
        const x = parseKvmNestedEret(ev.text);
        const v = this.vcpu(ev);
        this.nestedErets++;
        if (v.open !== undefined) v.open.handling = "eret";
        if (!x.toHyp) {
          v.ctx = "nested";
          if (v.window !== undefined) v.window.closing = true;
        }
        return;
      }
      case "kvm_sys_access":
      case "kvm_forward_sysreg_trap": {
        const fwd = ev.name === "kvm_forward_sysreg_trap";
        const x = fwd ? parseKvmForwardSysregTrap(ev.text) : parseKvmSysAccess(ev.text);
        const o = this.vcpu(ev).open;
        if (o === undefined) return;
        const reg = x.name || SYSREG_BY_ENCODING.get(x.encoding) || `(${x.encoding})`;
        o.detail = `${reg} ${x.write ? "W" : "R"}`;
        o.sysreg = { reg, encoding: x.encoding, write: x.write, handling: fwd ? "forwarded" : "emulated" };
        return;
      }
      case "kvm_wfx_arm64": {
        const x = parseKvmWfx(ev.text);
        const o = this.vcpu(ev).open;
        if (o !== undefined) o.detail = x;
        return;
      }
      case "kvm_mmio": {
        const x = parseKvmMmio(ev.text);
        const o = this.vcpu(ev).open;
        if (o !== undefined) {
          if (x === "unsatisfied-read" || x === "write") o.mmio = o.mmio ?? "mmio";
          if (x === "read" && o.handling !== "user") o.mmio = "mmio-kernel";
          o.detail = o.handling === "user" ? "mmio-user" : (o.mmio ?? "mmio");
        }
        return;
      }
      case "kvm_userspace_exit": {
        parseKvmUserspaceExit(ev.text);
        this.userspaceExits++;
        const o = this.vcpu(ev).open;
        if (o !== undefined) {
          o.handling = "user";
          if (o.reason === "DABT_LOW") o.detail = "mmio-user";
        }
        return;
      }
      case "kvm_guest_fault": {
        const o = this.vcpu(ev).open;
        if (o !== undefined && o.detail === "") o.detail = "fault";
        return;
      }
      case "kvm_hvc_arm64":
      case "kvm_handle_sys_reg":
        return;
      default:
        this.unused.set(ev.name, (this.unused.get(ev.name) ?? 0) + 1);
    }
  }

  /** Closes the vcpu's open exit at `entryNs` (undefined: a kvm_exit came first, its time is unknown). */
  private close(v: Vcpu, entryNs: number | undefined): void {
    const o = v.open!;
    v.open = undefined;
    if (o.reason === "DABT_LOW" && o.detail === "mmio") o.detail = "mmio-kernel";
    const key = `${o.ctx} ${o.reason}${o.detail ? " " + o.detail : ""} ${o.handling}`;
    let k = this.kinds.get(key);
    if (k === undefined) {
      k = { ctx: o.ctx, reason: o.reason, detail: o.detail, handling: o.handling, d: new Distribution(), untimed: 0 };
      this.kinds.set(key, k);
    }
    let r = this.reasons.get(o.reason);
    if (r === undefined) {
      r = { d: new Distribution(), count: 0 };
      this.reasons.set(o.reason, r);
    }
    r.count++;
    if (o.sysreg !== undefined) {
      const s = o.sysreg;
      const sk = `${s.reg}\u0000${s.write ? "W" : "R"}\u0000${s.handling}\u0000${o.ctx}`;
      const row = this.sysregs.get(sk) ?? { reg: s.reg, encoding: s.encoding, access: s.write ? "write" : "read", handling: s.handling, ctx: o.ctx, count: 0 };
      row.count++;
      this.sysregs.set(sk, row);
    }
    if (entryNs === undefined) {
      k.untimed++;
      this.unmatchedExits++;
      return;
    }
    const ns = entryNs - o.ns;
    k.d.add(ns);
    r.d.add(ns);
    this.timed++;
  }

  /** The summary; `truncated`: the input ended inside a line (a named warning). */
  finish(truncated = false): ImportSummary {
    // exits still open at the end have no time
    for (const v of this.vcpus.values()) if (v.open !== undefined) this.close(v, undefined);
    if (this.events === 0) throw new TraceLineError(this.lines, `no events: accepted ${ACCEPTED}`);
    const seconds = this.lastNs > this.firstNs ? (this.lastNs - this.firstNs) / 1e9 : 0;
    const nv = Math.max(1, [...this.vcpus.values()].filter((v) => v.exits > 0).length);
    const rate = (count: number): number => (seconds > 0 ? count / seconds / nv : 0);
    const timing = (d: Distribution): Timing => d.summary();
    const warnings = [...this.warnings];
    if (truncated) warnings.push(`${this.source}: truncated: the last line ends without a newline and was dropped`);
    if (this.lost > 0) warnings.push(`${this.source}: ${this.lost} events lost by the recorder (CPU buffer overruns): counts are lower bounds`);
    if (this.unmatchedExits > 0) warnings.push(`${this.source}: ${this.unmatchedExits} kvm_exit without a following kvm_entry on the same thread: counted, not timed`);
    if (this.digits === 6) warnings.push(`${this.source}: timestamps in microseconds: each exit's time is quantised to 1 us (trace-cmd report -t, perf script --ns print nanoseconds)`);
    if (this.exits === 0) warnings.push(`${this.source}: no kvm_exit events: record with -e kvm (trace-cmd) or -e 'kvm:*' (perf)`);
    else if (seconds < RATE_MIN_SECONDS || this.exits < RATE_MIN_EXITS) {
      warnings.push(
        `${this.source}: the recording spans ${formatDuration(seconds, 4)} with ${this.exits.toLocaleString("en-US")} kvm exits (rates need at least ${RATE_MIN_SECONDS} s and ${RATE_MIN_EXITS.toLocaleString("en-US")} exits): ` +
          `the per-second rates (exits/s, per s) extrapolate from too little time to mean much`,
      );
    }
    const sortRows = <T extends { readonly count: number }>(rows: T[], key: (r: T) => string): T[] =>
      rows.sort((a, b) => b.count - a.count || (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    const reasons = sortRows(
      [...this.reasons].map(([reason, r]): ReasonRow => ({ reason, ...timing(r.d), count: r.count, perSecond: rate(r.count), share: r.count / this.exits })),
      (r) => r.reason,
    );
    const entryToExit = sortRows(
      [...this.entryToExit].map(([reason, d]): ReasonRow => ({ reason, ...timing(d), perSecond: rate(d.count), share: d.count / this.exits })),
      (r) => r.reason,
    );
    const kinds = sortRows(
      [...this.kinds].map(([kind, k]): ExitKindRow => ({ kind, ctx: k.ctx, reason: k.reason, detail: k.detail, handling: k.handling, ...timing(k.d), count: k.d.count + k.untimed, perSecond: rate(k.d.count + k.untimed) })),
      (r) => r.kind,
    );
    const windows = sortRows(
      [...this.windows].map(([reason, w]): WindowRow => ({ reason, ...timing(w.d), perSecond: rate(w.d.count), hypExitsPerWindow: w.hypExits / w.d.count })),
      (r) => r.reason,
    );
    const sysregs = sortRows(
      [...this.sysregs.values()].map((s): SysregRow => ({ ...s, perSecond: rate(s.count) })),
      (r) => `${r.reg} ${r.access} ${r.handling} ${r.ctx}`,
    );
    const named = (m: Map<string, number>): NamedCount[] => sortRows([...m].map(([name, count]) => ({ name, count })), (r) => r.name);
    const nestedExits = this.byCtx.nested;
    return {
      source: this.source,
      format: this.sawPerf && !this.sawTraceCmd ? "perf-script" : "trace-cmd",
      lines: this.lines,
      events: this.events,
      seconds,
      cpus: [...this.cpus].sort((a, b) => a - b),
      vcpus: [...this.vcpus.values()].filter((v) => v.exits > 0).sort((a, b) => a.tid - b.tid).map((v) => ({ tid: v.tid, comm: v.comm, exits: v.exits })),
      exits: this.exits,
      timedExits: this.timed,
      nestedExceptions: this.nestedExceptions,
      directInjects: this.directInjects,
      nestedErets: this.nestedErets,
      userspaceExits: this.userspaceExits,
      exitsByContext: { ...this.byCtx },
      perNestedExit:
        nestedExits > 0
          ? { nestedExceptions: this.nestedExceptions / nestedExits, nestedErets: this.nestedErets / nestedExits, hypExits: this.byCtx.hyp / nestedExits }
          : null,
      reasons,
      reasonTimes: "exit-to-entry",
      entryToExit,
      kinds,
      windows,
      sysregs,
      unknownEvents: named(this.unknown),
      unusedKvmEvents: named(this.unused),
      nestlabEvents: this.nestlab,
      lostEvents: this.lost,
      truncated,
      timestampDigits: Math.max(0, this.digits),
      warnings,
      quantileNote: QUANTILE_NOTE,
    };
  }
}
