import type { SysRegName } from "../arch/sysregs";
import * as sve from "../arch/sve";
import type { CostName, Costs } from "../costs/table";
import type { ModelConfig } from "../kvm/config";
import * as fpsimd from "../kvm/fpsimd";
import * as handlers from "../kvm/handlers";
import * as nested from "../kvm/nested";
import type { Op } from "../kvm/ops";
import * as paths from "../kvm/paths";
import type { Path, PathName } from "../kvm/paths";
import * as steps from "../kvm/steps";
import * as opsMod from "../kvm/ops";
import * as changeTables from "../changes/tables";
import type { LevelEdits } from "../changes/tables";
import * as errors from "../util/errors";
import * as accessMod from "./access";
import type { SysregAccess } from "./access";
import * as compileMod from "./compile";
import type { CodeClass, CompiledPaths, Segment } from "./compile";
import type { CounterField, LevelCounters } from "./counters";
import type { Engine } from "./engine";
import * as eventsMod from "./events";
import type { Trap, TrapEvent } from "./events";
import * as layout from "./layout";
import type { FlatLayout, FpDetailRow, FpInclusive } from "./layout";
import * as memoMod from "./memo";
import type { MemoRecord, TrapMemo } from "./memo";
import * as observeMod from "./observe";
import * as tracingMod from "./tracing";
import * as emit from "../trace/emit";
import * as tracepoints from "../trace/tracepoints";
import type { FpObserver, LevelState, TrapWatcher } from "./types";
import * as typesMod from "./types";

/**
 * The nesting engine's hot core: charge, run a compiled path, a system register access, a trap and its handling at
 * each level, ERET. What each level's KVM does (exit handlers, forwarding and nested injection, put/load and their
 * components, FP/SVE ownership, vgic, timer) lives in lib/kvm beside the paths it belongs to, written against the
 * Engine interface that this class implements.
 *
 * Software at level k performs operations. At k = 0 they run on hardware. At k >= 1 each privileged operation is
 * native, a VNCR memory access (NV2), or a trap to L0; L0 handles the trap or forwards it up the levels by nested
 * exception injection, the handling level's own operations recurse the same way, and every ERET of a guest hypervisor
 * is itself a trapped operation. Nothing here multiplies: amplification is the recursion.
 *
 *   trap(k, ev)            hardware exception from software at level k: L0 takes it
 *     handleAt(0, ev)      L0: exit path; forward (kvm/handlers forward: inject nested, put/load) or handle
 *       eret(0)            hardware ERET into L1's vEL2
 *     handleAt(1, ev)      L1 runs the same code at vEL2: its ops call exec(1, op) -> trap(1, ...) recursion
 *       ...
 *     handleAt(owner, ev)  the level whose configuration claimed the trap handles it (kvm/handlers HANDLERS)
 *   eret(j >= 1)           = trap(j, ERET): the level below emulates it (kvm_emulate_nested_eret: put/load) ...
 *
 * Two engines share this code: the exact engine steps every trap; the fast engine (engine: "fast") records a trap's
 * whole handling the first time its state is seen and replays it after (lib/engine/memo.ts).
 *
 * Imports used on the hot path are bound to module-local constants (here and in lib/kvm): under a CommonJS loader
 * that reads every imported binding through a getter (esbuild's interop, used by tsx and vitest) the engine would
 * otherwise run several times slower. test/engine/hot-imports.test.ts keeps it so.
 */

