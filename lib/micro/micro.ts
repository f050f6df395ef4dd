import { COUNTER_FIELDS, type CounterField, diffLevelCounters } from "../engine/counters";
import { applyLeafEvent, type LeafEvent } from "../engine/leaf";
import { type EngineKind, Machine } from "../engine/machine";
import { type ModelConfig, validateModelConfig } from "../kvm/config";
import { ConfigError } from "../util/errors";

/**
 * `micro`: one leaf operation in a loop, as kvm-unit-tests' arm/micro-bench.c does: warm-up iterations, then the
 * average per iteration over N iterations.
 */
export const MICRO_OPS = ["hvc", "mmio-kernel", "mmio-user", "timer", "ipi"] as const;
export type MicroOp = (typeof MICRO_OPS)[number];

export const MICRO_WARMUP = 2;
export const MICRO_DEFAULT_ITERATIONS = 8;
/** Guard for the exact engine: refuse configurations that would step more L0 traps than this per micro run. */
export const MICRO_TRAP_BUDGET = 5_000_000;

export interface MicroOptions {
  readonly op: MicroOp;
  readonly iterations: number;
  /** the leaf uses FP/SIMD between iterations */
  readonly leafFp: boolean;
  /** "fast" (default) replays memoized trap handling; "exact" steps every operation (trap budget applies) */
  readonly engine?: EngineKind;
}


export type LevelAverages = { [K in CounterField]: number } & { level: number };

export interface MicroResult {
  readonly op: MicroOp;
  readonly depth: number;
  readonly iterations: number;
  readonly leafFp: boolean;
  /** per-iteration averages */
  readonly cycles: number;
  /** exceptions taken from the leaf's own context per iteration (the operation itself, plus FP traps with --leaf-fp) */
  readonly leafExits: number;
  readonly l0Traps: number;
  readonly fpTraps: number;
  readonly fpSaves: number;
  readonly fpRestores: number;
  readonly nestedExceptions: number;
  readonly nestedErets: number;
  readonly byLevel: readonly LevelAverages[];
}

export function isMicroOp(s: string): s is MicroOp {
  return (MICRO_OPS as readonly string[]).includes(s);
}

/** the leaf event each op is (the IPI is sent by one machine and received by its peer) */
const OP_EVENT: Readonly<Record<Exclude<MicroOp, "ipi">, LeafEvent>> = {
  hvc: "hvc",
  "mmio-kernel": "mmio-kernel",
  "mmio-user": "mmio-user",
  timer: "timer",
};

function oneIteration(m: Machine, peer: Machine, op: MicroOp, leafFp: boolean): number {
  const start = m.cycles;
  if (leafFp) applyLeafEvent(m, "fp");
  if (op !== "ipi") {
    applyLeafEvent(m, OP_EVENT[op]);
    return m.cycles - start;
  }
  // sender: ICC_SGI1R_EL1 write traps to its hypervisor, whose kick is itself an SGI, down to L0's physical SGI;
  // receiver (second vcpu, on another CPU): the physical IPI routed up to the leaf's hypervisor, then the leaf.
  m.lastSgiAt = -1;
  applyLeafEvent(m, "sgi");
  const sentAt = m.lastSgiAt < 0 ? m.cycles : m.lastSgiAt;
  const pStart = peer.cycles;
  applyLeafEvent(peer, "ipi-irq");
  const received = sentAt + (peer.cycles - pStart);
  // the sender spins until the receiver acknowledges: latency = max(its own return, delivery)
  if (received > m.cycles) m.leafWork(received - m.cycles);
  return m.cycles - start;
}

export function runMicro(
  cfg: ModelConfig,
  opts: MicroOptions,
  progress?: (done: number, total: number, what: string) => void,
): MicroResult {
  validateModelConfig(cfg);
  if (!Number.isInteger(opts.iterations) || opts.iterations < 1 || opts.iterations > 1_000_000) {
    throw new ConfigError("iterations", String(opts.iterations), "an integer 1..1000000");
  }
  const mo = { engine: opts.engine ?? "fast", trapBudget: MICRO_TRAP_BUDGET } as const;
  const m = new Machine(cfg, mo);
  const peer = new Machine(cfg, mo);
  for (let i = 0; i < MICRO_WARMUP; i++) oneIteration(m, peer, opts.op, opts.leafFp);
  const before = m.counters;
  const exitsBefore = m.leafExits + peer.leafExits;
  const peerBefore = peer.counters;
  let cycles = 0;
  for (let i = 0; i < opts.iterations; i++) {
    cycles += oneIteration(m, peer, opts.op, opts.leafFp);
    if (progress) progress(i + 1, opts.iterations, `micro ${opts.op} iterations`);
  }
  const after = m.counters;
  const peerAfter = peer.counters;
  const n = opts.iterations;
  const byLevel: LevelAverages[] = after.map((a, level) => {
    const d = diffLevelCounters(a, before[level]!);
    const pd = diffLevelCounters(peerAfter[level]!, peerBefore[level]!);
    const row = { level } as LevelAverages;
    for (const f of COUNTER_FIELDS) row[f] = (d[f] + pd[f]) / n;
    return row;
  });
  const sum = (f: CounterField): number => byLevel.reduce((s, r) => s + r[f], 0);
  return {
    op: opts.op,
    depth: cfg.depth,
    iterations: n,
    leafFp: opts.leafFp,
    cycles: cycles / n,
    leafExits: (m.leafExits + peer.leafExits - exitsBefore) / n,
    l0Traps: byLevel[0]!.l0Traps,
    fpTraps: sum("fpTraps"),
    fpSaves: sum("fpSaves"),
    fpRestores: sum("fpRestores"),
    nestedExceptions: sum("nestedExceptions"),
    nestedErets: sum("nestedErets"),
    byLevel,
  };
}

