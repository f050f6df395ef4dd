import { EXCEPTION_CLASS_NAMES } from "../arch/exceptions";
import { COUNTER_FIELDS, type CounterField } from "../engine/counters";
import { FP_DETAIL_FIELDS, type FpDetailField, MECHANISMS, type Mechanism } from "../engine/layout";
import { applyHostEvent, applyLeafEvent, type HostEvent, type LeafEvent } from "../engine/leaf";
import { type EngineKind, Machine } from "../engine/machine";
import { type ModelConfig, validateModelConfig } from "../kvm/config";
import { ConfigError, LimitError } from "../util/errors";
import { describeNumber, type NumberSpec, numberFrom } from "../util/values";
import type { WorkloadProfile } from "../workload/profiles";
import { Rng } from "./rng";

/**
 * A fixed-work run (docs/runs.md "Fixed work"):
 *   1. the leaf's event stream is drawn from the seed in WORK time, independently of the model, so two
 *      configurations execute the identical stream (same I/O exits, IPIs, faults, idle entries, FP-using slices);
 *   2. periodic and asynchronous events (the leaf's timer tick, each guest hypervisor's tick, L0's tick, host
 *      preemption, host kernel-mode NEON) follow SIMULATED WALL time, so a slower configuration takes more of them;
 *   3. events are delivered between leaf events, where both engines step;
 *   4. totals are drained from the machine after every event into exact BigInt accumulators.
 */

/** Defaults of the run-level parameters, each with its one home here. */
export const RUN_DEFAULTS = {
  durationMs: { value: 1000, help: "length of the leaf's work stream in native work time (ms)" },
  guestHypHz: {
    value: 250,
    help: "timer tick of every hypervisor kernel (L0 and each guest hypervisor) in Hz, 0 for tickless (nohz_full); Debian's CONFIG_HZ=250",
  },
} as const;

/**
 * The bounds of the run-level parameters (the command line's options and the sweep axes use these). The shortest run
 * and the slowest clock still give at least 100 cycles of work, so no ratio of a run is ever 0/0.
 */
export const RUN_VALUES = {
  durationMs: { type: "number", min: 0.001, max: 600_000, note: "ms of native work" },
  clockGhz: { type: "number", min: 0.1, max: 10, note: "GHz" },
  seed: { type: "integer", min: 0, max: 2 ** 32 - 1 },
  ioRate: { type: "number", min: 0, max: 1e6, note: "Hz" },
  timerHz: { type: "number", min: 0, max: 10_000, note: "Hz" },
  hypHz: { type: "number", min: 0, max: 10_000, note: "Hz" },
  hostPreemptRate: { type: "number", min: 0, max: 1e6, note: "Hz" },
  hostNeonRate: { type: "number", min: 0, max: 1e6, note: "Hz" },
} as const satisfies Record<string, NumberSpec>;

export interface RunOptions {
  readonly model: ModelConfig;
  /** the model compare runs as its baseline (lib/run/compare.ts); default: `model` with the FP-elision change at no level */
  readonly compareBaseline?: ModelConfig;
  readonly profile: WorkloadProfile;
  /** overrides profile.ioRate */
  readonly ioRate?: number;
  /** overrides profile.timerHz (the leaf's tick; 0: tickless) */
  readonly timerHz?: number;
  /** every hypervisor kernel's tick (L0 and each guest hypervisor), default RUN_DEFAULTS.guestHypHz; 0: tickless */
  readonly hypHz?: number;
  readonly durationMs: number;
  readonly seed: number;
  readonly clockGhz: number;
  readonly hostPreemptRate: number;
  readonly hostNeonRate: number;
  readonly engine?: EngineKind;
  readonly progress?: (done: number, total: number, what: string) => void;
  /**
   * runWorkloadSteps pauses every this many compute slices (1..2048, default 2048; progress is reported after every slice):
   * a traced run, whose slices are slow, pauses after each.
   */
  readonly pauseEvery?: number;
  /**
   * Called once with the machine before the run starts, e.g. to attach a listener (which forces the exact engine:
   * listeners see every operation). A listener may call machine.requestStop() to end the run after the current event.
   */
  readonly instrument?: (m: Machine) => void;
}

