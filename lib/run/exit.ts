import type { SysRegName } from "../arch/sysregs";
import type { Trap } from "../engine/events";
import { MECHANISMS, type Mechanism } from "../engine/layout";
import type { Machine } from "../engine/machine";
import type { TrapWatcher } from "../engine/types";
import { type RunOptions, type RunResult, runWorkload } from "./run";

/**
 * What one leaf event costs (one exit of the leaf's stream with the FP traps it causes), and why (docs/explain.md "The cost of one leaf event"). A fixed-work run on the exact engine
 * with a trap watcher: every L0 trap is charged to the code whose access raised it, by SELF cycles (the trap's inclusive
 * cycles less those of the traps raised inside its handling, which are charged to their own raisers), so the rows
 * partition the cycles of all traps exactly, and each row's L0 trap count is the number of traps that code raised.
 *
 * A trap raised by a guest hypervisor (level k, 1 <= k < depth) is charged to (k, phase, part): the phase is the kind
 * of code it was running (its exit/entry path, its put/load, a handler, FP work; the engine's mechanism), the part what
 * the access was for (timer, vgic, debug, PMU, the FP trap control CPTR/CPACR, FP/ZCR, trap configuration, ID registers, other system registers, its
 * ERET, an FP trap, GIC MMIO). A trap raised by the leaf (level depth) is the exit itself: its self cycles are the
 * direct work of the levels that handled it, charged to (handling level, mechanism). Wall-time events (ticks, host
 * events) are kept apart and not counted in the exit's cost.
 */

/** what a guest hypervisor's trapping access was for */
export const EXIT_PARTS = ["timer", "vgic", "debug", "pmu", "cptr", "fp", "traps", "id", "sysreg", "ipi", "gic-mmio", "eret", "other"] as const;
export type ExitPart = (typeof EXIT_PARTS)[number];

/** the part of a system register access, by the register's name (the kernel's own grouping of its accessors) */
export function registerPart(reg: SysRegName): ExitPart {
  if (reg === "ICC_SGI1R_EL1") return "ipi";
  if (/^CNT/.test(reg)) return "timer";
  if (/^IC[HC]_/.test(reg)) return "vgic";
  if (/^(MDCR|MDSCR|DBG|MDCCINT|OSLSR|OSDLR|OSLAR)/.test(reg)) return "debug";
  if (/^PM/.test(reg)) return "pmu";
  if (/^(CPACR|CPTR)/.test(reg)) return "cptr";
  if (/^(ZCR|FPCR|FPSR)/.test(reg)) return "fp";
  if (/^(HCR|HCRX|HSTR|HFG|HDFG|HAFG|VTTBR|VTCR|VNCR|VBAR|VPIDR|VMPIDR)/.test(reg)) return "traps";
  if (/^ID_/.test(reg)) return "id";
  return "sysreg";
}

/** the part of a trap raised by a guest hypervisor */
export function trapPart(ev: Trap, mech: Mechanism): ExitPart {
  switch (ev.reason) {
    case "sysreg":
    case "sgi":
      return ev.reg !== undefined ? registerPart(ev.reg) : "sysreg";
    case "eret":
      return "eret";
    case "fp":
      return "fp";
    case "mmio-kernel":
      // the GIC redistributor writes of kvm_timer_vcpu_load_gic: the only MMIO a hypervisor's put/load makes
      return mech === "putload" ? "timer" : "gic-mmio";
    default:
      return "other";
  }
}

/** reasons of leaf-level traps that are wall-time events rather than the leaf's own exits */
const WALL_REASONS: ReadonlySet<string> = new Set(["irq-timer", "irq-hyptick", "host-irq"]);

export interface ExitRow {
  /**
   * `raised`: traps raised by guest hypervisor `level` while in `phase` for `part`; `direct`: the leaf exits' own
   * handling, the direct work of handling level `level` under mechanism `phase`; `wall`: the same for wall-time events
   */
  readonly kind: "raised" | "direct" | "wall";
  readonly level: number;
  readonly phase: Mechanism;
  readonly part: ExitPart | "";
  readonly l0Traps: number;
  readonly cycles: number;
}

