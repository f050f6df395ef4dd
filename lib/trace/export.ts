import { TRACEPOINTS, type TracepointDef, type TraceRecord } from "./tracepoints";

/**
 * Trace export.
 *
 * Chrome trace-event JSON (the Trace Event Format Perfetto and chrome://tracing open): one process, one thread
 * (track) per level, tid = level + 1 (tid 0 is left to the idle thread), thread names "L0 host", "L1 guest
 * hypervisor", ..., "Ld leaf guest". trap_begin/trap_end and handle_begin/handle_end become balanced "B"/"E" slices
 * (in time order per track, so equal timestamps keep their nesting); other records become thread-scoped instant
 * events ("i", s = "t") carrying their fields as args. ts is in microseconds: cycles / clock, rounded to the
 * nanosecond (monotonic, so nesting survives the rounding).
 *
 * ftrace text in the style of `trace-cmd report`: `comm-pid [cpu] secs.nanosecs: event: field=value ...`.
 */

export interface ChromeTraceEvent {
  readonly name: string;
  readonly ph: "B" | "E" | "i" | "M";
  readonly ts: number;
  readonly pid: number;
  readonly tid: number;
  readonly cat?: string;
  readonly s?: "t";
  readonly args?: { readonly [k: string]: string | number | boolean };
}

export interface ChromeTrace {
  readonly displayTimeUnit: "ns";
  readonly otherData: { readonly [k: string]: string | number | boolean };
  readonly traceEvents: readonly ChromeTraceEvent[];
}

export interface ChromeTraceOptions {
  /** converts cycles to time */
  readonly clockGhz: number;
  /** the leaf's level (names the tracks) */
  readonly depth: number;
  /** write non-slice records as instant events (default true) */
  readonly instants?: boolean;
  /** shown under otherData */
  readonly metadata?: { readonly [k: string]: string | number | boolean };
}

export const CHROME_PID = 1;

export function levelTid(level: number): number {
  return level + 1;
}

export function levelTrackName(level: number, depth: number): string {
  return level === 0 ? "L0 host" : level === depth ? `L${level} leaf guest` : `L${level} guest hypervisor`;
}

/** integer nanoseconds of a cycle count (rounded: monotonic in cycles) */
export function cyclesToNs(cycles: number, clockGhz: number): number {
  return Math.round(cycles / clockGhz);
}

/** A record's fields as printable values: hex fields as 0x.., the rest as they are. */
export function fieldArgs(rec: TraceRecord): { [k: string]: string | number | boolean } {
  const def: TracepointDef = TRACEPOINTS[rec.name];
  const out: { [k: string]: string | number | boolean } = {};
  for (const [k, v] of Object.entries(rec.fields) as [string, string | number | boolean][]) {
    out[k] = def.fields[k]?.kind === "hex" && typeof v === "number" ? hexOf(v) : v;
  }
  return out;
}

/** a hex field; negative is "none" (an interrupt has no ESR exception class: lib/arch/exceptions.ts IRQ) */
function hexOf(v: number): string {
  return v < 0 ? "none" : "0x" + v.toString(16);
}

/**
 * Streams records as Chrome trace-event JSON through `write` (bounded memory: only the open slices are kept).
 * end() closes slices left open (at the last timestamp seen) so the file is always balanced.
 */
export class ChromeTraceWriter {
  private readonly open: string[][] = [];
  private lastTs = 0;
  private first = true;
  private ended = false;
  /** the last trapping sysreg access, to name the slice of the trap it causes */
  private lastSysreg: { level: number; ts: number; label: string } | undefined;
  /** trace events written (metadata included) */
  events = 0;

  constructor(
    private readonly write: (chunk: string) => void,
    private readonly opts: ChromeTraceOptions,
  ) {
    const other = { generator: "nestlab", clockGhz: opts.clockGhz, depth: opts.depth, ...(opts.metadata ?? {}) };
    write(`{"displayTimeUnit":"ns","otherData":${JSON.stringify(other)},"traceEvents":[\n`);
    this.put({ name: "process_name", ph: "M", ts: 0, pid: CHROME_PID, tid: 0, args: { name: `nestlab depth ${opts.depth}` } });
    for (let l = 0; l <= opts.depth; l++) {
      this.put({ name: "thread_name", ph: "M", ts: 0, pid: CHROME_PID, tid: levelTid(l), args: { name: levelTrackName(l, opts.depth) } });
      this.put({ name: "thread_sort_index", ph: "M", ts: 0, pid: CHROME_PID, tid: levelTid(l), args: { sort_index: l } });
    }
  }