export type LevelTotals = { [K in CounterField]: bigint } & { level: number; exitsByClass: Record<string, bigint> };

export interface RunEvents {
  io: number;
  ioUser: number;
  ioIrq: number;
  ipi: number;
  s2fault: number;
  wfi: number;
  fpSlices: number;
  leafTicks: number;
  hypTicks: number;
  hostPreempts: number;
  hostNeon: number;
}

/** One level's FP detail as a run reports it (docs/counters.md "FP detail"). */
export type FpDetailTotals = { [K in FpDetailField]: bigint } & { level: number };

export interface RunResult {
  readonly workload: string;
  readonly depth: number;
  readonly seed: number;
  readonly cycles: bigint;
  readonly seconds: number;
  readonly usefulCycles: bigint;
  /** exceptions the leaf took out of its own context: its stream's events, its timer ticks and its FP/SVE access traps */
  readonly leafExits: bigint;
  /** of leafExits, the FP/SIMD and SVE access traps (the FP-elision change avoids some, so leafExits differs between runs of one stream) */
  readonly leafFpTraps: bigint;
  readonly l0Traps: bigint;
  readonly fpTraps: bigint;
  readonly fpSaves: bigint;
  readonly fpRestores: bigint;
  readonly nestedExceptions: bigint;
  readonly nestedErets: bigint;
  readonly byLevel: readonly LevelTotals[];
  /** cycles by the level whose software ran (0..depth, depth = the leaf) and mechanism */
  readonly attribution: readonly { level: number; mechanism: Mechanism; cycles: bigint }[];
  /** inclusive cycles of FP traps (outermost ones, and how many), FP saves/restores and ZCR switching */
  readonly fpInclusive: { trap: bigint; traps: bigint; save: bigint; restore: bigint; zcr: bigint };
  /**
   * FP detail: `moves`, the cycles of every FP/SVE register-file transfer; per hypervisor level, the outermost FP frames
   * by kind (saves, host restores, ZCR switching, FP traps handled there) each with the transfer cycles inside it, the
   * FP traps handled, and put_fp/load_fp's own work outside any frame
   */
  readonly fpDetail: { moves: bigint; byLevel: readonly FpDetailTotals[] };
  /**
   * the wall-time events (ticks, host preemption and NEON): how many were delivered, their inclusive cycles, and of
   * those the cycles inside FP frames and put_fp/load_fp's own work
   */
  readonly wallEvents: { count: number; cycles: bigint; fpCycles: bigint };
  readonly events: RunEvents;
  /** true when a listener stopped the run early (the totals cover the work done until then) */
  readonly stopped: boolean;
}

type LeafEventKind = "io" | "ipi" | "s2fault" | "wfi";

class Totals {
  cycles = 0n;
  byLevel: { c: bigint[]; ec: bigint[] }[];
  attribution: bigint[][];
  fp = { trap: 0n, traps: 0n, save: 0n, restore: 0n, zcr: 0n };
  fpMoves = 0n;
  fpDetail: bigint[][];
  constructor(depth: number) {
    this.fpDetail = Array.from({ length: depth }, () => FP_DETAIL_FIELDS.map(() => 0n));
    this.byLevel = Array.from({ length: depth }, () => ({
      c: COUNTER_FIELDS.map(() => 0n),
      ec: EXCEPTION_CLASS_NAMES.map(() => 0n),
    }));
    this.attribution = Array.from({ length: depth + 1 }, () => MECHANISMS.map(() => 0n));
  }
  drain(m: Machine): void {
    this.fpDrained += m.fpWorkCycles();
    const d = m.drain();
    this.cycles += BigInt(d.cycles);
    d.counters.forEach((c, j) => {
      const t = this.byLevel[j]!;
      COUNTER_FIELDS.forEach((f, i) => {
        if (c[f] !== 0) t.c[i]! += BigInt(c[f]);
      });
      EXCEPTION_CLASS_NAMES.forEach((ec, i) => {
        const v = c.exitsByClass[ec];
        if (v) t.ec[i]! += BigInt(v);
      });
    });
    d.attribution.forEach((row, j) => row.forEach((v, i) => v !== 0 && (this.attribution[j]![i]! += BigInt(v))));
    this.fp.trap += BigInt(d.fpInclusive.trap);
    this.fp.traps += BigInt(d.fpInclusive.traps);
    this.fp.save += BigInt(d.fpInclusive.save);
    this.fp.restore += BigInt(d.fpInclusive.restore);
    this.fp.zcr += BigInt(d.fpInclusive.zcr);
    this.fpMoves += BigInt(d.fpDetail.moves);
    d.fpDetail.byLevel.forEach((row, j) => FP_DETAIL_FIELDS.forEach((f, i) => row[f] !== 0 && (this.fpDetail[j]![i]! += BigInt(row[f]))));
  }
  /** FP frame cycles and put_fp's own work drained so far (a float: only differences of fpSoFar are kept) */
  fpDrained = 0;
  /** FP frame cycles and put_fp's own work so far, drained or not */
  fpSoFar(m: Machine): number {
    return this.fpDrained + m.fpWorkCycles();
  }
}