export interface ExitAttribution {
  readonly depth: number;
  readonly workload: string;
  /** the window of the stream analysed (ms of native work) */
  readonly durationMs: number;
  /** leaf events of the stream in the window (I/O exits, IPIs, stage-2 faults, WFI): the exits averaged over */
  readonly leafEvents: number;
  /** every trap cycle and L0 trap of the exits (wall-time events excluded) */
  readonly cycles: number;
  readonly l0Traps: number;
  /** per leaf event */
  readonly perExit: { readonly cycles: number; readonly l0Traps: number };
  /** rows ordered by kind, level, phase, part; `raised` and `direct` rows sum to `cycles` and `l0Traps` */
  readonly rows: readonly ExitRow[];
  readonly run: RunResult;
}

type RowAcc = { kind: ExitRow["kind"]; level: number; phase: Mechanism; part: ExitPart | ""; l0Traps: number; cycles: number };

interface Frame {
  /** the row its self cycles go to (undefined: a root, split by level and mechanism) */
  readonly row: RowAcc | undefined;
  readonly root: "direct" | "wall";
  readonly start: number;
  child: number;
}

/** The watcher: self cycles and trap counts by raiser (the exact engine, so totals are live). */
class ExitWatcher implements TrapWatcher {
  readonly rows = new Map<string, RowAcc>();
  /** the row of a raised trap, by (wall, level, mechanism, event id) */
  private readonly byEvent = new Map<number, RowAcc>();
  private readonly stack: Frame[] = [];
  /** cycles by level and mechanism at the root's begin, the root's children's total, and a scratch copy */
  private readonly rootStart: Float64Array;
  private readonly rootChildren: Float64Array;
  private readonly childStart: Float64Array;
  private readonly now: Float64Array;
  constructor(private readonly m: Machine) {
    const n = (m.depth + 1) * MECHANISMS.length;
    this.rootStart = new Float64Array(n);
    this.rootChildren = new Float64Array(n);
    this.childStart = new Float64Array(n);
    this.now = new Float64Array(n);
  }

  private row(kind: ExitRow["kind"], level: number, phase: Mechanism, part: ExitPart | ""): RowAcc {
    const key = `${kind}|${level}|${phase}|${part}`;
    let r = this.rows.get(key);
    if (!r) {
      r = { kind, level, phase, part, l0Traps: 0, cycles: 0 };
      this.rows.set(key, r);
    }
    return r;
  }

  begin(k: number, ev: Trap, mech: number): void {
    const parent = this.stack[this.stack.length - 1];
    const root = parent !== undefined ? parent.root : WALL_REASONS.has(ev.reason) ? "wall" : "direct";
    let row: RowAcc | undefined;
    if (k === this.m.depth && parent === undefined) this.row(root, 0, "exception", "").l0Traps++;
    else if (root === "wall") {
      row = this.row("wall", 0, "exception", "");
      row.l0Traps++;
    } else {
      const id = (ev.id * 16 + mech) * 16 + k;
      row = this.byEvent.get(id);
      if (row === undefined) {
        const phase = MECHANISMS[mech]!;
        row = this.row("raised", k, phase, trapPart(ev, phase));
        this.byEvent.set(id, row);
      }
      row.l0Traps++;
    }
    // the root's self cycles by level and mechanism: its delta less its direct children's (deeper ones are inside those)
    if (this.stack.length === 0) {
      this.m.attributionInto(this.rootStart);
      this.rootChildren.fill(0);
    } else if (this.stack.length === 1) this.m.attributionInto(this.childStart);
    this.stack.push({ row, root, start: this.m.cycles, child: 0 });
  }

  end(): void {
    const f = this.stack.pop()!;
    const inclusive = this.m.cycles - f.start;
    const parent = this.stack[this.stack.length - 1];
    if (parent) parent.child += inclusive;
    if (this.stack.length === 1) {
      const now = this.now;
      this.m.attributionInto(now);
      for (let i = 0; i < now.length; i++) this.rootChildren[i]! += now[i]! - this.childStart[i]!;
    }
    if (f.row === undefined) {
      // the exit's own handling: the self cycles by the level and mechanism that ran them
      const now = this.now;
      this.m.attributionInto(now);
      const kind = f.root;
      for (let i = 0; i < now.length; i++) {
        const self = now[i]! - this.rootStart[i]! - this.rootChildren[i]!;
        if (self !== 0) this.row(kind, Math.floor(i / MECHANISMS.length), MECHANISMS[i % MECHANISMS.length]!, "").cycles += self;
      }
      return;
    }
    f.row!.cycles += inclusive - f.child;
  }
}

/** The default window of the stream that `exitAttribution` analyses (ms of native work). */
export const EXIT_WINDOW_MS = 50;

