import type { ChromeTrace, ChromeTraceEvent } from "../../lib/trace/export";

/**
 * Checks a Chrome trace against the Trace Event Format's documented structure (the JSON Object Format): a
 * `traceEvents` array; every event with name, ph, pid and tid (and ts, in microseconds, except metadata); duration
 * events "B"/"E" in increasing time order per thread, each "E" closing the latest open "B" of its thread (matching
 * name), nothing left open; instant events with a scope of g, p or t. Returns the slices with their nesting.
 */
export interface Slice {
  readonly tid: number;
  readonly name: string;
  readonly begin: number;
  readonly end: number;
  /** nesting depth on its thread (0 = top level) */
  readonly depth: number;
  readonly parent: Slice | undefined;
  readonly args: Record<string, unknown>;
}

export function checkChromeTrace(trace: ChromeTrace): Slice[] {
  if (!Array.isArray(trace.traceEvents)) throw new Error("traceEvents is not an array");
  const open = new Map<number, { ev: ChromeTraceEvent; depth: number }[]>();
  const lastTs = new Map<number, number>();
  const slices: Slice[] = [];
  trace.traceEvents.forEach((ev, i) => {
    const where = `event ${i} ${JSON.stringify(ev)}`;
    if (typeof ev.name !== "string" || ev.name === "") throw new Error(`${where}: no name`);
    if (!["B", "E", "i", "M"].includes(ev.ph)) throw new Error(`${where}: unexpected ph`);
    if (!Number.isInteger(ev.pid) || !Number.isInteger(ev.tid)) throw new Error(`${where}: pid/tid not integers`);
    if (ev.ph === "M") {
      if (!ev.args || typeof ev.args !== "object") throw new Error(`${where}: metadata without args`);
      return;
    }
    if (typeof ev.ts !== "number" || !Number.isFinite(ev.ts) || ev.ts < 0) throw new Error(`${where}: bad ts`);
    const prev = lastTs.get(ev.tid) ?? 0;
    if (ev.ts < prev) throw new Error(`${where}: ts goes back on thread ${ev.tid} (${prev})`);
    lastTs.set(ev.tid, ev.ts);
    const stack = open.get(ev.tid) ?? [];
    open.set(ev.tid, stack);
    if (ev.ph === "i") {
      if (ev.s !== undefined && !["g", "p", "t"].includes(ev.s)) throw new Error(`${where}: bad instant scope`);
      return;
    }
    if (ev.ph === "B") {
      stack.push({ ev, depth: stack.length });
      return;
    }
    const b = stack.pop();
    if (!b) throw new Error(`${where}: E without B on thread ${ev.tid}`);
    if (b.ev.name !== ev.name) throw new Error(`${where}: E closes '${b.ev.name}'`);
    if (ev.ts < b.ev.ts) throw new Error(`${where}: ends before it begins`);
    slices.push({ tid: ev.tid, name: b.ev.name, begin: b.ev.ts, end: ev.ts, depth: b.depth, parent: undefined, args: { ...(b.ev.args ?? {}), ...(ev.args ?? {}) } });
  });
  for (const [tid, stack] of open) if (stack.length > 0) throw new Error(`thread ${tid}: ${stack.length} slices left open`);
  // parents: the innermost enclosing slice of lower depth on the same thread
  const byTid = new Map<number, Slice[]>();
  for (const s of slices) byTid.set(s.tid, [...(byTid.get(s.tid) ?? []), s]);
  return slices
    .map((s) => {
      const parent = (byTid.get(s.tid) ?? []).filter((p) => p.depth === s.depth - 1 && p.begin <= s.begin && s.end <= p.end)[0];
      return { ...s, parent };
    })
    .sort((a, b) => a.begin - b.begin || a.depth - b.depth || a.tid - b.tid);
}
