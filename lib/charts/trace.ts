import type { TopLevelSpec } from "vega-lite";
import type { TraceRecord } from "../trace/tracepoints";
import { type ChartOptions, type DataRow, type Layer, VEGA_LITE_SCHEMA } from "./spec";
import { chartConfig, OKABE_ITO } from "./style";

/**
 * Two views of a trace (records with trap_begin/trap_end and handle_begin/handle_end slices, as `subscribe` or
 * `runTraced` deliver them):
 * - trapTreeChart: one leaf exit's amplification as an icicle (a flame chart on the time axis): each trap taken to
 *   L0 is a box from its start to its end, in the row of the level whose software trapped, coloured by its cause;
 *   the traps a handler causes sit in the row below the trap they serve.
 * - traceTimelineChart: a short trace as swimlanes, one lane per level, showing which level's software runs at each
 *   moment and what it is handling, with FP saves, restores and FP traps as ticks.
 */

/** Trap causes grouped into the mechanisms a reader distinguishes (at most eight: one palette colour each). */
export const TRAP_CAUSES = [
  "hypercall",
  "MMIO",
  "system register access",
  "ERET (nested)",
  "FP/SVE access (lazy FP trap)",
  "interrupt, timer, IPI",
  "WFI",
  "stage-2 fault",
] as const;
export type TrapCause = (typeof TRAP_CAUSES)[number];

export function trapCause(reason: string): TrapCause {
  switch (reason) {
    case "hvc":
    case "hvc-hyp":
      return "hypercall";
    case "mmio-kernel":
    case "mmio-user":
      return "MMIO";
    case "sysreg":
      return "system register access";
    case "eret":
      return "ERET (nested)";
    case "fp":
      return "FP/SVE access (lazy FP trap)";
    case "wfi":
      return "WFI";
    case "s2fault":
    case "s2-shadow":
      return "stage-2 fault";
    default:
      return "interrupt, timer, IPI";
  }
}

const CAUSE_COLOUR: Readonly<Record<TrapCause, string>> = Object.fromEntries(TRAP_CAUSES.map((c, i) => [c, OKABE_ITO[i]!])) as Record<TrapCause, string>;
const WORK = "leaf guest's own work";
const WORK_COLOUR = "#BBBBBB";

/** One trap taken to L0: a row of trapTreeChart's data. */
export interface TrapSlice {
  [column: string]: number | string;
  /** the level whose software trapped */
  level: number;
  levelName: string;
  reason: string;
  cause: TrapCause;
  /** the trapped system register, when it is one */
  reg: string;
  /** the level whose configuration claims the trap */
  owner: number;
  /** cycles from the first record */
  start: number;
  end: number;
  cycles: number;
}

/** The trap slices of a trace (trap_begin/trap_end, with the register from a preceding sysreg_trap). */
export function trapSlices(records: readonly TraceRecord[], origin?: number): TrapSlice[] {
  const t0 = origin ?? records[0]?.ts ?? 0;
  const open: TrapSlice[] = [];
  const out: TrapSlice[] = [];
  let reg = "";
  for (const r of records) {
    if (r.name === "sysreg_trap") reg = r.fields.reg;
    else if (r.name === "trap_begin") {
      const s: TrapSlice = {
        level: r.level,
        levelName: `L${r.level}`,
        reason: r.fields.reason,
        cause: trapCause(r.fields.reason),
        reg: r.fields.reason === "sysreg" ? reg : "",
        owner: r.fields.owner,
        start: r.ts - t0,
        end: r.ts - t0,
        cycles: 0,
      };
      reg = "";
      open.push(s);
      out.push(s);
    } else if (r.name === "trap_end") {
      const s = open.pop();
      if (s) {
        s.end = r.ts - t0;
        s.cycles = s.end - s.start;
      }
    }
  }
  return out;
}

export interface TrapTreeOptions extends ChartOptions {
  /** one panel per value of this column (e.g. "config": baseline / patched), on a shared time axis */
  readonly facet?: string;
  /** the leaf's level (rows L1..Ld); default: the highest level in the data */
  readonly depth?: number;
}