// hot imports bound to module-local constants
const { ACCESS, featureIndex, RES_NATIVE, RES_TRAP, RES_VNCR } = accessMod;
const { CLS_GUEST_HYP, CLS_HARDWARE, CLS_NVHE_HOST, CLS_NVHE_HYP, compiledCache, compilePath, SEG_CALL, SEG_MMIO, SEG_SR, SEG_STEP, SEG_TRAP } = compileMod;
const { EV_ERET_GUEST, EV_ERET_INHOST, EV_IRQ_IPI, EV_IRQ_TIMER, EV_MMIO_KERNEL, Trap: TrapClass, trapEvent } = eventsMod;
const { F_FP_LOADS_ELIDED, F_FP_SAVES_ELIDED } = layout;
const { COUNTER_INDEX, F_EXITS, F_L0TRAPS, F_VNCR, FP_MOVES, FP_RESTORE, FP_SAVE, FP_TRAP, FP_TRAPS, FP_ZCR, FPD_OF_SLOT, FPD_PUTFP, FPD_TRAP, FPD_TRAPS, MECH_EXCEPTION, MECH_EXIT, MECH_GUEST, NC, NM } = layout;
const { flatLayout, fpDetailIndex, readAttribution, readCounters, readFpDetail, readFpInclusive } = layout;
const { packLevel, replayTape, TrapMemo: TrapMemoClass, touchedLevels, unpackLevel } = memoMod;
const { dispatchObservation, observationCode } = observeMod;
const { initialLevelState } = typesMod;
const { fpTrapOwner, leafFpUse } = fpsimd;
const { forward, HANDLER_BY_REASON } = handlers;
const { armWindowNeon } = nested;
const { PATHS } = paths;
const { STEP_BY_INDEX, STEPS } = steps;
const { STEP_INDEX } = opsMod;
const { levelEdits } = changeTables;
const STEP_PUT_FP = STEP_INDEX.putFp;
const STEP_LOAD_FP = STEP_INDEX.loadFp;
const { TraceState } = tracingMod;
const { traceHandleBegin, traceHandleEnd, traceSysregTrap, traceTrapBegin, traceTrapEnd, traceVncrAccess } = emit;
const TP_VNCR_ACCESS = tracepoints.TRACEPOINT_INDEX.vncr_access;

const { fpStateBytes } = sve;
const { LimitError } = errors;

const P_GUEST_EXIT_SYNC = PATHS.guestExitSync;
const P_GUEST_EXIT_IRQ = PATHS.guestExitIrq;
const EC_IRQ = eventsMod.EC_INDEX.IRQ;
const P_NVHE_HOST_HVC = PATHS.nvheHostHvc;
const P_GUEST_TIMER_IRQ = PATHS.guestTimerIrq;
const P_GUEST_IPI_IRQ = PATHS.guestIpiIrq;

/** How a machine steps traps: every one (exact), or replaying memoized handling (fast). */
export type EngineKind = "exact" | "fast";
export const ENGINE_KINDS: readonly EngineKind[] = ["exact", "fast"];

/** The parameters of a machine besides its model configuration. */
export interface MachineOptions {
  /** fast (default: exact): replay memoized trap handling; while tracepoints are on, every trap is stepped */
  readonly engine?: EngineKind;
  /** the exact engine stops (LimitError) past this many L0 traps stepped; default unlimited */
  readonly trapBudget?: number;
  /** the FP correctness oracle (either engine: memo records replay their FP observer calls) */
  readonly oracle?: FpObserver;
  /** LimitError past this many FP observer calls (the oracle's own work); default unlimited */
  readonly observationBudget?: number;
}

export class Machine implements Engine {
  readonly depth: number;
  readonly levels: LevelState[];
  readonly engine: EngineKind;
  readonly trapBudget: number;
  readonly oracle: FpObserver | undefined;
  readonly observationBudget: number;
  readonly fpBytes: number;
  readonly fpMoveCycles: number;
  /**
   * Every total the engine keeps, in one flat array (lib/engine/layout.ts). Values are integers below 2^53 (drivers
   * drain long runs into BigInt), so the doubles are exact.
   */
  private readonly acc: Float64Array;
  private readonly lay: FlatLayout;
  private readonly costs: Costs;
  /** unit costs the hot path charges, read once */
  private readonly cExcEntry: number;
  private readonly cExcReturn: number;
  private readonly cSysregRead: number;
  private readonly cSysregWrite: number;
  private readonly cVncr: number;
  /** index of this configuration's features into SysregAccess.res */
  private readonly resSel: number;
  /** FEAT_FGT absent (ModelConfig.fgt false) */
  private readonly noFgt: boolean;
  /** compiled paths, shared by every machine with the same unit costs and features: [CodeClass][path id] */
  private readonly compiledPaths: CompiledPaths;
  /** the level of an nVHE guest hypervisor (only L1, only at depth 2), or -1 */
  private readonly nvheLevel: number;
  /** adopted changes' per-level edit tables (lib/changes/tables.ts); undefined when no level carries an edit */
  private readonly edits: readonly (LevelEdits | undefined)[] | undefined;
  /** the fast engine's memo (undefined: exact) */
  private readonly memo: TrapMemo | undefined;

