import { type ExitHow, TRACEPOINT_NAMES, type TraceRecord } from "../trace/tracepoints";

/** Where a machine's tracepoint records go: (index of the tracepoint in TRACEPOINT_NAMES, record). */
export type TraceSink = (index: number, rec: TraceRecord) => void;

/**
 * A machine's tracepoints (the kernel's static keys and ring buffer, in small): one enabled bit per tracepoint, set by
 * subscriptions (lib/trace/bus.ts), and the sink that receives the records. The engine and the KVM behaviour emit each
 * record at its site, behind `active` (any bit on: one branch when nobody listens) and the tracepoint's own bit
 * (lib/trace/emit.ts). While any tracepoint is on, every trap is stepped (no memo replay), so every record is emitted.
 *
 * Slices: the begin cycle of the trap slice open from each level and of the handling slice open at each level (at most
 * one of each per level at a time: a level does not run while its own exception is handled), and how each level's
 * current handling exits (kvm_exit), for its handle_end. A slice that began before tracing started has no begin
 * (-1) and emits no end.
 */
export class TraceState {
  readonly on = new Uint8Array(TRACEPOINT_NAMES.length);
  active = false;
  sink: TraceSink | undefined;
  readonly trapBegin: Float64Array;
  readonly handleBegin: Float64Array;
  readonly how: (ExitHow | "unknown")[];

  constructor(depth: number) {
    this.trapBegin = new Float64Array(depth + 1).fill(-1);
    this.handleBegin = new Float64Array(depth).fill(-1);
    this.how = Array.from({ length: depth }, () => "unknown" as const);
  }

  /** turns tracepoint `index` on or off; tracing is active while any is on */
  set(index: number, on: boolean): void {
    this.on[index] = on ? 1 : 0;
    const active = this.on.some((b) => b !== 0);
    if (active && !this.active) {
      // slices open before tracing started are not followed
      this.trapBegin.fill(-1);
      this.handleBegin.fill(-1);
    }
    this.active = active;
  }
}
