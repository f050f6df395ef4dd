import type { Machine } from "../engine/machine";
import { ConfigError } from "../util/errors";
import {
  TRACE_GROUPS,
  type TraceGroup,
  TRACEPOINT_INDEX,
  TRACEPOINT_NAMES,
  TRACEPOINTS,
  type TracepointName,
  type TraceRecord,
  type TraceRecordOf,
} from "./tracepoints";

/**
 * Subscriptions to a machine's tracepoints, unicorn-style (uc_hook_add / uc_hook_del): `subscribe` returns a
 * disposer. The engine emits each record at its site while the tracepoint's bit is on (lib/engine/tracing.ts,
 * lib/trace/emit.ts); all subscribers of a machine share its one sink, which dispatches records to the subscribers of
 * their tracepoint. When the last subscriber disposes, every bit is off again, so tracing costs nothing when off.
 * A callback may end the run with machine.requestStop() (the driver stops after the current event).
 */

/** a tracepoint name, optionally qualified (`kvm:kvm_exit`), a group (`kvm:*`, `nestlab:*`) or everything (`*`) */
export type TraceSelector = TracepointName | `${TraceGroup}:${TracepointName}` | `${TraceGroup}:*` | "*";

/** only records matching: a predicate, or the levels to keep */
export type TraceFilter<R extends { readonly level: number } = TraceRecord> = ((rec: R) => boolean) | { readonly level: number | readonly number[] };

export type Disposer = () => void;

export type TraceCallback<R = TraceRecord> = (rec: R, machine: Machine) => void;

interface Sub {
  readonly cb: TraceCallback;
  readonly keep: ((rec: TraceRecord) => boolean) | undefined;
}

class Hub {
  /** subscribers per tracepoint (replaced, never mutated, so callbacks may subscribe or dispose while dispatching) */
  subs: (readonly Sub[])[] = TRACEPOINT_NAMES.map(() => []);
  count = 0;

  constructor(readonly m: Machine) {
    m.trace.sink = (i, rec) => {
      const subs = this.subs[i]!;
      for (let s = 0; s < subs.length; s++) {
        const sub = subs[s]!;
        if (sub.keep === undefined || sub.keep(rec)) sub.cb(rec, m);
      }
    };
  }
}

const HUBS = new WeakMap<Machine, Hub>();

/** The tracepoints a selector (or list of selectors) names; unknown names are a ConfigError on field `events`. */
export function selectTracepoints(sel: TraceSelector | string | readonly (TraceSelector | string)[]): TracepointName[] {
  const list = typeof sel === "string" ? [sel] : sel;
  const out = new Set<TracepointName>();
  for (const raw of list) {
    const s = raw;
    if (s === "*") {
      for (const n of TRACEPOINT_NAMES) out.add(n);
      continue;
    }
    const colon = s.indexOf(":");
    const group = colon >= 0 ? s.slice(0, colon) : undefined;
    const name = colon >= 0 ? s.slice(colon + 1) : s;
    if (group !== undefined && !(TRACE_GROUPS as readonly string[]).includes(group)) throw badSelector(raw);
    if (name === "*") {
      if (group === undefined) throw badSelector(raw);
      for (const n of TRACEPOINT_NAMES) if (TRACEPOINTS[n].group === group) out.add(n);
      continue;
    }
    if (!Object.hasOwn(TRACEPOINTS, name)) throw badSelector(raw);
    const n = name as TracepointName;
    if (group !== undefined && TRACEPOINTS[n].group !== group) throw badSelector(raw);
    out.add(n);
  }
  return TRACEPOINT_NAMES.filter((n) => out.has(n));
}

function badSelector(raw: string): ConfigError {
  return new ConfigError("events", raw, `*, ${TRACE_GROUPS.map((g) => g + ":*").join(", ")}, or tracepoint names (${TRACEPOINT_NAMES.join(", ")})`);
}

function keeper(filter: TraceFilter | undefined): Sub["keep"] {
  if (filter === undefined) return undefined;
  if (typeof filter === "function") return filter;
  const lv = filter.level;
  if (typeof lv === "number") return (r) => r.level === lv;
  const set = new Set(lv);
  return (r) => set.has(r.level);
}

/** Calls cb with every record of the named tracepoint emitted by the machine; returns the disposer. */
export function subscribe<N extends TracepointName>(
  machine: Machine,
  name: N | `${TraceGroup}:${N}`,
  cb: TraceCallback<TraceRecordOf<N>>,
  filter?: TraceFilter<TraceRecordOf<N>>,
): Disposer;
/** Calls cb with every record of the selected tracepoints (a group, `*`, or a list); returns the disposer. */
export function subscribe(
  machine: Machine,
  selector: TraceSelector | readonly (TraceSelector | string)[],
  cb: TraceCallback,
  filter?: TraceFilter,
): Disposer;
export function subscribe(
  machine: Machine,
  selector: TraceSelector | readonly (TraceSelector | string)[],
  cb: TraceCallback,
  filter?: TraceFilter,
): Disposer {
  const names = selectTracepoints(selector);
  let hub = HUBS.get(machine);
  if (!hub) {
    hub = new Hub(machine);
    HUBS.set(machine, hub);
  }
  const h = hub;
  const sub: Sub = { cb, keep: keeper(filter) };
  for (const n of names) {
    const i = TRACEPOINT_INDEX[n];
    h.subs[i] = [...h.subs[i]!, sub];
    machine.trace.set(i, true);
  }
  h.count++;
  let disposed = false;
  return () => {
    if (disposed) return;
    disposed = true;
    for (const n of names) {
      const i = TRACEPOINT_INDEX[n];
      h.subs[i] = h.subs[i]!.filter((s) => s !== sub);
      machine.trace.set(i, h.subs[i]!.length > 0);
    }
    if (--h.count === 0) {
      machine.trace.sink = undefined;
      HUBS.delete(machine);
    }
  };
}

/** true while somebody is subscribed to the machine's tracepoints */
export function isTraced(machine: Machine): boolean {
  return HUBS.has(machine);
}