  /** simulated cycles since the last drain */
  cycles = 0;
  leafTimerTicks = 0;
  /** exceptions taken from the leaf's own context (its exits, incl. FP traps and interrupts while it runs) */
  leafExits = 0;
  /** of leafExits, the FP/SIMD and SVE access traps (the leaf's other exits are its stream's events and its ticks) */
  leafFpTraps = 0;
  /** cycle count when L0 last sent a physical SGI (the IPI micro benchmark's send point) */
  lastSgiAt = -1;
  /** preempt_disable() depth (nested put/loads, preempt notifiers) */
  preemptOff = 0;
  /** the physical CPU the vcpu thread of L0 runs on, and each CPU's fp_owner as last left (L0 is on hardware) */
  cpu = 0;
  readonly cpuFpOwner: boolean[] = [false, false];
  /** set by requestStop(): drivers end the run after the current event */
  stopRequested = false;
  /** FP observer calls made so far */
  observations = 0;
  /** the machine's tracepoints (subscriptions: lib/trace/bus.ts) */
  readonly trace: tracingMod.TraceState;
  /** sees every trap begin and end (lib/run/exit.ts); while set, every trap is stepped */
  watcher: TrapWatcher | undefined = undefined;

  /** index into MECHANISMS of the mechanism cycles are charged to now */
  private mech = 0;
  /** inclusive FP frames open (saves, restores, ZCR switching, FP traps) */
  private fpFrame = 0;
  /** traps stepped (the exact engine's budget; replays are not stepped) */
  private stepped = 0;
  /** transfer cycles (FP_MOVES) when the outermost FP frame opened */
  private fpMovesStart = 0;