  add(rec: TraceRecord): void {
    const ts = cyclesToNs(rec.ts, this.opts.clockGhz) / 1000;
    if (ts > this.lastTs) this.lastTs = ts;
    const tid = levelTid(rec.level);
    switch (rec.name) {
      case "trap_begin": {
        const f = rec.fields;
        const s = this.lastSysreg;
        const what = s && s.level === rec.level && s.ts === rec.ts ? s.label : f.reason;
        this.begin(tid, `${f.ec} ${what} -> L${f.owner}`, ts, "nestlab", fieldArgs(rec));
        return;
      }
      case "handle_begin":
        this.begin(tid, `L${rec.level}: ${rec.fields.ec} ${rec.fields.reason} from L${rec.fields.from}`, ts, "nestlab", fieldArgs(rec));
        return;
      case "trap_end":
      case "handle_end":
        this.end(tid, ts, fieldArgs(rec));
        return;
      case "sysreg_trap":
        this.lastSysreg = { level: rec.level, ts: rec.ts, label: `${rec.fields.write ? "W" : "R"} ${rec.fields.reg}` };
        break;
    }
    if (this.opts.instants ?? true) {
      this.put({ name: rec.name, ph: "i", s: "t", cat: TRACEPOINTS[rec.name].group, ts, pid: CHROME_PID, tid, args: fieldArgs(rec) });
    }
  }

  /** Closes open slices and the JSON document. */
  finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.open.forEach((names, tid) => {
      while (names.length > 0) this.put({ name: names.pop()!, ph: "E", ts: this.lastTs, pid: CHROME_PID, tid });
    });
    this.write("\n]}\n");
  }

  private begin(tid: number, name: string, ts: number, cat: string, args: ChromeTraceEvent["args"]): void {
    (this.open[tid] ??= []).push(name);
    this.put({ name, ph: "B", cat, ts, pid: CHROME_PID, tid, ...(args ? { args } : {}) });
  }

  private end(tid: number, ts: number, args: ChromeTraceEvent["args"]): void {
    const name = this.open[tid]?.pop();
    if (name === undefined) return; // its begin came before anyone listened
    this.put({ name, ph: "E", ts, pid: CHROME_PID, tid, ...(args ? { args } : {}) });
  }

  private put(ev: ChromeTraceEvent): void {
    this.write((this.first ? "" : ",\n") + JSON.stringify(ev));
    this.first = false;
    this.events++;
  }
}

/** Records to a Chrome trace object (in memory: for tests and notebooks; the CLI streams with ChromeTraceWriter). */
export function chromeTrace(records: Iterable<TraceRecord>, opts: ChromeTraceOptions): ChromeTrace {
  let text = "";
  const w = new ChromeTraceWriter((c) => void (text += c), opts);
  for (const r of records) w.add(r);
  w.finish();
  return JSON.parse(text) as ChromeTrace;
}

// ---------------------------------------------------------------------------------------------------------------------
// ftrace text

/** `secs.nanosecs` of a cycle count */
export function ftraceTimestamp(cycles: number, clockGhz: number): string {
  const ns = cyclesToNs(cycles, clockGhz);
  return `${Math.floor(ns / 1e9)}.${String(ns % 1e9).padStart(9, "0")}`;
}

/** One record as a `trace-cmd report` line (no newline). */
export function formatFtrace(rec: TraceRecord, clockGhz: number): string {
  const args = fieldArgs(rec);
  let fields = `level=${rec.level}`;
  for (const k in args) {
    const v = args[k]!;
    fields += ` ${k}=${typeof v === "boolean" ? (v ? 1 : 0) : v}`;
  }
  return `${"nestlab".padStart(16)}-${String(rec.vcpu).padEnd(5)} [000] ${ftraceTimestamp(rec.ts, clockGhz).padStart(14)}: ${(rec.name + ":").padEnd(28)} ${fields}`;
}

/** the header line trace-cmd report prints first */
export const FTRACE_HEADER = "cpus=1\n";

/** Records as ftrace text (header included). */
export function ftraceText(records: Iterable<TraceRecord>, clockGhz: number): string {
  let out = FTRACE_HEADER;
  for (const r of records) out += formatFtrace(r, clockGhz) + "\n";
  return out;
}
