import { COUNTER_FIELDS, type CounterField, diffLevelCounters } from "../engine/counters";
import { Machine, trapEvent } from "../engine/machine";
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

export type EngineKind = "exact" | "fast";
export const ENGINE_KINDS: readonly EngineKind[] = ["exact", "fast"];

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

const EV_HVC = trapEvent({ ec: "HVC64", reason: "hvc" });
const EV_MMIO_KERNEL = trapEvent({ ec: "DABT_LOW", reason: "mmio-kernel" });
const EV_MMIO_USER = trapEvent({ ec: "DABT_LOW", reason: "mmio-user" });

function oneIteration(m: Machine, peer: Machine, op: MicroOp, leafFp: boolean): number {
  const start = m.cycles;
  if (leafFp) m.leafFp();
  switch (op) {
    case "hvc":
      m.leafTrap(EV_HVC);
      break;
    case "mmio-kernel":
      m.leafTrap(EV_MMIO_KERNEL);
      break;
    case "mmio-user":
      m.leafTrap(EV_MMIO_USER);
      break;
    case "timer":
      m.leafIrq("irq-timer");
      break;
    case "ipi": {
      // sender: ICC_SGI1R_EL1 write traps to its hypervisor, whose kick is itself an SGI, down to L0's physical SGI;
      // receiver (second vcpu, on another CPU): the physical IPI routed up to the leaf's hypervisor, then the leaf.
      m.lastSgiAt = -1;
      m.leafSysreg("ICC_SGI1R_EL1", true);
      const sentAt = m.lastSgiAt < 0 ? m.cycles : m.lastSgiAt;
      const pStart = peer.cycles;
      peer.leafIrq("irq-ipi");
      const received = sentAt + (peer.cycles - pStart);
      // the sender spins until the receiver acknowledges: latency = max(its own return, delivery)
      if (received > m.cycles) m.leafWork(received - m.cycles);
      return m.cycles - start;
    }
  }
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
  const m = new Machine(cfg);
  const peer = new Machine(cfg);
  if ((opts.engine ?? "fast") === "fast") {
    m.memo = true;
    peer.memo = true;
  } else {
    m.trapBudget = MICRO_TRAP_BUDGET;
    peer.trapBudget = MICRO_TRAP_BUDGET;
  }
  for (let i = 0; i < MICRO_WARMUP; i++) oneIteration(m, peer, opts.op, opts.leafFp);
  const before = m.snapshotCounters();
  const exitsBefore = m.leafExits + peer.leafExits;
  const peerBefore = peer.snapshotCounters();
  let cycles = 0;
  for (let i = 0; i < opts.iterations; i++) {
    cycles += oneIteration(m, peer, opts.op, opts.leafFp);
    if (progress) progress(i + 1, opts.iterations, `micro ${opts.op} iterations`);
  }
  const after = m.snapshotCounters();
  const peerAfter = peer.snapshotCounters();
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