  /**
   * A machine that has thrown (a LimitError mid-trap) is left mid-operation: drivers discard it.
   */
  constructor(
    readonly cfg: ModelConfig,
    opts: MachineOptions = {},
  ) {
    this.depth = cfg.depth;
    this.engine = opts.engine ?? "exact";
    this.trapBudget = this.engine === "exact" ? (opts.trapBudget ?? Number.POSITIVE_INFINITY) : Number.POSITIVE_INFINITY;
    this.oracle = opts.oracle;
    this.observationBudget = opts.observationBudget ?? Number.POSITIVE_INFINITY;
    this.costs = cfg.costs;
    this.compiledPaths = compiledCache(cfg);
    this.memo = this.engine === "fast" ? new TrapMemoClass(cfg) : undefined;
    this.fpBytes = fpStateBytes(cfg.sveVl);
    this.fpMoveCycles = Math.ceil(this.fpBytes / cfg.costs.fpBytesPerCycle);
    this.cExcEntry = cfg.costs.excEntry;
    this.cExcReturn = cfg.costs.excReturn;
    this.cSysregRead = cfg.costs.sysregRead;
    this.cSysregWrite = cfg.costs.sysregWrite;
    this.cVncr = cfg.costs.vncrAccess;
    this.resSel = featureIndex(cfg.nv2, cfg.ecv, cfg.nv2p1 === true);
    this.noFgt = cfg.fgt === false;
    this.nvheLevel = cfg.guestHyp === "nvhe" ? 1 : -1;
    this.edits = levelEdits(cfg);
    this.levels = [];
    for (let j = 0; j < cfg.depth; j++) this.levels.push(initialLevel(j, cfg));
    this.lay = flatLayout(cfg.depth);
    this.acc = new Float64Array(this.lay.length);
    this.trace = new TraceState(cfg.depth);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Totals

  /** exact totals by level (a fresh copy) */
  get counters(): LevelCounters[] {
    this.fold();
    return readCounters(this.acc, this.lay, this.depth);
  }

  /** cycles by [level][mechanism], level = whose software ran (0..depth, depth = the leaf) */
  get attribution(): number[][] {
    this.fold();
    return readAttribution(this.acc, this.lay, this.depth);
  }

  /** copies cycles by [level][mechanism], flattened (level-major), into `out` without allocating */
  attributionInto(out: Float64Array): void {
    this.fold();
    out.set(this.acc.subarray(this.lay.attr, this.lay.attr + (this.depth + 1) * NM));
  }

  /** inclusive cycles of FP traps (outermost), FP saves and restores (put_fp / lazy restore), incl. what they caused */
  get fpInclusive(): FpInclusive {
    this.fold();
    return readFpInclusive(this.acc, this.lay);
  }

  /** FP detail: all transfer cycles, and per level the outermost FP frames by kind (layout FP_DETAIL_FIELDS) */
  get fpDetail(): { moves: number; byLevel: FpDetailRow[] } {
    this.fold();
    return readFpDetail(this.acc, this.lay, this.depth);
  }

  /** cycles of the outermost FP frames (traps, saves, restores, ZCR) and put_fp's own work so far, without allocating */
  fpWorkCycles(): number {
    this.fold();
    const acc = this.acc;
    const b = this.lay.fp;
    let v = acc[b + FP_TRAP]! + acc[b + FP_SAVE]! + acc[b + FP_RESTORE]! + acc[b + FP_ZCR]!;
    for (let j = 0; j < this.depth; j++) v += acc[fpDetailIndex(this.lay, j, FPD_PUTFP)]!;
    return v;
  }

  /** one level's counter (read) */
  count(j: number, f: CounterField): number {
    this.fold();
    return this.acc[j * this.lay.perLevel + COUNTER_INDEX[f]]!;
  }

  /** Moves the machine's running totals out (for exact BigInt accumulation by long runs) and zeroes them. */
  drain(): { cycles: number; counters: LevelCounters[]; attribution: number[][]; fpInclusive: FpInclusive; fpDetail: { moves: number; byLevel: FpDetailRow[] } } {
    this.fold();
    const out = { cycles: this.cycles, counters: this.counters, attribution: this.attribution, fpInclusive: this.fpInclusive, fpDetail: this.fpDetail };
    this.cycles = 0;
    this.acc.fill(0);
    return out;
  }

  requestStop(): void {
    this.stopRequested = true;
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Cycle accounting (Engine)

  charge(level: number, cycles: number): void {
    this.cycles += cycles;
    this.acc[this.lay.attr + level * NM + this.mech]! += cycles;
    if (this.cycles > Number.MAX_SAFE_INTEGER) {
      throw new LimitError("depth", "cycle total exceeds 2^53 in the exact engine; use a smaller depth or NV2");
    }
  }

  cost(level: number, name: CostName): void {
    this.charge(level, this.costs[name]);
  }

  bump(j: number, f: number, n = 1): void {
    this.acc[j * this.lay.perLevel + f]! += n;
  }

  setMech(mech: number): number {
    const prev = this.mech;
    this.mech = mech;
    return prev;
  }

  fpBegin(): number {
    const start = this.fpFrame === 0 ? this.cycles : -1;
    if (start >= 0) this.fpMovesStart = this.movesNow();
    this.fpFrame++;
    return start;
  }

  fpEnd(slot: number, start: number, j: number): void {
    this.fpFrame--;
    if (start < 0) return;
    const cycles = this.cycles - start;
    this.acc[this.lay.fp + slot]! += cycles;
    const kind = FPD_OF_SLOT[slot]!;
    this.acc[fpDetailIndex(this.lay, j, kind)]! += cycles;
    this.acc[fpDetailIndex(this.lay, j, kind + 1)]! += this.movesNow() - this.fpMovesStart;
  }

  fpMoved(cycles: number): void {
    this.acc[this.lay.fp + FP_MOVES]! += cycles;
  }

  fpOutside(j: number, cycles: number): void {
    if (this.fpFrame === 0) this.acc[fpDetailIndex(this.lay, j, FPD_PUTFP)]! += cycles;
  }

  /** transfer cycles so far (replays folded in first) */
  private movesNow(): number {
    this.fold();
    return this.acc[this.lay.fp + FP_MOVES]!;
  }

  /** One FP observer call: dispatched to the oracle, and taped while a memo record is being made. */
  observe(kind: number, level: number, a: number, b: number): void {
    const recording = this.memo !== undefined && this.memo.recording > 0;
    if (!this.oracle && !recording) return;
    const code = observationCode(kind, level, a, b);
    if (recording) this.memo!.tapeCall(code);
    if (this.oracle) {
      dispatchObservation(this.oracle, code);
      this.countObservations(1);
    }
  }

  private countObservations(n: number): void {
    this.observations += n;
    if (this.observations > this.observationBudget) {
      throw new LimitError(
        "depth",
        `more than ${this.observationBudget} FP/SVE state movements for the oracle to follow in one schedule: ` +
          `hours of work at this configuration (use a smaller --depth, --nv2, or a smaller --sve-vl)`,
      );
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Operations by software at level k (Engine)

  runAs(mech: number, k: number, p: Path): void {
    const prev = this.mech;
    this.mech = mech;
    this.run(k, p);
    this.mech = prev;
  }

  /**
   * Runs a path at level k. Runs of operations whose outcome cannot depend on state are folded into one charge and
   * the rest are resolved once (compiled per configuration, lib/engine/compile.ts), so the exact engine pays only for
   * what can trap or change state; while the vncr_access tracepoint is on, every op is stepped (each VNCR access is a
   * record). The two give identical counts and cycles (tested).
   */
  run(k: number, p: Path): void {
    if (this.edits !== undefined) {
      const t = this.edits[k];
      if (t !== undefined && (t.pathSkip[p.id]! & this.stateBit(k)) !== 0) return;
    }
    if (this.trace.active && this.trace.on[TP_VNCR_ACCESS] !== 0) {
      const opsOf = p.ops;
      for (let i = 0; i < opsOf.length; i++) this.exec(k, opsOf[i]!);
      return;
    }
    const cls: CodeClass =
      k === 0 ? CLS_HARDWARE : k !== this.nvheLevel ? CLS_GUEST_HYP : this.levels[k]!.hostMode ? CLS_NVHE_HOST : CLS_NVHE_HYP;
    const segs = this.compiledPaths[cls]![p.id] ?? this.compile(cls, p);
    for (let i = 0; i < segs.length; i++) {
      const seg = segs[i]!;
      if (seg.cost !== 0) this.charge(k, seg.cost);
      if (seg.vncr !== 0 && k < this.depth) this.bump(k, F_VNCR, seg.vncr);
      switch (seg.kind) {
        case SEG_TRAP: {
          const a = seg.access!;
          if (this.trace.active) traceSysregTrap(this, k, a.reg, a.write);
          this.trap(k, a.ev);
          break;
        }
        case SEG_MMIO:
          this.trap(k, EV_MMIO_KERNEL);
          break;
        case SEG_STEP:
          if (this.edits === undefined) STEP_BY_INDEX[seg.step]!(this, k);
          else this.editedStep(k, seg.step);
          break;
        case SEG_CALL:
          this.run(k, seg.path!);
          break;
        case SEG_SR:
          this.sr(k, seg.access!);
          break;
      }
    }
  }

  /** level k's state as a CONDITION_MASK bit (lib/changes/tables.ts stateBit) */
  private stateBit(k: number): number {
    const lv = this.levels[k];
    return lv === undefined ? 4 : lv.inNestedEret ? 1 : lv.inNestedException ? 2 : 4;
  }

  stepSkipped(j: number, step: number): boolean {
    const t = this.edits?.[j];
    return t !== undefined && (t.stepSkip[step]! & this.stateBit(j)) !== 0;
  }

  /**
   * A step under adopted changes: replaced, skipped (the FP-elision change's skips of put_fp / load_fp are counted
   * as fpSavesElided / fpLoadsElided), or run.
   */
  private editedStep(k: number, step: number): void {
    const t = this.edits![k];
    if (t !== undefined) {
      const bit = this.stateBit(k);
      if ((t.stepReplace[step]! & bit) !== 0) {
        STEP_BY_INDEX[t.stepWith[step]!]!(this, k);
        return;
      }
      if ((t.stepSkip[step]! & bit) !== 0) {
        if (step === STEP_PUT_FP) this.bump(k, F_FP_SAVES_ELIDED);
        else if (step === STEP_LOAD_FP) this.bump(k, F_FP_LOADS_ELIDED);
        return;
      }
    }
    STEP_BY_INDEX[step]!(this, k);
  }

  private compile(cls: CodeClass, p: Path): Segment[] {
    const segs = compilePath(cls, p, this.costs, this.cfg.nv2, this.cfg.ecv, this.cfg.nv2p1 === true);
    this.compiledPaths[cls]![p.id] = segs;
    return segs;
  }

  exec(k: number, op: Op): void {
    switch (op.kind) {
      case "sysreg":
        this.sr(k, ACCESS[op.reg][op.write ? 1 : 0]);
        return;
      case "isb":
      case "dsb":
        this.cost(k, op.kind);
        return;
      case "gpr":
        this.cost(k, "gprSwitch");
        return;
      case "code":
        this.cost(k, op.cost);
        return;
      case "mmio":
        this.mmioGicr(k);
        return;
      case "step":
        if (this.edits === undefined) STEPS[op.step](this, k);
        else this.editedStep(k, STEP_INDEX[op.step]);
        return;
      case "call":
        this.run(k, PATHS[op.path as PathName]);
        return;
    }
  }

  sr(k: number, access: SysregAccess): void {
    // an nVHE hypervisor's hyp code reaches its own EL2 exception state through the EL2 encodings
    const a = k === this.nvheLevel && access.nvhe !== undefined && !this.levels[k]!.hostMode ? access.nvhe : access;
    if (k === 0) {
      if (a.sgi) this.lastSgiAt = this.cycles;
      this.charge(0, a.write ? this.cSysregWrite : this.cSysregRead);
      return;
    }
    // MDCR_EL2.TDA of the level below traps its debug registers while they are not the guest's (kvm_arm_setup_mdcr_el2),
    // and, without FEAT_FGT, always in hyp context (nested.c kvm_nested_setup_mdcr_el2)
    const tdaTrap = a.tda && k < this.depth && (this.levels[k - 1]!.debugOwner === "free" || (this.noFgt && !this.levels[k]!.hostMode));
    const res = tdaTrap ? RES_TRAP : k < this.depth && this.levels[k]!.hostMode ? RES_NATIVE : a.res[this.resSel]!;
    switch (res) {
      case RES_NATIVE:
        this.charge(k, a.write ? this.cSysregWrite : this.cSysregRead);
        return;
      case RES_VNCR:
        if (this.trace.active) traceVncrAccess(this, k, a.reg, a.write);
        if (k < this.depth) this.bump(k, F_VNCR);
        this.charge(k, this.cVncr);
        return;
      default:
        if (this.trace.active) traceSysregTrap(this, k, a.reg, a.write);
        this.trap(k, a.ev);
        return;
    }
  }

  /** An MMIO access to the GIC redistributor by level k's kernel (irq_set_irqchip_state -> gic_poke_irq). */
  private mmioGicr(k: number): void {
    if (k === 0) {
      this.charge(0, this.cSysregWrite); // a device register write; posted
      return;
    }
    this.trap(k, EV_MMIO_KERNEL);
  }

  eret(j: number, to: "guest" | "inhost"): void {
    if (j === 0) {
      const prev = this.mech;
      this.mech = MECH_EXCEPTION;
      this.charge(0, this.cExcReturn);
      this.mech = prev;
      return;
    }
    this.trap(j, to === "guest" ? EV_ERET_GUEST : EV_ERET_INHOST);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Traps and their handling

  private routeOwner(k: number, ev: Trap): number {
    if (ev.reason === "fp") return fpTrapOwner(this, k);
    if (ev.owner !== undefined) return ev.owner;
    if (ev.reason === "irq-timer" || ev.reason === "irq-ipi") return this.depth - 1;
    if (ev.reason === "host-irq") return 0; // owner set explicitly for a guest hypervisor's own interrupts
    return k - 1;
  }

  /** A hardware exception taken from software at level k (k >= 1). */
  trap(k: number, event: TrapEvent): void {
    const ev = event instanceof TrapClass ? event : trapEvent(event);
    if (k === this.depth) {
      this.leafExits++;
      if (ev.reason === "fp") this.leafFpTraps++;
    }
    // migration reads per-CPU state outside the memo key: always stepped
    if (this.memo !== undefined && !this.trace.active && this.watcher === undefined && ev.hostWork !== "migrate") this.trapMemo(this.memo, k, ev);
    else this.trapExact(k, ev);
  }

  private trapExact(k: number, ev: Trap): void {
    const owner = this.routeOwner(k, ev);
    const acc = this.acc;
    acc[F_L0TRAPS]!++;
    if (++this.stepped > this.trapBudget) {
      throw new LimitError(
        "depth",
        `more than ${this.trapBudget} L0 traps stepped: beyond the exact engine's budget at this depth (use --engine fast)`,
      );
    }
    if (this.trace.active) traceTrapBegin(this, k, ev, owner, this.fpFrame > 0);
    const watcher = this.watcher;
    if (watcher !== undefined) watcher.begin(k, ev, this.mech);
    const fp = ev.reason === "fp";
    const outerFp = fp && this.fpFrame === 0;
    const start = outerFp ? this.cycles : 0;
    if (outerFp) this.fpMovesStart = this.movesNow();
    if (fp) this.fpFrame++;
    const prev = this.mech;
    this.mech = MECH_EXCEPTION;
    this.charge(0, this.cExcEntry);
    this.handleAt(0, ev, owner, k);
    this.mech = prev;
    if (fp) this.fpFrame--;
    if (outerFp) {
      const cycles = this.cycles - start;
      acc[this.lay.fp + FP_TRAP]! += cycles;
      acc[this.lay.fp + FP_TRAPS]!++;
      // by the level that handled it (L0's fast path, or forwarded to a guest hypervisor)
      acc[fpDetailIndex(this.lay, owner, FPD_TRAP)]! += cycles;
      acc[fpDetailIndex(this.lay, owner, FPD_TRAP + 1)]! += this.movesNow() - this.fpMovesStart;
      acc[fpDetailIndex(this.lay, owner, FPD_TRAPS)]!++;
    }
    if (watcher !== undefined) watcher.end();
    // an nVHE host kernel's HVC into its own hyp (owner k) ended when its hyp began (handleAt)
    if (this.trace.active && owner !== k) traceTrapEnd(this, k, ev, owner);
  }

  /**
   * Level j's hypervisor entered from its guest with exception ev, which `owner` handles. Its handling slice begins
   * here (L0's with the trap itself) and ends when its part is done; an nVHE host kernel's HVC into its own hyp
   * (owner = from) is not a handling of that level by itself: the trapping software runs again when its hyp does.
   */
  private handleAt(j: number, ev: Trap, owner: number, from: number): void {
    const traced = this.trace.active;
    if (traced && j > 0) {
      if (j !== from) traceHandleBegin(this, j, ev, from);
      else traceTrapEnd(this, from, ev, owner);
    }
    const base = j * this.lay.perLevel;
    this.acc[base + F_EXITS]!++;
    this.acc[base + NC + ev.ecIdx]!++;
    // the exception vector: el1_irq for an interrupt, el1_sync (and the syndrome) for the rest
    const vector = ev.reason === "hvc-hyp" && j === owner ? P_NVHE_HOST_HVC : ev.ecIdx === EC_IRQ ? P_GUEST_EXIT_IRQ : P_GUEST_EXIT_SYNC;
    this.runAs(MECH_EXIT, j, vector);
    if (j < owner) {
      forward(this, j, ev, from, owner);
      if (this.trace.active) traceHandleEnd(this, j, ev);
      this.handleAt(j + 1, ev, owner, from);
      return;
    }
    HANDLER_BY_REASON[ev.reasonIdx]!(this, j, ev, from);
    if (this.trace.active && j !== from) traceHandleEnd(this, j, ev);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // The fast engine (lib/engine/memo.ts): replay a recorded handling, or step it once and record it

  /** adds the deltas of the replays counted since the last fold to the totals */
  private fold(): void {
    this.memo?.fold(this.acc);
  }

  private trapMemo(memo: TrapMemo, k: number, ev: Trap): void {
    memo.writeKey(k, this.mech * 2 + (this.fpFrame > 0 ? 1 : 0), ev, this.levels, this.depth);
    const table = memo.table;
    const rec = table.get();
    if (rec) {
      const start = this.cycles;
      this.cycles += rec.cycles;
      if (this.cycles > Number.MAX_SAFE_INTEGER) {
        throw new LimitError("duration-ms", "cycle total exceeds 2^53 within one machine; drain totals more often");
      }
      // the delta is added on the next read
      memo.hit(rec);
      const end = rec.endState;
      for (let j = 0; j < end.length; j++) unpackLevel(this.levels[j]!, end[j]!);
      if (rec.sgiOffset >= 0) this.lastSgiAt = start + rec.sgiOffset;
      if (rec.tape.length !== 0) {
        if (memo.recording) memo.tapeRef(rec);
        if (this.oracle) this.countObservations(replayTape(this.oracle, rec));
      }
      return;
    }
    const key = table.key.slice(); // the buffer is reused by the traps this one raises
    const acc = this.acc;
    memo.fold(acc);
    const before = acc.slice();
    const start = this.cycles;
    const prevSgi = this.lastSgiAt;
    this.lastSgiAt = -1;
    const tapeStart = memo.begin();
    this.trapExact(k, ev);
    const { tape, children } = memo.endTape(tapeStart);
    const sgiOffset = this.lastSgiAt >= 0 ? this.lastSgiAt - start : -1;
    if (sgiOffset < 0) this.lastSgiAt = prevSgi;
    memo.fold(acc);
    const idx: number[] = [];
    const val: number[] = [];
    for (let i = 0; i < acc.length; i++) {
      const dv = acc[i]! - before[i]!;
      if (dv !== 0) {
        idx.push(i);
        val.push(dv);
      }
    }
    const made: MemoRecord = {
      no: table.size,
      cycles: this.cycles - start,
      idx: Int32Array.from(idx),
      val: Float64Array.from(val),
      endState: this.levels.slice(0, touchedLevels(k, ev, this.depth)).map(packLevel),
      sgiOffset,
      tape,
      children,
    };
    table.set(key, made);
    if (memo.recording && tape.length !== 0) memo.tapeRef(made);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // The leaf's operations (software at level depth): the drivers' vocabulary

  /** The leaf uses FP/SIMD: may trap if the registers are not its own. */
  leafFp(): void {
    const prev = this.mech;
    this.mech = MECH_GUEST;
    leafFpUse(this);
    this.mech = prev;
  }

  leafWork(cycles: number): void {
    const prev = this.mech;
    this.mech = MECH_GUEST;
    this.charge(this.depth, cycles);
    this.mech = prev;
  }

  leafTrap(ev: TrapEvent): void {
    const prev = this.mech;
    this.mech = MECH_GUEST;
    this.trap(this.depth, ev);
    this.mech = prev;
  }

  /** A timer or IPI interrupt for the leaf, taken physically at L0 and routed up to the leaf's hypervisor. */
  leafIrq(reason: "irq-timer" | "irq-ipi"): void {
    const timer = reason === "irq-timer";
    if (timer) this.leafTimerTicks++;
    const prev = this.mech;
    this.mech = MECH_GUEST;
    this.trap(this.depth, timer ? EV_IRQ_TIMER : EV_IRQ_IPI);
    this.run(this.depth, timer ? P_GUEST_TIMER_IRQ : P_GUEST_IPI_IRQ);
    this.mech = prev;
  }

  /** A system register access by the leaf (its mechanism: guest). */
  leafSysreg(reg: SysRegName, write: boolean): void {
    const prev = this.mech;
    this.mech = MECH_GUEST;
    this.sr(this.depth, ACCESS[reg][write ? 1 : 0]);
    this.mech = prev;
  }

  /** Arms kernel-mode NEON at level j to run inside its next nested put/load window. */
  armWindowNeon(j: number): void {
    armWindowNeon(this, j);
  }
}

function initialLevel(j: number, cfg: ModelConfig): LevelState {
  return initialLevelState(j, cfg.depth, cfg.patch.includes(j));
}
