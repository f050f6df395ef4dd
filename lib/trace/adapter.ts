import { EXCEPTION_CLASSES, type ExceptionClass } from "../arch/exceptions";
import type { SysRegName } from "../arch/sysregs";
import type { EngineEvent } from "../engine/engine";
import type { TrapReason } from "../engine/events";
import type { Machine } from "../engine/machine";
import { type ExitHow, TRACEPOINT_INDEX, type TraceEc, type TraceFields, type TracepointName, type TraceReason, type TraceRecord } from "./tracepoints";

/**
 * Derives tracepoint records from the engine's event stream (Machine.listener), without changing the engine.
 *
 * Slices. Execution is one thread of nested calls, so exceptions and their handling form one tree in time:
 *   trap from k  ⊃  handling at L0, L1, ..., L(owner)   (each level after the one below has ERETed into it)
 *   handling at j  ⊃  traps from j                     (its own trapped accesses, its ERET into its guest)
 * The engine reports beginnings but no ends. An end is inferred from who runs next: while a trap from k is handled
 * only levels below k run, and while level j handles only levels up to j do. So a trap frame from k closes at the
 * first event from a level >= k, a handling frame at j at the first event from a level > j. Each frame's last
 * action is L0's ERET (the exception return), so it ends when that ERET completes: the cycle of L0's last ERET op
 * plus the excReturn unit cost. End records are emitted before the event that revealed them, so records stay in
 * time order.
 *
 * kvm_entry vs kvm_userspace_exit: the engine reports both ERETs of level j's software alike. One that returns to
 * its VMM (KVM_EXIT_MMIO) runs with the VMM task's FP state live (fpsimd_restore_current_state on the way out,
 * LevelState.hostFpLive); the guest is entered only after vcpu_load took the registers (load_fp clears it).
 */

const TRAP = 0;
const HANDLE = 1;

interface Frame {
  readonly kind: typeof TRAP | typeof HANDLE;
  /** trap: the level whose software trapped; handle: the handling level */
  readonly level: number;
  /** the frame closes at the first event from a level >= closeAt */
  readonly closeAt: number;
  readonly begin: number;
  readonly ec: TraceEc;
  readonly reason: TraceReason;
  readonly owner: number;
  /** the trapping level */
  readonly from: number;
  how: ExitHow | "unknown";
}

const I = TRACEPOINT_INDEX;

export type RecordSink = (index: number, rec: TraceRecord) => void;

export class TraceAdapter {
  private readonly stack: Frame[] = [];
  /** cycle at which L0's last ERET completed */
  private lastEretEnd = -1;
  private readonly excReturn: number;

  constructor(
    private readonly m: Machine,
    /** wants[i] != 0: somebody listens to tracepoint i (records are built only then) */
    private readonly wants: Uint8Array,
    private readonly sink: RecordSink,
  ) {
    this.excReturn = m.cfg.costs.excReturn;
  }

  /** The engine listener body. */
  onEvent(e: EngineEvent): void {
    const level = e.type === "trap" ? e.from : e.level;
    const top = this.stack[this.stack.length - 1];
    if (top !== undefined && (level >= top.closeAt || (top.kind === TRAP && level < top.level))) this.settle(level);
    switch (e.type) {
      case "op":
        if (e.res === "native") {
          if (e.op === "eret") this.eret(level, e.eretTo);
        } else if (e.res === "vncr") {
          if (this.wants[I.vncr_access]) this.emit("vncr_access", level, { reg: regOf(e.op), write: e.op.charCodeAt(0) === 87 });
        } else if (e.op === "eret") this.eret(level, e.eretTo);
        else if (this.wants[I.sysreg_trap] && (e.op.charCodeAt(0) === 82 || e.op.charCodeAt(0) === 87) && e.op.charCodeAt(1) === 32) {
          this.emit("sysreg_trap", level, { reg: regOf(e.op), write: e.op.charCodeAt(0) === 87 });
        }
        return;
      case "trap": {
        const ts = this.m.cycles;
        this.stack.push({ kind: TRAP, level, closeAt: level, begin: ts, ec: e.ec, reason: e.reason, owner: e.owner, from: level, how: "unknown" });
        if (this.wants[I.trap_begin]) {
          this.emit("trap_begin", level, { ec: e.ec, esr_ec: esrEc(e.ec), reason: e.reason, owner: e.owner, fp_work: e.fpWork });
        }
        this.openHandle(0, ts);
        return;
      }
      case "exit": {
        const h = this.handling(level);
        if (h) h.how = e.how;
        if (this.wants[I.kvm_exit]) {
          this.emit("kvm_exit", level, { ec: e.ec, esr_ec: esrEc(e.ec), reason: h?.reason ?? "unknown", how: e.how, from: h?.from ?? -1, owner: h?.owner ?? -1 });
        }
        return;
      }
      case "put":
      case "load":
        if (this.wants[e.type === "put" ? I.vcpu_put : I.vcpu_load]) {
          this.emit(e.type === "put" ? "vcpu_put" : "vcpu_load", level, { ctx: e.ctx, fp_elided: e.fpElided });
        }
        return;
      case "nestedException":
        if (this.wants[I.kvm_inject_nested_exception]) {
          const ec = this.handling(level)?.ec ?? "unknown";
          this.emit("kvm_inject_nested_exception", level, { ec, esr_ec: esrEc(ec), type: ec === "IRQ" ? "irq" : "sync", target: level + 1 });
        }
        return;
      case "nestedEret":
        if (this.wants[I.kvm_nested_eret]) this.emit("kvm_nested_eret", level, { from: level + 1 });
        return;
      case "fastEret":
        return;
      case "fpSave":
      case "hostFpSave":
      case "fpRestore":
      case "hostFpRestore": {
        const save = e.type === "fpSave" || e.type === "hostFpSave";
        const host = e.type === "hostFpSave" || e.type === "hostFpRestore";
        if (this.wants[save ? I.fp_save : I.fp_restore]) this.emit(save ? "fp_save" : "fp_restore", level, { state: host ? "host" : "vcpu", bytes: e.bytes });
        if (!host && this.wants[I.kvm_fpu]) this.emit("kvm_fpu", level, { load: save ? "unload" : "load" });
        return;
      }
      case "fpTrap":
        if (this.wants[I.fp_trap]) {
          const h = this.handling(level);
          this.emit("fp_trap", level, { ec: h?.ec ?? "unknown", from: e.from >= 0 ? e.from : (h?.from ?? -1) });
        }
        return;
    }
  }

