import type * as Aq from "arquero";
import { MECHANISMS, type Mechanism } from "../engine/layout";
import type { Machine } from "../engine/machine";
import { type Disposer, subscribe, type TraceSelector } from "./bus";
import { recordKey, TRACEPOINTS, type TracepointName, type TraceRecord } from "./tracepoints";

/** arquero, loaded on first use: it costs ~150 ms of CPU at start-up, and most commands never need it */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const aq = (): typeof Aq => require("arquero") as typeof Aq;

/**
 * Collectors: each takes records (`add`, usable with any record source, live or replayed) and `attach`es to a
 * machine through the bus. Their results are plain frozen data (or arquero tables).
 */

export interface Collector {
  add(rec: TraceRecord): void;
}

/** Subscribes a collector to a machine's tracepoints; returns the disposer. */
export function attach(machine: Machine, collector: Collector, selector: TraceSelector | readonly TraceSelector[] = "*"): Disposer {
  return subscribe(machine, selector, (rec) => collector.add(rec));
}

// ---------------------------------------------------------------------------------------------------------------------
// Counters by (level, event, reason)

export interface CounterRow {
  readonly level: number;
  readonly event: TracepointName;
  /** the value of the tracepoint's key field (kvm_exit: the exception class; "" when it has none) */
  readonly reason: string;
  readonly count: number;
}

/** Counts records by (level, tracepoint, key field): the same counts as the engine's counters (tested). */
export class CounterCollector implements Collector {
  private readonly counts = new Map<string, { level: number; event: TracepointName; reason: string; count: number }>();

  readonly add = (rec: TraceRecord): void => {
    const reason = recordKey(rec);
    const k = `${rec.level}\u0000${rec.name}\u0000${reason}`;
    const c = this.counts.get(k);
    if (c) c.count++;
    else this.counts.set(k, { level: rec.level, event: rec.name, reason, count: 1 });
  };

  /** the count for (level, event), for one reason or summed over all */
  get(level: number, event: TracepointName, reason?: string): number {
    if (reason !== undefined) return this.counts.get(`${level}\u0000${event}\u0000${reason}`)?.count ?? 0;
    let n = 0;
    for (const c of this.counts.values()) if (c.level === level && c.event === event) n += c.count;
    return n;
  }

  /** the count of an event summed over levels (and reasons, unless given) */
  total(event: TracepointName, reason?: string): number {
    let n = 0;
    for (const c of this.counts.values()) if (c.event === event && (reason === undefined || c.reason === reason)) n += c.count;
    return n;
  }