/** Wall-time event sources, each with the simulated cycle at which it next fires. */
interface Periodic {
  readonly name: "leafTick" | "hypTick" | "hostPreempt" | "hostNeon";
  readonly level: number;
  next: number;
  readonly period: () => number;
}

export function validateRunOptions(o: RunOptions): void {
  validateModelConfig(o.model);
  const check = (field: string, v: number | undefined, spec: NumberSpec): void => {
    if (v !== undefined && numberFrom(v, spec) === undefined) throw new ConfigError(field, String(v), describeNumber(spec));
  };
  check("duration-ms", o.durationMs, RUN_VALUES.durationMs);
  check("clock-ghz", o.clockGhz, RUN_VALUES.clockGhz);
  check("seed", o.seed, RUN_VALUES.seed);
  check("io-rate", o.ioRate, RUN_VALUES.ioRate);
  check("timer-hz", o.timerHz, RUN_VALUES.timerHz);
  check("hyp-hz", o.hypHz, RUN_VALUES.hypHz);
  check("host-preempt-rate", o.hostPreemptRate, RUN_VALUES.hostPreemptRate);
  check("host-neon-rate", o.hostNeonRate, RUN_VALUES.hostNeonRate);
}

/** Runs a fixed-work run to its end (runWorkloadSteps without pauses). */
export function runWorkload(o: RunOptions): RunResult {
  const steps = runWorkloadSteps(o);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * A fixed-work run as a generator: it pauses (yields) every `pauseEvery` compute slices (and leaf events), so that a
 * caller can let its event loop turn during a long run (signals, a closed pipe: lib/trace/run.ts); the result is the
 * generator's return value. runWorkload drives it without pausing.
 */
export function* runWorkloadSteps(o: RunOptions): Generator<void, RunResult, void> {
  validateRunOptions(o);
  const pauseEvery = Math.max(1, Math.min(2048, Math.floor(o.pauseEvery ?? 2048)));
  const cfg = o.model;
  const d = cfg.depth;
  const m = new Machine(cfg, { engine: o.engine ?? "fast" });
  o.instrument?.(m);
  const clock = o.clockGhz * 1e9;
  const p = o.profile;
  const ioRate = o.ioRate ?? p.ioRate;
  const totalWork = Math.round((o.durationMs / 1000) * clock);
  const work = new Rng(o.seed, 1); // the leaf's stream: work time only
  const async = new Rng(o.seed, 2); // asynchronous host events: wall time
  const rates: [LeafEventKind, number][] = [
    ["io", ioRate],
    ["ipi", p.ipiRate],
    ["s2fault", p.s2FaultRate],
    ["wfi", p.wfiRate],
  ];
  const rateSum = rates.reduce((s, [, r]) => s + r, 0);
  const meanGap = rateSum > 0 ? clock / rateSum : Number.POSITIVE_INFINITY;

  const ev: RunEvents = { io: 0, ioUser: 0, ioIrq: 0, ipi: 0, s2fault: 0, wfi: 0, fpSlices: 0, leafTicks: 0, hypTicks: 0, hostPreempts: 0, hostNeon: 0 };
  const totals = new Totals(d);
  let drained = 0; // cycles moved out of the machine so far (float: only used to schedule wall-time events)
  const wall = { count: 0, cycles: 0n, fpCycles: 0n };

  const periodic: Periodic[] = [];
  const timerHz = o.timerHz ?? p.timerHz;
  if (timerHz > 0) periodic.push({ name: "leafTick", level: d, next: clock / timerHz, period: () => clock / timerHz });
  const hz = o.hypHz ?? RUN_DEFAULTS.guestHypHz.value;
  for (let j = 0; j < d && hz > 0; j++) {
    // stagger the hypervisors' ticks so they do not coincide
    periodic.push({ name: "hypTick", level: j, next: (clock / hz) * ((j + 1) / (d + 1)), period: () => clock / hz });
  }
  if (o.hostPreemptRate > 0) {
    const mean = clock / o.hostPreemptRate;
    periodic.push({ name: "hostPreempt", level: 0, next: async.exp(mean), period: () => async.exp(mean) });
  }
  if (o.hostNeonRate > 0) {
    const mean = clock / o.hostNeonRate;
    periodic.push({ name: "hostNeon", level: 0, next: async.exp(mean), period: () => async.exp(mean) });
  }

  // the machine's float totals stay exact below 2^53: drain them into BigInt well before (one event adds < 2^50)
  const DRAIN_AT = 2 ** 51;
  /** simulated cycles so far */
  const wallNow = (): number => drained + m.cycles;
  /** after each machine operation: move the totals out before the machine's doubles could lose exactness */
  const settle = (): void => {
    if (m.cycles > DRAIN_AT) {
      drained += m.cycles;
      totals.drain(m);
    }
  };
  /** a leaf event, settling after each machine operation */
  const leaf = (e: LeafEvent): void => applyLeafEvent(m, e, settle);
  /** a host event owned by level j, then settle */
  const host = (e: HostEvent, j: number): void => {
    applyHostEvent(m, e, j);
    settle();
  };

  const deliver = (pe: Periodic): void => {
    // its inclusive cycles (exact: the machine's cycles since the last drain, plus what settle drains meanwhile)
    const drainedBefore = totals.cycles;
    const cyclesBefore = m.cycles;
    const fpBefore = totals.fpSoFar(m);
    deliverOne(pe);
    wall.count++;
    wall.cycles += totals.cycles - drainedBefore + BigInt(m.cycles) - BigInt(cyclesBefore);
    wall.fpCycles += BigInt(Math.round(totals.fpSoFar(m) - fpBefore));
  };
  const deliverOne = (pe: Periodic): void => {
    switch (pe.name) {
      case "leafTick":
        ev.leafTicks++;
        leaf("timer");
        break;
      case "hypTick":
        ev.hypTicks++;
        host("tick", pe.level);
        break;
      case "hostPreempt":
        ev.hostPreempts++;
        host("preempt", 0);
        break;
      case "hostNeon":
        ev.hostNeon++;
        host("neon", 0);
        break;
    }
    pe.next += pe.period();
    // a periodic tick that fell due while the previous one was handled is not replayed: the kernel's tick
    // hrtimer forwards past missed periods (hrtimer_forward in tick_sched_timer); likewise for host events
    const wall = wallNow();
    if (pe.next <= wall) {
      const period = pe.period();
      pe.next += Math.ceil((wall - pe.next) / period + 1e-9) * period;
      if (pe.next <= wall) pe.next = wall + period;
    }
  };

  /**
   * Run `cycles` of native leaf work, delivering every wall-time event that falls inside it. When handling the
   * periodic events takes longer than their periods, the leaf never runs again (a livelock, as the real system
   * would show): detected after LIVELOCK_EVENTS deliveries without any work, and reported as an error.
   */
  const LIVELOCK_EVENTS = 10_000;
  let starved = 0;
  const compute = (cycles: number): void => {
    let left = cycles;
    for (;;) {
      let first: Periodic | undefined;
      for (const pe of periodic) if (!first || pe.next < first.next) first = pe;
      const wall = wallNow();
      if (!first || wall + left < first.next) {
        if (left > 0) m.leafWork(left);
        settle();
        starved = 0;
        return;
      }
      const adv = Math.max(0, Math.min(left, Math.floor(first.next - wall)));
      if (adv > 0) {
        m.leafWork(adv);
        settle();
        starved = 0;
      } else if (++starved > LIVELOCK_EVENTS) {
        throw new LimitError(
          "depth",
          `livelock: at this configuration the timer ticks and host events cost more than their periods ` +
            `(${LIVELOCK_EVENTS} deliveries without any leaf work); the leaf makes no progress ` +
            `(tickless kernels: --hyp-hz 0 or --timer-hz 0; ${cfg.nv2 ? "or" : "or NV2, or"} a smaller depth)`,
        );
      }
      left -= adv;
      deliver(first);
    }
  };

  let done = 0;
  let slices = 0;
  while (done < totalWork && !m.stopRequested) {
    // a compute slice up to the next leaf event; it starts by touching FP/SIMD with probability fpUse
    const gap = Math.max(1, Math.round(work.exp(meanGap)));
    const usesFp = work.next() < p.fpUse;
    const pick = work.next() * rateSum;
    const u1 = work.next();
    const u2 = work.next();
    const slice = Math.min(gap, totalWork - done);
    if (usesFp) {
      ev.fpSlices++;
      leaf("fp");
    }
    compute(slice);
    done += slice;
    if (done >= totalWork) break;
    let acc = 0;
    let kind: LeafEventKind = "io";
    for (const [k, r] of rates) {
      acc += r;
      if (pick < acc) {
        kind = k;
        break;
      }
    }
    switch (kind) {
      case "io":
        ev.io++;
        if (u1 < p.ioUserFraction) {
          ev.ioUser++;
          leaf("mmio-user");
        } else leaf("mmio-kernel");
        if (u2 < p.ioIrqFraction) {
          // the device's completion interrupt
          ev.ioIrq++;
          leaf("ipi-irq");
        }
        break;
      case "ipi":
        ev.ipi++;
        leaf("ipi");
        break;
      case "s2fault":
        ev.s2fault++;
        leaf("s2fault");
        break;
      case "wfi":
        ev.wfi++;
        leaf("wfi");
        break;
    }
    // progress after every slice (the printer decides what to show: lib/cli/progress.ts), so a run whose slices are
    // slow (deep nesting, the exact engine) reports from its first second on
    o.progress?.(Math.floor((done / totalWork) * 1000), 1000, "run work");
    if (++slices % pauseEvery === 0) yield;
  }
  o.progress?.(1000, 1000, "run work");
  totals.drain(m);

  const byLevel: LevelTotals[] = totals.byLevel.map((t, level) => {
    const row = { level, exitsByClass: {} } as LevelTotals;
    COUNTER_FIELDS.forEach((f, i) => (row[f] = t.c[i]!));
    EXCEPTION_CLASS_NAMES.forEach((ec, i) => {
      if (t.ec[i]! !== 0n) row.exitsByClass[ec] = t.ec[i]!;
    });
    return row;
  });
  const sum = (f: CounterField): bigint => byLevel.reduce((s, r) => s + r[f], 0n);
  const attribution: { level: number; mechanism: Mechanism; cycles: bigint }[] = [];
  totals.attribution.forEach((row, level) =>
    row.forEach((v, i) => {
      if (v !== 0n) attribution.push({ level, mechanism: MECHANISMS[i]!, cycles: v });
    }),
  );
  return {
    workload: p.name,
    depth: d,
    seed: o.seed,
    cycles: totals.cycles,
    seconds: Number(totals.cycles) / clock,
    usefulCycles: BigInt(totalWork),
    leafExits: BigInt(m.leafExits),
    leafFpTraps: BigInt(m.leafFpTraps),
    l0Traps: byLevel[0]!.l0Traps,
    fpTraps: sum("fpTraps"),
    fpSaves: sum("fpSaves"),
    fpRestores: sum("fpRestores"),
    nestedExceptions: sum("nestedExceptions"),
    nestedErets: sum("nestedErets"),
    byLevel,
    attribution,
    fpInclusive: totals.fp,
    fpDetail: {
      moves: totals.fpMoves,
      byLevel: totals.fpDetail.map((row, level) => {
        const out = { level } as FpDetailTotals;
        FP_DETAIL_FIELDS.forEach((f, i) => (out[f] = row[i]!));
        return out;
      }),
    },
    wallEvents: wall,
    events: ev,
    stopped: m.stopRequested,
  };
}