/** One leaf exit's trap tree as an icicle on the time axis (see the module comment). Rows as from trapSlices. */
export function trapTreeChart(rows: readonly TrapSlice[] | readonly DataRow[], o: TrapTreeOptions = {}): TopLevelSpec {
  const values = rows.map((r) => ({ ...r })) as DataRow[];
  const depth = o.depth ?? Math.max(1, ...values.map((r) => Number(r.level)));
  const levels = Array.from({ length: depth }, (_, i) => `L${depth - i}`);
  const causes = TRAP_CAUSES.filter((c) => values.some((r) => r.cause === c));
  const panels = o.facet !== undefined ? new Set(values.map((r) => String(r[o.facet!]))).size : 1;
  const width = o.width ?? 600;
  const height = o.height ?? Math.max(90, 34 * depth);
  const rect: Layer = {
    mark: { type: "rect", stroke: "#ffffff", strokeWidth: 0.4 },
    encoding: {
      x: { field: "start", type: "quantitative", title: "cycles since the leaf exit began", axis: { format: "~s" } },
      x2: { field: "end" },
      y: { field: "levelName", type: "ordinal", title: "trapping level", sort: levels, scale: { domain: levels } },
      color: { field: "cause", type: "nominal", title: "why it trapped", sort: causes, scale: { domain: causes, range: causes.map((c) => CAUSE_COLOUR[c]) } },
      tooltip: [
        { field: "levelName", type: "nominal", title: "trapping level" },
        { field: "cause", type: "nominal", title: "cause" },
        { field: "reg", type: "nominal", title: "register" },
        { field: "owner", type: "quantitative", title: "owner level" },
        { field: "cycles", type: "quantitative", title: "cycles, nested traps included", format: ",d" },
        { field: "start", type: "quantitative", title: "starts at cycle", format: ",d" },
      ],
    },
  };
  const title = o.title ?? "One leaf exit's trap tree: every trap it causes, by trapping level and cause";
  const subtitle = o.subtitle ?? "Each box is one trap to L0, from its start to its end; the traps its handling causes sit in the row below.";
  const head = { $schema: VEGA_LITE_SCHEMA, title: { text: title, subtitle }, data: { values }, config: chartConfig() };
  if (o.facet === undefined || panels < 2) return { ...head, width, height, layer: [rect] };
  return {
    ...head,
    facet: { row: { field: o.facet, type: "nominal", title: null, sort: [...new Set(values.map((r) => String(r[o.facet!])))], header: { labelAngle: 0, labelAlign: "left", labelFontSize: 12, labelFontWeight: "bold" } } },
    spec: { width, height, layer: [rect] },
    resolve: { scale: { x: "shared" } },
  };
}

/** One lane segment or instant of traceTimelineChart's data. */
export interface TimelineRow {
  [column: string]: number | string;
  kind: "run" | "event";
  level: number;
  lane: string;
  /** microseconds from the first record */
  start: number;
  end: number;
  /** run: what the level is doing (a trap cause being handled, or the leaf's own work); event: the FP event */
  activity: string;
}

function laneName(level: number, depth: number): string {
  return level === 0 ? "L0 host" : level === depth ? `L${level} leaf guest` : `L${level} guest hypervisor`;
}

/**
 * Which level runs when: the innermost open handle_begin/handle_end slice's level handles (the cause of what it
 * handles), and with none open the leaf runs its own work. FP saves, restores and FP traps become events. Times in
 * microseconds from `origin` (default: the first record) to `until` (default: the last record), in cycles.
 */
export function traceTimeline(records: readonly TraceRecord[], o: { depth: number; clockGhz: number; origin?: number; until?: number }): TimelineRow[] {
  const { depth, clockGhz } = o;
  const t0 = o.origin ?? records[0]?.ts ?? 0;
  const us = (ts: number): number => (ts - t0) / (clockGhz * 1000);
  const out: TimelineRow[] = [];
  const stack: { level: number; activity: string }[] = [];
  let since = t0;
  const close = (ts: number): void => {
    if (ts <= since) return;
    const top = stack[stack.length - 1];
    const level = top?.level ?? depth;
    out.push({ kind: "run", level, lane: laneName(level, depth), start: us(since), end: us(ts), activity: top?.activity ?? WORK });
    since = ts;
  };
  for (const r of records) {
    if (r.name === "handle_begin") {
      close(r.ts);
      stack.push({ level: r.level, activity: trapCause(r.fields.reason) });
    } else if (r.name === "handle_end") {
      close(r.ts);
      stack.pop();
    } else if (r.name === "fp_save" || r.name === "fp_restore" || r.name === "fp_trap") {
      const what = r.name === "fp_save" ? "FP/SVE state saved" : r.name === "fp_restore" ? "FP/SVE state restored" : "lazy FP trap handled";
      out.push({ kind: "event", level: r.level, lane: laneName(r.level, depth), start: us(r.ts), end: us(r.ts), activity: what });
    }
  }
  const last = records[records.length - 1];
  close(Math.max(o.until ?? 0, last?.ts ?? 0));
  return out;
}