  /** rows ordered by level, tracepoint declaration order, reason */
  rows(): readonly CounterRow[] {
    const order = Object.keys(TRACEPOINTS);
    const rows = [...this.counts.values()].map((c) => Object.freeze({ ...c }));
    rows.sort((a, b) => a.level - b.level || order.indexOf(a.event) - order.indexOf(b.event) || (a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0));
    return Object.freeze(rows);
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// kvm_stat / perf kvm stat-like summary

export interface StatExitRow {
  readonly level: number;
  readonly ec: string;
  readonly reason: string;
  readonly count: number;
  /** share of this level's exits */
  readonly share: number;
  /** cycles from this level's exit to the completed re-entry into its guest, nested traps included */
  readonly cycles: number;
  /** share of this level's exit-handling cycles */
  readonly cycleShare: number;
  readonly minCycles: number;
  readonly maxCycles: number;
  readonly avgCycles: number;
}

export interface StatEventRow {
  readonly level: number;
  readonly event: TracepointName;
  readonly count: number;
}

export interface StatSummary {
  /** exits by level and reason (exception class, then the model's finer reason), most cycles first within a level */
  readonly exits: readonly StatExitRow[];
  /** every tracepoint's count by level (as kvm_stat lists events) */
  readonly events: readonly StatEventRow[];
  /** per level: exits and exit-handling cycles */
  readonly levels: readonly { readonly level: number; readonly exits: number; readonly cycles: number }[];
}

/**
 * Exits by level and reason with counts, shares and cycles, as `perf kvm stat report` shows them per VM: here the
 * "VM" is each level's hypervisor, and an exit's time runs until its guest runs again (its handle_* slice).
 */
export class StatCollector implements Collector {
  private readonly exits = new Map<string, { level: number; ec: string; reason: string; count: number; cycles: number; min: number; max: number }>();
  private readonly counter = new CounterCollector();

  readonly add = (rec: TraceRecord): void => {
    this.counter.add(rec);
    if (rec.name !== "handle_end") return;
    const f = rec.fields;
    const k = `${rec.level}\u0000${f.ec}\u0000${f.reason}`;
    const x = this.exits.get(k);
    if (x) {
      x.count++;
      x.cycles += f.cycles;
      if (f.cycles < x.min) x.min = f.cycles;
      if (f.cycles > x.max) x.max = f.cycles;
    } else this.exits.set(k, { level: rec.level, ec: f.ec, reason: f.reason, count: 1, cycles: f.cycles, min: f.cycles, max: f.cycles });
  };

  summary(): StatSummary {
    const levels = new Map<number, { level: number; exits: number; cycles: number }>();
    for (const x of this.exits.values()) {
      const l = levels.get(x.level) ?? { level: x.level, exits: 0, cycles: 0 };
      l.exits += x.count;
      l.cycles += x.cycles;
      levels.set(x.level, l);
    }
    const exits: StatExitRow[] = [...this.exits.values()].map((x) => {
      const l = levels.get(x.level)!;
      return Object.freeze({
        level: x.level,
        ec: x.ec,
        reason: x.reason,
        count: x.count,
        share: x.count / l.exits,
        cycles: x.cycles,
        cycleShare: l.cycles > 0 ? x.cycles / l.cycles : 0,
        minCycles: x.min,
        maxCycles: x.max,
        avgCycles: x.cycles / x.count,
      });
    });
    exits.sort((a, b) => a.level - b.level || b.cycles - a.cycles || b.count - a.count || (a.ec + a.reason < b.ec + b.reason ? -1 : 1));
    const events = new Map<string, { level: number; event: TracepointName; count: number }>();
    for (const r of this.counter.rows()) {
      const k = `${r.level}\u0000${r.event}`;
      const e = events.get(k);
      if (e) e.count += r.count;
      else events.set(k, { level: r.level, event: r.event, count: r.count });
    }
    return Object.freeze({
      exits: Object.freeze(exits),
      events: Object.freeze([...events.values()].map((e) => Object.freeze(e))),
      levels: Object.freeze([...levels.values()].sort((a, b) => a.level - b.level).map((l) => Object.freeze(l))),
    });
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Cycle attribution by (level, mechanism)

export interface AttributionRow {
  readonly level: number;
  readonly mechanism: Mechanism;
  readonly cycles: number | bigint;
}

/**
 * Cycles by the level whose software ran (0..depth, depth = the leaf) and mechanism, as an arquero table with
 * columns level, role (host / guest hypervisor / leaf), mechanism, cycles and share (of the total). Cycles become
 * JavaScript numbers here (exact below 2^53; the run's BigInt totals stay exact in RunResult).
 */
export function attributionTable(rows: readonly AttributionRow[], depth?: number): Aq.ColumnTable {
  const d = depth ?? rows.reduce((m, r) => Math.max(m, r.level), 0);
  const total = rows.reduce((s, r) => s + Number(r.cycles), 0);
  const cols = { level: [] as number[], role: [] as string[], mechanism: [] as string[], cycles: [] as number[], share: [] as number[] };
  const sorted = [...rows].sort((a, b) => a.level - b.level || MECHANISMS.indexOf(a.mechanism) - MECHANISMS.indexOf(b.mechanism));
  for (const r of sorted) {
    const c = Number(r.cycles);
    if (c === 0) continue;
    cols.level.push(r.level);
    cols.role.push(r.level === 0 ? "host" : r.level === d ? "leaf" : "guest hypervisor");
    cols.mechanism.push(r.mechanism);
    cols.cycles.push(c);
    cols.share.push(total > 0 ? c / total : 0);
  }
  return aq().table(cols);
}

/**
 * The cycles a machine's software has run so far, by level and mechanism (the engine's own accounting). Drivers
 * that drain the machine (runWorkload does at the end of a run) move these into their result: use
 * `attributionTable(result.attribution, result.depth)` there.
 */
export function machineAttribution(machine: Machine): readonly AttributionRow[] {
  const out: AttributionRow[] = [];
  machine.attribution.forEach((row, level) =>
    row.forEach((c, i) => {
      if (c !== 0) out.push(Object.freeze({ level, mechanism: MECHANISMS[i]!, cycles: c }));
    }),
  );
  return Object.freeze(out);
}