  /** Closes every open frame (end of a run): their ends are L0's last completed ERET. */
  flush(): void {
    while (this.stack.length > 0) this.close(this.stack.pop()!);
  }

  /** Frames open now (for tests and diagnostics). */
  get openFrames(): number {
    return this.stack.length;
  }

  private current(): Frame | undefined {
    return this.stack[this.stack.length - 1];
  }

  /** the frame of level's part of the handling under way (undefined if the trap began before anyone listened) */
  private handling(level: number): Frame | undefined {
    const h = this.current();
    return h !== undefined && h.kind === HANDLE && h.level === level ? h : undefined;
  }

  private settle(level: number): void {
    let top = this.current();
    while (top !== undefined && level >= top.closeAt) {
      this.stack.pop();
      this.close(top);
      top = this.current();
    }
    // a trap being handled, and a level below it runs: the next level's part of the handling begins
    if (top !== undefined && top.kind === TRAP && level < top.level) {
      this.openHandle(level, this.lastEretEnd >= top.begin ? this.lastEretEnd : this.m.cycles);
    }
  }

  private openHandle(level: number, ts: number): void {
    const t = this.current()!;
    this.stack.push({ kind: HANDLE, level, closeAt: level + 1, begin: ts, ec: t.ec, reason: t.reason, owner: t.owner, from: t.from, how: "unknown" });
    if (this.wants[I.handle_begin]) this.emitAt("handle_begin", level, ts, { ec: t.ec, reason: t.reason, from: t.from });
  }

  private close(f: Frame): void {
    const end = this.lastEretEnd >= f.begin ? this.lastEretEnd : this.m.cycles;
    if (f.kind === TRAP) {
      if (this.wants[I.trap_end]) {
        this.emitAt("trap_end", f.level, end, { ec: f.ec as ExceptionClass, reason: f.reason as TrapReason, owner: f.owner, cycles: end - f.begin });
      }
    } else if (this.wants[I.handle_end]) {
      this.emitAt("handle_end", f.level, end, { ec: f.ec, reason: f.reason, how: f.how, cycles: end - f.begin });
    }
  }

  private eret(level: number, to: "guest" | "inhost" | undefined): void {
    if (level === 0) this.lastEretEnd = this.m.cycles + this.excReturn;
    const lv = this.m.levels[level];
    if (lv === undefined) return;
    if (to === "inhost") {
      if (this.wants[I.kvm_userspace_exit]) this.emit("kvm_userspace_exit", level, { reason: "KVM_EXIT_MMIO" });
    } else if (this.wants[I.kvm_entry]) this.emit("kvm_entry", level, { ctx: lv.ctx });
  }

  private emit<N extends TracepointName>(name: N, level: number, fields: TraceFields<N>): void {
    this.emitAt(name, level, this.m.cycles, fields);
  }

  private emitAt<N extends TracepointName>(name: N, level: number, ts: number, fields: TraceFields<N>): void {
    this.sink(I[name], { name, level, vcpu: 0, ts, fields } as TraceRecord);
  }
}

function regOf(op: string): SysRegName {
  return op.slice(2) as SysRegName;
}

function esrEc(ec: TraceEc): number {
  return ec === "unknown" ? -1 : EXCEPTION_CLASSES[ec].ec;
}