export interface TimelineOptions extends ChartOptions {
  /** the leaf's level: lanes L0..Ld */
  readonly depth: number;
  /**
   * the narrowest a run is drawn, in pixels (default 2): a guest hypervisor's runs between two traps last a few
   * nanoseconds and would be invisible hairlines; the tooltip keeps their true times, the subtitle says so
   */
  readonly minRunPx?: number;
}

/** A short trace as swimlanes per level (rows as from traceTimeline). */
export function traceTimelineChart(rows: readonly TimelineRow[] | readonly DataRow[], o: TimelineOptions): TopLevelSpec {
  const width = o.width ?? 720;
  const times = rows.flatMap((r) => [Number(r.start), Number(r.end)]).filter(Number.isFinite);
  const total = times.length > 0 ? Math.max(...times) - Math.min(...times) : 0;
  const minPx = o.minRunPx ?? 2;
  const minWidth = total > 0 ? (total * minPx) / width : 0;
  let widened = 0;
  const values = rows.map((r) => {
    const start = Number(r.start);
    const end = Number(r.end);
    const short = r.kind === "run" && end - start < minWidth;
    if (short) widened++;
    return { ...r, endShown: short ? start + minWidth : end };
  }) as DataRow[];
  const lanes = Array.from({ length: o.depth + 1 }, (_, i) => laneName(o.depth - i, o.depth));
  const runs = [WORK, ...TRAP_CAUSES.filter((c) => values.some((r) => r.kind === "run" && r.activity === c))];
  const range = [WORK_COLOUR, ...runs.slice(1).map((c) => CAUSE_COLOUR[c as TrapCause])];
  const title = o.title ?? "Which level runs when: a short trace as one lane per level";
  const note = widened > 0 ? `runs shorter than ${minPx} px (${(minWidth * 1000).toFixed(0)} ns) are drawn ${minPx} px wide (${widened} of them); hover for true times` : "";
  // one line each: the caller's subtitle and the note (a single line would outgrow the chart)
  const subtitle = [o.subtitle, note].filter((t): t is string => t !== undefined && t !== "");
  const hasEvents = values.some((r) => r.kind === "event");
  const events: Layer = {
    transform: [{ filter: "datum.kind === 'event'" }],
    mark: { type: "point", filled: true, color: "#000000", size: 45, yOffset: -12 },
    encoding: {
      x: { field: "start", type: "quantitative", title: "time since the trace began (µs)" },
      y: { field: "lane", type: "ordinal", title: "level", sort: lanes },
      shape: { field: "activity", type: "nominal", title: "FP events (black marks)", scale: { range: ["triangle-down", "circle", "diamond"] } },
      tooltip: [
        { field: "lane", type: "nominal", title: "level" },
        { field: "activity", type: "nominal", title: "event" },
        { field: "start", type: "quantitative", title: "at (µs)", format: ",.3f" },
      ],
    },
  };
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: subtitle.length > 0 ? { text: title, subtitle: subtitle.length === 1 ? subtitle[0]! : subtitle } : title,
    data: { values },
    config: chartConfig(),
    width,
    height: o.height ?? 40 * (o.depth + 1),
    layer: [
      {
        transform: [{ filter: "datum.kind === 'run'" }],
        mark: { type: "rect" },
        encoding: {
          x: { field: "start", type: "quantitative", title: "time since the trace began (µs)", axis: { format: ",~f", tickCount: 8 } },
          x2: { field: "endShown" },
          y: { field: "lane", type: "ordinal", title: "level", sort: lanes, scale: { domain: lanes } },
          color: { field: "activity", type: "nominal", title: "what the level is doing", sort: runs, scale: { domain: runs, range } },
          tooltip: [
            { field: "lane", type: "nominal", title: "level" },
            { field: "activity", type: "nominal", title: "doing" },
            { field: "start", type: "quantitative", title: "from (µs)", format: ",.3f" },
            { field: "end", type: "quantitative", title: "to (µs)", format: ",.3f" },
          ],
        },
      },
      ...(hasEvents ? [events] : []),
    ],
  };
}