/**
 * The cost of one leaf event of a run's stream, by the code that raised each trap: the first `windowMs` of the run's
 * work (same seed and stream), on the exact engine.
 */
export function exitAttribution(o: RunOptions, windowMs = EXIT_WINDOW_MS): ExitAttribution {
  let watcher: ExitWatcher | undefined;
  // progress goes on to the run (the window's work); an instrument is replaced by the exit watcher
  const { instrument: _i, ...rest } = o;
  const durationMs = Math.min(o.durationMs, windowMs);
  const run = runWorkload({
    ...rest,
    durationMs,
    engine: "exact",
    instrument: (m) => {
      watcher = new ExitWatcher(m);
      m.watcher = watcher;
    },
  });
  const order = (r: ExitRow): string => `${["raised", "direct", "wall"].indexOf(r.kind)}|${String(r.level).padStart(2, "0")}|${MECHANISMS.indexOf(r.phase)}|${EXIT_PARTS.indexOf(r.part as ExitPart)}`;
  const rows = [...watcher!.rows.values()].filter((r) => r.cycles !== 0 || r.l0Traps !== 0).map((r) => Object.freeze({ ...r }) as ExitRow);
  rows.sort((a, b) => (order(a) < order(b) ? -1 : order(a) > order(b) ? 1 : 0));
  const exitRows = rows.filter((r) => r.kind !== "wall");
  const cycles = exitRows.reduce((s, r) => s + r.cycles, 0);
  const l0Traps = exitRows.reduce((s, r) => s + r.l0Traps, 0);
  const e = run.events;
  const leafEvents = e.io + e.ipi + e.s2fault + e.wfi;
  return {
    depth: run.depth,
    workload: run.workload,
    durationMs,
    leafEvents,
    cycles,
    l0Traps,
    perExit: { cycles: leafEvents > 0 ? cycles / leafEvents : 0, l0Traps: leafEvents > 0 ? l0Traps / leafEvents : 0 },
    rows,
    run,
  };
}

/** one row of an exit comparison: the same row before and after the change, per leaf event */
export interface ExitDiffRow {
  readonly kind: ExitRow["kind"];
  readonly level: number;
  readonly phase: Mechanism;
  readonly part: ExitPart | "";
  readonly baseline: { readonly l0Traps: number; readonly cycles: number };
  readonly patched: { readonly l0Traps: number; readonly cycles: number };
}

/** The rows of two exit attributions side by side, per leaf event (rows present in either; wall-time rows left out). */
export function exitDiff(baseline: ExitAttribution, patched: ExitAttribution): ExitDiffRow[] {
  const key = (r: ExitRow): string => `${r.kind}|${r.level}|${r.phase}|${r.part}`;
  const per = (a: ExitAttribution, r: ExitRow | undefined): { l0Traps: number; cycles: number } =>
    r === undefined || a.leafEvents === 0 ? { l0Traps: 0, cycles: 0 } : { l0Traps: r.l0Traps / a.leafEvents, cycles: r.cycles / a.leafEvents };
  const b = new Map(baseline.rows.filter((r) => r.kind !== "wall").map((r) => [key(r), r]));
  const p = new Map(patched.rows.filter((r) => r.kind !== "wall").map((r) => [key(r), r]));
  const keys = [...b.keys(), ...[...p.keys()].filter((k) => !b.has(k))];
  const all = [...baseline.rows, ...patched.rows];
  const rank = (k: string): number => all.findIndex((r) => key(r) === k);
  keys.sort((x, y) => {
    const rx = (b.get(x) ?? p.get(x))!;
    const ry = (b.get(y) ?? p.get(y))!;
    const o = (r: ExitRow): string => `${["raised", "direct"].indexOf(r.kind)}|${String(r.level).padStart(2, "0")}|${MECHANISMS.indexOf(r.phase)}|${EXIT_PARTS.indexOf(r.part as ExitPart)}`;
    return o(rx) < o(ry) ? -1 : o(rx) > o(ry) ? 1 : rank(x) - rank(y);
  });
  return keys
    .map((k) => {
      const r = (b.get(k) ?? p.get(k))!;
      return { kind: r.kind, level: r.level, phase: r.phase, part: r.part, baseline: per(baseline, b.get(k)), patched: per(patched, p.get(k)) };
    })
    .filter((r) => r.baseline.cycles !== 0 || r.patched.cycles !== 0 || r.baseline.l0Traps !== 0 || r.patched.l0Traps !== 0);
}
