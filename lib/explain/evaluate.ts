import { ConfigError, LimitError } from "../util/errors";
import { runMicro } from "../micro/micro";
import { runCompare } from "../run/compare";
import type { RunOptions } from "../run/run";

/**
 * One evaluation of explain: a compare at the changed configuration (same seed and stream), and what it implies at
 * the micro level, so a reader can judge whether the change is plausible (docs/explain.md "Implications").
 */
export interface Implications {
  /** mean inclusive ns of an FP trap handled on L0's fast path (baseline run); null when none */
  readonly l0FpTrapNs: number | null;
  /** mean inclusive ns of an FP trap forwarded to a guest hypervisor, nested round trips included; null when none */
  readonly forwardedFpTrapNs: number | null;
  /** outermost FP traps per leaf event (baseline) */
  readonly fpTrapsPerExit: number;
  /** L0 traps per leaf event (baseline) */
  readonly l0TrapsPerExit: number;
  /** L0 traps and ns of one null hypercall from the leaf (micro hvc, baseline) */
  readonly hvcL0Traps: number;
  readonly hvcNs: number;
  /** L0's own cycles per put+load pair (its kvm_arch_vcpu_put/load and nested-transition code, on hardware; baseline) */
  readonly l0PutLoadCycles: number | null;
  /** share of the baseline's cycles in FP work (inclusive FP traps, saves, restores, ZCR) */
  readonly fpShare: number;
  /** baseline cycles / native work */
  readonly overhead: number;
}

export interface Evaluation {
  readonly wallReduction: number;
  readonly speedup: number;
  readonly implications: Implications;
}

/** run options as they cross to a worker: plain data (no callbacks) */
export type PlainRunOptions = Omit<RunOptions, "progress" | "instrument">;

export function plainRunOptions(o: RunOptions): PlainRunOptions {
  const { progress: _p, instrument: _i, ...rest } = o;
  return rest;
}

/** Evaluates one configuration: compare (baseline vs the configured adoption), micro hvc, and the implications. */
export function evaluateConfig(o: PlainRunOptions): Evaluation {
  const c = runCompare(o);
  const b = c.baseline;
  const clock = o.clockGhz;
  const d = b.fpDetail.byLevel;
  const l0 = d[0]!;
  const fwd = d.slice(1).reduce((s, x) => ({ trap: s.trap + x.trap, traps: s.traps + x.traps }), { trap: 0n, traps: 0n });
  const e = b.events;
  const leafEvents = e.io + e.ipi + e.s2fault + e.wfi;
  const per = (v: bigint): number => (leafEvents > 0 ? Number(v) / leafEvents : 0);
  const hvc = runMicro({ ...o.model, patch: [] }, { op: "hvc", iterations: 8, leafFp: false });
  const l0PutLoad = b.attribution.find((a) => a.level === 0 && a.mechanism === "putload")?.cycles ?? 0n;
  const puts = b.byLevel[0]!.vcpuPuts;
  const fp = b.fpInclusive;
  return {
    wallReduction: c.wallReduction,
    speedup: c.speedup,
    implications: {
      l0FpTrapNs: l0.traps > 0n ? Number(l0.trap) / Number(l0.traps) / clock : null,
      forwardedFpTrapNs: fwd.traps > 0n ? Number(fwd.trap) / Number(fwd.traps) / clock : null,
      fpTrapsPerExit: per(fp.traps),
      l0TrapsPerExit: per(b.l0Traps),
      hvcL0Traps: hvc.l0Traps,
      hvcNs: hvc.cycles / clock,
      l0PutLoadCycles: puts > 0n ? Number(l0PutLoad) / Number(puts) : null,
      fpShare: Number(fp.trap + fp.save + fp.restore + fp.zcr) / Number(b.cycles),
      overhead: Number(b.cycles) / Number(b.usefulCycles),
    },
  };
}

/**
 * Why a configuration could not run, or undefined for a failure of the program: an engine limit or a livelock
 * (LimitError), or a changed input beyond what the model accepts (ConfigError: a scaled rate above its bound).
 */
export function limitOf(e: unknown): string | undefined {
  if (e instanceof LimitError) return e.message;
  if (e instanceof ConfigError) return `beyond the model's accepted inputs: ${e.message}`;
  return undefined;
}
