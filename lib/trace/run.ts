import { type RunOptions, type RunResult, runWorkload } from "../run/run";
import { type Disposer, subscribe, type TraceCallback, type TraceFilter, type TraceSelector } from "./bus";

/** Defaults of the traced commands: traces are large, so their runs are short unless asked otherwise. */
export const TRACE_DEFAULTS = {
  traceDurationMs: { value: 5, help: "default --duration-ms of `nestlab trace` (ms of leaf work)" },
  statDurationMs: { value: 20, help: "default --duration-ms of `nestlab stat` (ms of leaf work)" },
} as const;

/**
 * A fixed-work run with tracing: the exact engine (every operation stepped), `cb` subscribed to the selected
 * tracepoints from the first event, and the subscription disposed at the end, also when the run fails. The callback may stop the run early (machine.requestStop()).
 */
export function runTraced(
  o: RunOptions,
  selector: TraceSelector | readonly (TraceSelector | string)[],
  cb: TraceCallback,
  filter?: TraceFilter,
): RunResult {
  let off: Disposer | undefined;
  try {
    const r = runWorkload({
      ...o,
      engine: "exact",
      instrument: (m) => {
        o.instrument?.(m);
        off = subscribe(m, selector, cb, filter);
      },
    });
    return r;
  } finally {
    off?.();
  }
}
