import { type RunOptions, type RunResult, runWorkloadSteps } from "../run/run";
import { type Disposer, subscribe, type TraceCallback, type TraceFilter, type TraceSelector } from "./bus";

/** Defaults of the traced commands: traces are large, so their runs are short unless asked otherwise. */
export const TRACE_DEFAULTS = {
  traceDurationMs: { value: 5, help: "default --duration-ms of `nestlab trace` (ms of leaf work)" },
  statDurationMs: { value: 20, help: "default --duration-ms of `nestlab stat` (ms of leaf work)" },
} as const;

/**
 * A fixed-work run with tracing, as a generator (runWorkloadSteps): the exact engine (every operation stepped), `cb`
 * subscribed to the selected tracepoints from the first event, and the subscription disposed at the end, also when
 * the run fails or is abandoned. The callback may stop the run early (machine.requestStop()).
 */
export function* runTracedSteps(
  o: RunOptions,
  selector: TraceSelector | readonly (TraceSelector | string)[],
  cb: TraceCallback,
  filter?: TraceFilter,
): Generator<void, RunResult, void> {
  let off: Disposer | undefined;
  try {
    return yield* runWorkloadSteps({
      ...o,
      engine: "exact",
      pauseEvery: 1, // a traced slice is slow: pause after each
      instrument: (m) => {
        o.instrument?.(m);
        off = subscribe(m, selector, cb, filter);
      },
    });
  } finally {
    off?.();
  }
}

/** runTracedSteps to its end, without pauses. */
export function runTraced(
  o: RunOptions,
  selector: TraceSelector | readonly (TraceSelector | string)[],
  cb: TraceCallback,
  filter?: TraceFilter,
): RunResult {
  const steps = runTracedSteps(o, selector, cb, filter);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * Drives a run's generator to its end, letting the event loop turn every `sliceMs` of work: signal handlers (which
 * remove temporary files) and a closed stdout's 'error' event are then handled during a long run, not after it.
 */
export async function driveSteps<T>(steps: Generator<void, T, void>, sliceMs = 25): Promise<T> {
  let last = Date.now();
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    const now = Date.now();
    if (now - last >= sliceMs) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      last = Date.now();
    }
  }
}
