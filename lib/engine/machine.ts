import { EXCEPTION_CLASS_NAMES, type ExceptionClass } from "../arch/exceptions";
import { fpStateBytes } from "../arch/sve";
import { resolveGuestHypAccess, type SysRegName, SYSREGS } from "../arch/sysregs";
import type { CostName, Costs } from "../costs/table";
import type { ModelConfig } from "../kvm/config";
import { opLabel, type Op, type StepName } from "../kvm/ops";
import { PATHS, type PathName } from "../kvm/paths";
import { LimitError } from "../util/errors";
import { COUNTER_FIELDS, type LevelCounters, newLevelCounters } from "./counters";

/**
 * The nesting engine (exact: every operation is stepped).
 *
 * Software at level k performs operations. At k = 0 they run on hardware. At k >= 1 each privileged operation is
 * native, a VNCR memory access (NV2), or a trap to L0; L0 handles the trap or forwards it up the levels by nested
 * exception injection, the handling level's own operations recurse the same way, and every ERET of a guest hypervisor
 * is itself a trapped operation. Nothing here multiplies: amplification is the recursion.
 *
 *   trap(k, ev)            hardware exception from software at level k: L0 takes it
 *     handleAt(0, ev)      L0: exit path; forward (inject nested: put/load) or handle (fast path / full exit)
 *       eret(0)            hardware ERET into L1's vEL2
 *     handleAt(1, ev)      L1 runs the same code at vEL2: its ops call exec(1, op) -> trap(1, ...) recursion
 *       ...
 *     handleAt(owner, ev)  the level whose configuration claimed the trap handles it, then ERETs: eret(owner)
 *   eret(j >= 1)           = trap(j, ERET): the level below emulates it (kvm_emulate_nested_eret: put/load) ...
 */

export type VcpuContext = "hyp" | "nested" | "guest";
export type FpBinding = "none" | "host" | "vcpu";

/**
 * FP/SVE save/restore policies a level's KVM can run (DESIGN.md "FP/SVE correctness oracle"):
 * - baseline: mainline before the change; nv-fp-elision: the change (early return under IN_NESTED_*);
 * - unsound variants a reviewer could plausibly propose, which the oracle must catch:
 *   elide-always (skip FP put/load on every put/load), elide-save-only (under IN_NESTED_* skip the save but still
 *   flush and let load mark FREE), no-zcr-reset (elide as the change, and also drop the "ZCR_EL2 back to max" on exit
 *   that lets the host save at the maximum VL).
 */
export const FP_POLICIES = ["baseline", "nv-fp-elision", "elide-always", "elide-save-only", "no-zcr-reset"] as const;
export type FpPolicy = (typeof FP_POLICIES)[number];

/** Receives every movement of FP/SVE register contents (the correctness oracle); attaching one forces exact mode. */
export interface FpObserver {
  /** level j saves the registers into a buffer (its vcpu's state or its thread's user state) */
  save(level: number, buffer: "vcpu" | "host", truncateToGuestVl: boolean): void;
  /** level j loads a buffer into the registers */
  restore(level: number, buffer: "vcpu" | "host"): void;
  /** a context uses FP/SIMD at level j: the leaf or a VMM reads its own values and writes new ones; NEON and other tasks clobber */
  use(level: number, who: "leaf" | "vmm" | "neon" | "other"): void;
  /** the vcpu thread of L0 now runs on another physical CPU */
  switchCpu(cpu: number): void;
}

/** Why an exception was taken (finer than the exception class). */
export type TrapReason =
  | "hvc"
  | "mmio-kernel"
  | "mmio-user"
  | "sysreg"
  | "eret"
  | "fp"
  | "irq-timer"
  | "irq-ipi"
  | "sgi"
  | "wfi"
  | "s2fault"
  | "s2-shadow"
  | "host-irq"
  | "irq-hyptick"
  | "hvc-hyp";

/** What a host interrupt taken at L0 does besides its handler (host-irq events). */
export type HostIrqWork = "neon" | "preempt" | "migrate" | "none";

export interface TrapEvent {
  readonly ec: ExceptionClass;
  readonly reason: TrapReason;
  readonly reg?: SysRegName;
  readonly write?: boolean;
  /** ERET target: the guest's EL1/EL0 (nested ERET) or the hypervisor's own userspace (InHost). */
  readonly eretTo?: "guest" | "inhost";
  /** the level that handles it, when not implied by the reason (shadow stage-2 fills, a guest hypervisor's tick) */
  readonly owner?: number;
  readonly hostWork?: HostIrqWork;
}

/** Per-level hypervisor state (one vcpu of each level runs on the modelled physical CPU). */
export interface LevelState {
  ctx: VcpuContext;
  /** per-CPU fp_owner == FP_STATE_GUEST_OWNED for this level's vcpu */
  guestOwnsFp: boolean;
  /** TIF_FOREIGN_FPSTATE of the vcpu thread */
  foreignFp: boolean;
  /** which buffer the CPU's FP registers are bound to (fpsimd_last_state): the thread's user state, the vcpu's, none */
  bound: FpBinding;
  inNestedEret: boolean;
  inNestedException: boolean;
  patched: boolean;
  /** vgic list registers hold an interrupt injected into this level's guest */
  lrInUse: boolean;
  /** timer map last loaded (NV: hyp or nested) */
  timerMap: VcpuContext;
  /** an nVHE hypervisor's host kernel is running at (v)EL1 (its EL1 register accesses are its own, on hardware) */
  hostMode: boolean;
}

/** Listener for everything the engine does; absent listeners cost nothing. */
export type EngineEvent =
  | {
      readonly type: "op";
      readonly level: number;
      readonly op: string;
      readonly res: "native" | "vncr" | "trap";
      /** for an ERET: into the guest, or (InHost) to the hypervisor's own userspace */
      readonly eretTo?: "guest" | "inhost";
    }
  /** the exception's handling is complete: software at `level` (the one that trapped) runs again */
  | { readonly type: "trapDone"; readonly level: number; readonly owner: number; readonly reason: TrapReason }
  | {
      readonly type: "trap";
      readonly from: number;
      readonly ec: ExceptionClass;
      readonly reason: TrapReason;
      readonly owner: number;
      readonly detail?: string;
      /** raised while FP/SVE state or ZCR is being saved, restored or switched (incl. the traps those cause) */
      readonly fpWork: boolean;
    }
  | { readonly type: "exit"; readonly level: number; readonly ec: ExceptionClass; readonly how: "fast" | "full" | "forward" }
  | { readonly type: "put" | "load"; readonly level: number; readonly ctx: VcpuContext; readonly fpElided: boolean }
  | { readonly type: "nestedException"; readonly level: number }
  | { readonly type: "nestedEret"; readonly level: number }
  | { readonly type: "fastEret"; readonly level: number }
  | { readonly type: "fpSave" | "fpRestore" | "hostFpSave" | "hostFpRestore"; readonly level: number; readonly bytes: number }
  | { readonly type: "fpTrap"; readonly level: number; readonly from: number };

export type EngineListener = (ev: EngineEvent) => void;

export const MECHANISMS = ["guest", "exception", "exit", "handler", "putload", "fp"] as const;
export type Mechanism = (typeof MECHANISMS)[number];
const MECH_INDEX: Record<Mechanism, number> = { guest: 0, exception: 1, exit: 2, handler: 3, putload: 4, fp: 5 };
const MECH_GUEST = MECH_INDEX.guest;
const MECH_EXCEPTION = MECH_INDEX.exception;

export class Machine {
  readonly depth: number;
  readonly levels: LevelState[];
  private readonly _counters: LevelCounters[];
  /** cycles by [level][mechanism], level = whose software ran (0..depth, depth = the leaf) */
  private readonly _attribution: number[][];
  /**
   * Deltas replayed by the fast engine accumulate here (flat layout of flatTotals) and are folded into the counter
   * objects when someone reads them: a replay is then a few typed-array additions.
   */
  private pending: Float64Array | undefined;
  private pendingDirty = false;

  /** exact totals by level (folds any replayed deltas first) */
  get counters(): LevelCounters[] {
    if (this.pendingDirty) this.flushPending();
    return this._counters;
  }

  get attribution(): number[][] {
    if (this.pendingDirty) this.flushPending();
    return this._attribution;
  }

  get fpInclusive(): FpInclusive {
    if (this.pendingDirty) this.flushPending();
    return this._fp;
  }

  /** a level's counters for the engine's own increments (no fold needed for writes) */
  ctr(j: number): LevelCounters {
    return this._counters[j]!;
  }

  private flushPending(): void {
    const p = this.pending!;
    this.pendingDirty = false;
    for (let i = 0; i < p.length; i++) {
      const v = p[i]!;
      if (v !== 0) {
        p[i] = 0;
        this.addFlatIndex(i, v);
      }
    }
  }
  cycles = 0;
  /** inclusive cycles of FP traps (outermost), FP saves and restores (put_fp / lazy restore), incl. what they caused */
  private _fp: FpInclusive = { trap: 0, traps: 0, save: 0, restore: 0, zcr: 0 };
  /** stop the run once this many L0 traps have been taken (exact-engine guard) */
  trapBudget = Number.POSITIVE_INFINITY;
  leafTimerTicks = 0;
  /** the FP correctness oracle, if attached (forces the exact engine) */
  oracle: FpObserver | undefined;
  /** called inside the IN_NESTED_* windows (preemption disabled, interrupts on) of level j's put/load */
  onNestedWindow: ((j: number) => void) | undefined;
  /** preempt_disable() depth (nested put/loads, preempt notifiers) */
  preemptOff = 0;
  /** the physical CPU the vcpu thread of L0 runs on, and each CPU's fp_owner as last left (L0 is on hardware) */
  cpu = 0;
  readonly cpuFpOwner: boolean[] = [false, false];
  /** no-zcr-reset variant: ZCR_EL2 left at the guest's VL after an exit at this level */
  readonly zcrLeftAtGuestVl: boolean[] = [];
  /** set by requestStop(): drivers end the run after the current event */
  stopRequested = false;
  requestStop(): void {
    this.stopRequested = true;
  }
  /** exceptions taken from the leaf's own context (its exits, incl. FP traps and interrupts while it runs) */
  leafExits = 0;

  /** cycle count when L0 last sent a physical SGI (the IPI micro benchmark's send point) */
  lastSgiAt = -1;

  private readonly costs: Costs;
  private readonly fpBytes: number;
  /** index into MECHANISMS of the mechanism cycles are charged to now */
  private mech = 0;
  private fpFrame = 0;
  listener: EngineListener | undefined;

  constructor(readonly cfg: ModelConfig) {
    this.depth = cfg.depth;
    this.costs = cfg.costs;
    this.compiledPaths = compiledCache(cfg);
    this.memoTable = memoFor(cfg);
    this.fpBytes = fpStateBytes(cfg.sveVl);
    this.levels = [];
    for (let j = 0; j < cfg.depth; j++) {
      const ctx: VcpuContext = j === cfg.depth - 1 ? "guest" : "nested";
      this.levels.push({
        ctx,
        guestOwnsFp: false,
        foreignFp: true,
        bound: "none",
        inNestedEret: false,
        inNestedException: false,
        patched: cfg.patch.includes(j),
        lrInUse: false,
        timerMap: ctx,
        hostMode: false,
      });
    }
    this._counters = Array.from({ length: cfg.depth }, () => newLevelCounters());
    this._attribution = Array.from({ length: cfg.depth + 1 }, () => MECHANISMS.map(() => 0));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Cycle accounting

  private charge(level: number, cycles: number): void {
    this.cycles += cycles;
    const row = this._attribution[level];
    if (row) row[this.mech]! += cycles;
    if (level < this.depth) this._counters[level]!.cycles += cycles;
    if (this.cycles > Number.MAX_SAFE_INTEGER) {
      throw new LimitError("depth", "cycle total exceeds 2^53 in the exact engine; use a smaller depth or NV2");
    }
  }

  cost(level: number, name: CostName): void {
    this.charge(level, this.costs[name]);
  }

  /** runs a path with its cycles charged to mechanism index `mech` (no closure: the hot path's form of withMech) */
  runPathAs(mech: number, k: number, name: PathName): void {
    const prev = this.mech;
    this.mech = mech;
    try {
      this.runPath(k, name);
    } finally {
      this.mech = prev;
    }
  }

  withMech<T>(m: Mechanism, f: () => T): T {
    const prev = this.mech;
    this.mech = MECH_INDEX[m];
    try {
      return f();
    } finally {
      this.mech = prev;
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Operations by software at level k

  /**
   * Runs a path at level k. With a listener every op is stepped and reported; without one, runs of operations whose
   * outcome cannot depend on state (native accesses, VNCR memory, barriers, plain code) are folded into one charge
   * (compiled once per machine), so the exact engine pays only for what can trap or change state. The two give
   * identical counts and cycles (tested).
   */
  runPath(k: number, name: PathName): void {
    if (this.listener) {
      const ops = PATHS[name].ops;
      for (let i = 0; i < ops.length; i++) this.exec(k, ops[i]!);
      return;
    }
    const segs = this.compiled(k === 0 || this.levels[k]?.hostMode ? 0 : 1, name);
    const c = this._counters[k];
    for (let i = 0; i < segs.length; i++) {
      const seg = segs[i]!;
      if (seg.cost !== 0) this.charge(k, seg.cost);
      if (seg.vncr !== 0 && c) c.vncrAccesses += seg.vncr;
      if (seg.op) this.exec(k, seg.op);
    }
  }

  /** compiled paths, shared by every machine with the same unit costs and features */
  private readonly compiledPaths: readonly [Map<string, Segment[]>, Map<string, Segment[]>];

  private compiled(cls: 0 | 1, name: PathName): Segment[] {
    const cache = this.compiledPaths[cls];
    const key = name;
    let segs = cache.get(key);
    if (segs) return segs;
    segs = [];
    let cost = 0;
    let vncr = 0;
    const flush = (op?: Op): void => {
      if (cost !== 0 || vncr !== 0 || op) segs!.push({ cost, vncr, op });
      cost = 0;
      vncr = 0;
    };
    for (const op of PATHS[name].ops) {
      switch (op.kind) {
        case "isb":
        case "dsb":
          cost += this.costs[op.kind];
          break;
        case "gpr":
          cost += this.costs.gprSwitch;
          break;
        case "code":
          cost += this.costs[op.cost];
          break;
        case "sysreg": {
          const res = cls === 0 ? "native" : resolveGuestHypAccess(op.reg, op.write, this.cfg.nv2, this.cfg.ecv);
          if (res === "native") cost += op.write ? this.costs.sysregWrite : this.costs.sysregRead;
          else if (res === "vncr") {
            cost += this.costs.vncrAccess;
            vncr++;
          } else flush(op);
          break;
        }
        case "mmio":
          if (cls === 0) cost += this.costs.sysregWrite;
          else flush(op);
          break;
        default:
          flush(op);
      }
    }
    flush();
    cache.set(key, segs);
    return segs;
  }

  exec(k: number, op: Op): void {
    switch (op.kind) {
      case "sysreg":
        this.sysreg(k, op.reg, op.write);
        return;
      case "isb":
        this.emitOp(k, op, "native");
        this.cost(k, "isb");
        return;
      case "dsb":
        this.emitOp(k, op, "native");
        this.cost(k, "dsb");
        return;
      case "gpr":
        this.emitOp(k, op, "native");
        this.cost(k, "gprSwitch");
        return;
      case "code":
        this.emitOp(k, op, "native");
        this.cost(k, op.cost);
        return;
      case "mmio":
        this.mmioGicr(k);
        return;
      case "step":
        this.step(k, op.step);
        return;
      case "call":
        this.runPath(k, op.path as PathName);
        return;
    }
  }

  private emitOp(k: number, op: Op, res: "native" | "vncr" | "trap"): void {
    if (this.listener) this.listener({ type: "op", level: k, op: opLabel(op), res });
  }

  /** A system register access by software at level k. */
  sysreg(k: number, reg: SysRegName, write: boolean): void {
    if (k === 0) {
      if (reg === "ICC_SGI1R_EL1") this.lastSgiAt = this.cycles;
      if (this.listener) this.listener({ type: "op", level: 0, op: `${write ? "W" : "R"} ${reg}`, res: "native" });
      this.cost(0, write ? "sysregWrite" : "sysregRead");
      return;
    }
    const res = this.levels[k]?.hostMode ? "native" : resolveGuestHypAccess(reg, write, this.cfg.nv2, this.cfg.ecv);
    if (this.listener) {
      this.listener({ type: "op", level: k, op: `${write ? "W" : "R"} ${reg}`, res: res === "trapFast" ? "trap" : res });
    }
    switch (res) {
      case "native":
        this.cost(k, write ? "sysregWrite" : "sysregRead");
        return;
      case "vncr":
        this._counters[k]!.vncrAccesses++;
        this.cost(k, "vncrAccess");
        return;
      case "trapFast":
      case "trap":
        this.trap(k, sysregEvent(reg, write));
        return;
    }
  }

  /** An MMIO access to the GIC redistributor by level k's kernel (irq_set_irqchip_state -> gic_poke_irq). */
  private mmioGicr(k: number): void {
    if (k === 0) {
      if (this.listener) this.listener({ type: "op", level: 0, op: "mmio gicr", res: "native" });
      this.cost(0, "sysregWrite"); // a device register write; posted
      return;
    }
    if (this.listener) this.listener({ type: "op", level: k, op: "mmio gicr", res: "trap" });
    this.trap(k, EV_MMIO_KERNEL);
  }

  /**
   * Software at level k touches the FP/SIMD/SVE registers. Architecturally this traps when any hypervisor below
   * traps FP for the context that runs: level i (< k) does so unless it has given the registers to its vcpu
   * (fp_owner == GUEST_OWNED; __activate_cptr_traps_vhe), and in nested context the host merges the guest
   * hypervisor's own CPTR_EL2 on top. The trap goes to L0, which forwards it while a guest hypervisor above traps
   * it (guest_hyp_fpsimd_traps_enabled): the highest level that traps handles it (kvm_hyp_handle_fpsimd).
   */
  fpAccess(k: number): void {
    for (;;) {
      let owner = -1;
      for (let i = k - 1; i >= 0; i--) {
        if (!this.levels[i]!.guestOwnsFp) {
          owner = i;
          break;
        }
      }
      if (owner < 0) return;
      this.trap(k, this.cfg.sveVl > 0 ? EV_SVE : EV_FP);
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Traps and their handling

  private routeOwner(k: number, ev: TrapEvent): number {
    if (ev.reason === "fp") {
      for (let i = k - 1; i >= 0; i--) if (!this.levels[i]!.guestOwnsFp) return i;
      throw new Error("FP trap with no trapping level");
    }
    if (ev.owner !== undefined) return ev.owner;
    if (ev.reason === "irq-timer" || ev.reason === "irq-ipi") return this.depth - 1;
    if (ev.reason === "host-irq") return 0; // owner set explicitly for a guest hypervisor's own interrupts
    return k - 1;
  }

  /** A hardware exception taken from software at level k (k >= 1). */
  trap(k: number, ev: TrapEvent): void {
    if (k === this.depth) this.leafExits++;
    // migration reads per-CPU state outside the memo key: always stepped
    if (this.memo && !this.listener && !this.oracle && !this.onNestedWindow && ev.hostWork !== "migrate") this.trapMemo(k, ev);
    else this.trapExact(k, ev);
  }

  private trapExact(k: number, ev: TrapEvent): void {
    const owner = this.routeOwner(k, ev);
    const c0 = this._counters[0]!;
    c0.l0Traps++;
    if (c0.l0Traps > this.trapBudget) {
      throw new LimitError(
        "depth",
        `more than ${this.trapBudget} L0 traps: beyond the exact engine's budget at this depth` +
          (this.oracle ? " (the FP oracle needs the exact engine: use a smaller --depth or --nv2)" : " (use --engine fast)"),
      );
    }
    if (this.listener) {
      this.listener({
        type: "trap", from: k, ec: ev.ec, reason: ev.reason, owner, ...(ev.reg ? { detail: ev.reg } : {}), fpWork: this.fpFrame > 0,
      });
    }
    const outerFp = ev.reason === "fp" && this.fpFrame === 0;
    const start = this.cycles;
    if (ev.reason === "fp") this.fpFrame++;
    const prev = this.mech;
    try {
      this.mech = MECH_EXCEPTION;
      this.cost(0, "excEntry");
      this.handleAt(0, ev, owner, k);
    } finally {
      this.mech = prev;
      if (ev.reason === "fp") this.fpFrame--;
    }
    if (outerFp) {
      this._fp.trap += this.cycles - start;
      this._fp.traps++;
    }
    if (this.listener) this.listener({ type: "trapDone", level: k, owner, reason: ev.reason });
  }

  // ---------------------------------------------------------------------------------------------------------------
  // The fast engine: a trap's whole handling (counts, cycles, attribution and the state it leaves) is a pure function
  // of the trap and of the state that the handling reads (every level's vcpu context and FP ownership flags, the
  // attribution context). It is recorded the first time and replayed after, so the exponential recursion is
  // stepped once per distinct state; nested traps inside a recorded one are themselves memoized.

  /** replay recorded trap handling (no listener may be attached: listeners always get the exact engine) */
  memo = false;
  /** shared by every machine whose configuration gives identical trap handling (see memoFor) */
  private readonly memoTable: Map<string, MemoRecord>;

  private stateKey(k: number, ev: TrapEvent): string {
    let key =
      String.fromCharCode(k, REASON_CODE[ev.reason], this.mech * 2 + (this.fpFrame > 0 ? 1 : 0), (ev.owner ?? 15) + 16 * (ev.write ? 1 : 0)) +
      ev.ec +
      (ev.reg ?? "") +
      (ev.eretTo ?? "") +
      (ev.hostWork ?? "") +
      "|";
    // the handling of a trap from level k reads and writes only the levels below k
    for (let j = 0; j < k && j < this.levels.length; j++) key += String.fromCharCode(packLevel(this.levels[j]!));
    return key;
  }

  private flatLength(): number {
    return this._counters.length * (COUNTER_FIELDS.length + EXCEPTION_CLASS_NAMES.length) + this._attribution.length * MECHANISMS.length + 5;
  }

  private flatTotals(): number[] {
    if (this.pendingDirty) this.flushPending();
    const out: number[] = [];
    for (const c of this._counters) {
      for (const f of COUNTER_FIELDS) out.push(c[f]);
      for (const ec of EXCEPTION_CLASS_NAMES) out.push(c.exitsByClass[ec] ?? 0);
    }
    for (const row of this._attribution) for (const v of row) out.push(v);
    out.push(this._fp.trap, this._fp.traps, this._fp.save, this._fp.restore, this._fp.zcr);
    return out;
  }

  /** adds v at flat index i (the layout of flatTotals) to the counter objects */
  private addFlatIndex(i: number, v: number): void {
    const nc = COUNTER_FIELDS.length;
    const perLevel = nc + EXCEPTION_CLASS_NAMES.length;
    const countersEnd = this._counters.length * perLevel;
    const nm = MECHANISMS.length;
    const attrEnd = countersEnd + this._attribution.length * nm;
    if (i < countersEnd) {
      const c = this._counters[(i / perLevel) | 0]!;
      const f = i % perLevel;
      if (f < nc) addCounter(c, f, v);
      else {
        const ec = EXCEPTION_CLASS_NAMES[f - nc]!;
        c.exitsByClass[ec] = (c.exitsByClass[ec] ?? 0) + v;
      }
    } else if (i < attrEnd) {
      const a = i - countersEnd;
      this._attribution[(a / nm) | 0]![a % nm]! += v;
    } else {
      switch (i - attrEnd) {
        case 0:
          this._fp.trap += v;
          break;
        case 1:
          this._fp.traps += v;
          break;
        case 2:
          this._fp.save += v;
          break;
        case 3:
          this._fp.restore += v;
          break;
        default:
          this._fp.zcr += v;
      }
    }
  }

  private trapMemo(k: number, ev: TrapEvent): void {
    const key = this.stateKey(k, ev);
    const rec = this.memoTable.get(key);
    if (rec) {
      const start = this.cycles;
      this.cycles += rec.cycles;
      if (this.cycles > Number.MAX_SAFE_INTEGER) {
        throw new LimitError("duration-ms", "cycle total exceeds 2^53 within one machine; drain totals more often");
      }
      let p = this.pending;
      if (!p) p = this.pending = new Float64Array(this.flatLength());
      const idx = rec.idx;
      const val = rec.val;
      for (let n = 0; n < idx.length; n++) p[idx[n]!]! += val[n]!;
      this.pendingDirty = true;
      for (let j = 0; j < rec.endState.length; j++) unpackLevel(this.levels[j]!, rec.endState[j]!);
      if (rec.sgiOffset >= 0) this.lastSgiAt = start + rec.sgiOffset;
      return;
    }
    const before = this.flatTotals();
    const start = this.cycles;
    const prevSgi = this.lastSgiAt;
    this.lastSgiAt = -1;
    this.trapExact(k, ev);
    const after = this.flatTotals();
    const sgiOffset = this.lastSgiAt >= 0 ? this.lastSgiAt - start : -1;
    if (sgiOffset < 0) this.lastSgiAt = prevSgi;
    const idx: number[] = [];
    const val: number[] = [];
    for (let i = 0; i < after.length; i++) {
      const dv = after[i]! - before[i]!;
      if (dv !== 0) {
        idx.push(i);
        val.push(dv);
      }
    }
    this.memoTable.set(key, {
      cycles: this.cycles - start,
      idx: Int32Array.from(idx),
      val: Float64Array.from(val),
      endState: this.levels.slice(0, k).map(packLevel),
      sgiOffset,
    });
  }

  /** Moves the machine's running totals out (for exact BigInt accumulation by long runs) and zeroes them. */
  drain(): { cycles: number; counters: LevelCounters[]; attribution: number[][]; fpInclusive: FpInclusive } {
    if (this.pendingDirty) this.flushPending();
    const out = {
      cycles: this.cycles,
      counters: this.snapshotCounters(),
      attribution: this._attribution.map((r) => r.slice()),
      fpInclusive: { ...this._fp },
    };
    this.cycles = 0;
    for (let j = 0; j < this._counters.length; j++) this._counters[j] = newLevelCounters();
    for (const row of this._attribution) row.fill(0);
    this._fp = { trap: 0, traps: 0, save: 0, restore: 0, zcr: 0 };
    return out;
  }

  /** Level j's hypervisor entered from its guest with exception ev, which `owner` handles. */
  private handleAt(j: number, ev: TrapEvent, owner: number, from: number): void {
    const cj = this._counters[j]!;
    cj.exits++;
    cj.exitsByClass[ev.ec] = (cj.exitsByClass[ev.ec] ?? 0) + 1;
    this.runPathAs(MECH_INDEX.exit, j, ev.reason === "hvc-hyp" && j === owner ? "nvheHostHvc" : "guestExit");
    if (j < owner) {
      this.forward(j, ev);
      this.handleAt(j + 1, ev, owner, from);
      return;
    }
    HANDLERS[ev.reason](this, j, ev, from);
  }

  /** Level j forwards the exception to the guest hypervisor above it (kvm_inject_nested, put/load case). */
  private forward(j: number, ev: TrapEvent): void {
    const cj = this._counters[j]!;
    cj.fullExits++;
    if (this.listener) this.listener({ type: "exit", level: j, ec: ev.ec, how: "forward" });
    if (ev.ec === "DABT_LOW") this.runPathAs(MECH_INDEX.exit, j, "dabtFaultInfo");
    this.runPathAs(MECH_INDEX.exit, j, "runLoopExit");
    this.withMech("handler", () => {
      if (ev.ec === "IRQ") this.runPath(j, "hostTimerIrq");
      this.runPath(j, ev.ec === "DABT_LOW" ? "forwardS2Walk" : "forwardRoute");
    });
    this.injectNested(j);
    this.enterGuest(j);
  }

  /** kvm_inject_nested: L(j+1) goes from its nested context into its vEL2, with put/load at level j. */
  injectNested(j: number): void {
    const lv = this.levels[j]!;
    if (lv.ctx === "hyp") {
      // Taken from vEL2 (or InHost EL0): pend the exception, no put/load.
      this._counters[j]!.directInjects++;
      this.withMech("handler", () => this.cost(j, "injectCode"));
      return;
    }
    if (lv.ctx !== "nested") throw new Error(`level ${j} cannot inject a nested exception into a non-hypervisor guest`);
    this._counters[j]!.nestedExceptions++;
    if (this.listener) this.listener({ type: "nestedException", level: j });
    this.preemptOff++;
    lv.inNestedException = true;
    this.withMech("putload", () => {
      this.cost(j, "routeCode");
      this.vcpuPut(j);
      this.onNestedWindow?.(j);
      this.cost(j, "injectCode");
      lv.ctx = "hyp";
      this.vcpuLoad(j);
    });
    lv.inNestedException = false;
    this.preemptOff--;
  }

  /** kvm_emulate_nested_eret: L(j+1) ERETs from vEL2 into its own guest; put/load at level j. */
  emulateNestedEret(j: number): void {
    const lv = this.levels[j]!;
    if (lv.ctx !== "hyp") throw new Error(`level ${j}: nested ERET while not in hyp context`);
    this._counters[j]!.nestedErets++;
    if (this.listener) this.listener({ type: "nestedEret", level: j });
    this.withMech("putload", () => {
      this.sysreg(j, "SPSR_EL12", false);
      this.cost(j, "eretEmulCode");
      this.preemptOff++;
      lv.inNestedEret = true;
      this.vcpuPut(j);
      this.onNestedWindow?.(j);
      lv.ctx = "nested";
      this.vcpuLoad(j);
      lv.inNestedEret = false;
      this.preemptOff--;
    });
  }

  /**
   * Whether kvm_arch_vcpu_put_fp / kvm_arch_vcpu_load_fp return early at level j right now: the change returns under
   * IN_NESTED_ERET / IN_NESTED_EXCEPTION (as does the no-zcr-reset variant); elide-always always does. (The
   * elide-save-only variant does not return early: its put flushes without saving; see STEPS.putFp.)
   */
  fpPutLoadElided(j: number): boolean {
    const pol = this.policyAt(j);
    if (pol === "elide-always") return true;
    const lv = this.levels[j]!;
    return (lv.inNestedEret || lv.inNestedException) && (pol === "nv-fp-elision" || pol === "no-zcr-reset");
  }

  vcpuPut(j: number): void {
    this._counters[j]!.vcpuPuts++;
    if (this.listener) this.listener({ type: "put", level: j, ctx: this.levels[j]!.ctx, fpElided: this.fpPutLoadElided(j) });
    this.runPathAs(MECH_INDEX.putload, j, "vcpuPut");
  }

  vcpuLoad(j: number): void {
    this._counters[j]!.vcpuLoads++;
    if (this.listener) this.listener({ type: "load", level: j, ctx: this.levels[j]!.ctx, fpElided: this.fpPutLoadElided(j) });
    this.runPathAs(MECH_INDEX.putload, j, "vcpuLoad");
  }

  /** Run loop entry and the ERET into level j's guest. */
  enterGuest(j: number): void {
    this.runPathAs(MECH_INDEX.exit, j, "runLoopEntry");
    this.eret(j, "guest");
  }

  /** After a fast-path handler: straight back through __guest_enter. */
  fastReenter(j: number): void {
    this.runPathAs(MECH_INDEX.exit, j, "fastReenter");
    this.eret(j, "guest");
  }

  /** ERET by level j's software: into its guest, or (InHost) to its own userspace. */
  eret(j: number, to: "guest" | "inhost"): void {
    if (j === 0) {
      if (this.listener) this.listener({ type: "op", level: 0, op: "eret", res: "native", eretTo: to });
      const prev = this.mech;
      this.mech = MECH_EXCEPTION;
      this.cost(0, "excReturn");
      this.mech = prev;
      return;
    }
    if (this.listener) this.listener({ type: "op", level: j, op: "eret", res: "trap", eretTo: to });
    this.trap(j, to === "guest" ? EV_ERET_GUEST : EV_ERET_INHOST);
  }

  /**
   * arch/arm64/kernel/fpsimd.c fpsimd_save_and_flush_cpu_state: fpsimd_save_user_state() writes the registers back
   * to the buffer bound to this CPU (fpsimd_last_state: the thread's user state, or the vcpu's state bound by
   * kvm_arch_vcpu_ctxsync_fp) unless TIF_FOREIGN_FPSTATE says the registers are not the thread's; then
   * fpsimd_flush_cpu_state() unbinds and sets TIF_FOREIGN_FPSTATE.
   */
  fpsimdSaveAndFlush(j: number, kernelSave = false): void {
    const lv = this.levels[j]!;
    if (!lv.foreignFp && lv.bound !== "none") {
      const buffer = lv.bound;
      this.fpFrameRun("save", () => this.fpSaveRegs(j, buffer, kernelSave));
    }
    lv.bound = "none";
    lv.foreignFp = true;
  }

  /**
   * kernel_neon_begin/end at level j (fpsimd.c): the bound state is saved and flushed first, then the NEON code
   * clobbers the registers; the thread's state comes back lazily (TIF_FOREIGN_FPSTATE, ctxflush -> fp_owner FREE).
   */
  kernelNeon(j: number): void {
    this.fpsimdSaveAndFlush(j, true);
    this.fpAccess(j); // the NEON code itself
    this.oracle?.use(j, "neon");
    this.cost(j, "neonWork");
  }

  /** fpsimd_thread_switch: another task runs on this CPU at level j and uses FP; the thread comes back foreign. */
  contextSwitch(j: number): void {
    this.fpsimdSaveAndFlush(j, true);
    this.cost(j, "schedCode");
    this.fpAccess(j);
    this.oracle?.use(j, "other");
  }

  /** fpsimd_restore_current_state on the return to userspace at level j: reload the thread's own state. */
  restoreCurrentState(j: number): void {
    const lv = this.levels[j]!;
    if (!lv.foreignFp) return;
    this.fpFrameRun("restore", () => this.fpRestoreRegs(j, "host"));
    lv.bound = "host";
    lv.foreignFp = false;
  }

  /**
   * After an interrupt exit at L0, the vcpu thread is preempted and migrates to the other physical CPU: sched out
   * (kvm_arch_vcpu_put, another task runs), wake up on the other CPU, whose per-CPU fp_owner is whatever it was
   * left as, then sched in (kvm_arch_vcpu_load).
   */
  migrateL0(): void {
    const l0 = this.levels[0]!;
    this.preemptOff++;
    this.vcpuPut(0);
    this.contextSwitch(0);
    this.cpuFpOwner[this.cpu] = l0.guestOwnsFp;
    this.cpu = 1 - this.cpu;
    this.oracle?.switchCpu(this.cpu);
    l0.guestOwnsFp = this.cpuFpOwner[this.cpu]!;
    l0.foreignFp = true;
    l0.bound = "none";
    this.vcpuLoad(0);
    this.preemptOff--;
  }

  /** A software exception (SVC) from a hypervisor's userspace into its kernel: never reaches L0 (vTGE). */
  svc(k: number): void {
    this.cost(k, "excEntry");
  }

  /** level j is an nVHE guest hypervisor (DESIGN.md: only L1, only at depth 2) */
  nvhe(j: number): boolean {
    return j >= 1 && this.cfg.guestHyp === "nvhe";
  }

  /** the FP save/restore policy this level's KVM runs */
  policyAt(j: number): FpPolicy {
    if (!this.levels[j]!.patched) return "baseline";
    return this.cfg.fpPolicy ?? "nv-fp-elision";
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Stateful steps

  private step(j: number, s: StepName): void {
    STEPS[s](this, j);
  }

  /** save the FP/SVE registers of the context bound to this CPU (fpsimd_save_and_flush_cpu_state / __fpsimd_save_state) */
  fpSaveRegs(j: number, buffer: "host" | "vcpu", kernelSave = false): void {
    const host = buffer === "host" || kernelSave;
    this.fpAccess(j);
    this.oracle?.save(j, buffer, this.zcrLeftAtGuestVl[j] === true);
    const c = this._counters[j]!;
    this.cost(j, "fpCallOverhead");
    this.charge(j, Math.ceil(this.fpBytes / this.costs.fpBytesPerCycle));
    this.sysreg(j, "FPSR", false);
    this.sysreg(j, "FPCR", false);
    c.fpBytes += this.fpBytes;
    if (host) c.hostFpSaves++;
    else c.fpSaves++;
    if (this.listener) this.listener({ type: host ? "hostFpSave" : "fpSave", level: j, bytes: this.fpBytes });
  }

  fpRestoreRegs(j: number, buffer: "host" | "vcpu"): void {
    const host = buffer === "host";
    this.fpAccess(j);
    this.oracle?.restore(j, buffer);
    const c = this._counters[j]!;
    this.cost(j, "fpCallOverhead");
    this.charge(j, Math.ceil(this.fpBytes / this.costs.fpBytesPerCycle));
    this.sysreg(j, "FPSR", true);
    this.sysreg(j, "FPCR", true);
    c.fpBytes += this.fpBytes;
    if (host) c.hostFpRestores++;
    else c.fpRestores++;
    if (this.listener) this.listener({ type: host ? "hostFpRestore" : "fpRestore", level: j, bytes: this.fpBytes });
  }

  /** Inclusive accounting of an FP save/restore frame (all cycles it causes, at any level). */
  fpFrameRun(kind: "save" | "restore" | "zcr", f: () => void): void {
    const outer = this.fpFrame === 0;
    const start = this.cycles;
    this.fpFrame++;
    try {
      this.withMech("fp", f);
    } finally {
      this.fpFrame--;
    }
    if (outer) this._fp[kind] += this.cycles - start;
  }

  /** kvm_hyp_handle_fpsimd at level j: give the FP/SVE registers to the vcpu. */
  hypHandleFpsimd(j: number, from = -1): void {
    const lv = this.levels[j]!;
    this._counters[j]!.fpTraps++;
    if (this.listener) this.listener({ type: "fpTrap", level: j, from });
    this.fpFrameRun("restore", () => {
      this.sysreg(j, "CPACR_EL1", true); // __deactivate_cptr_traps
      this.exec(j, ISB);
      if (this.cfg.sveVl > 0) {
        // __hyp_sve_restore_guest: sve_cond_update_zcr_vq(max, SYS_ZCR_EL2), restore, vZCR in nested context, ZCR_EL12
        this.sysreg(j, "ZCR_EL2", false);
        this.fpRestoreRegs(j, "vcpu");
        if (lv.ctx === "nested") this.sysreg(j, "ZCR_EL2", false);
        this.sysreg(j, "ZCR_EL12", true);
      } else {
        this.fpRestoreRegs(j, "vcpu");
      }
      this.sysreg(j, "HCR_EL2", false);
      lv.guestOwnsFp = true;
      this.sysreg(j, "CPACR_EL1", true); // __activate_cptr_traps
    });
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Leaf operations (software at level depth)

  /** The leaf (or a guest hypervisor's userspace) using FP/SIMD: may trap if the registers are not its own. */
  leafFp(): void {
    this.withMech("guest", () => this.fpAccess(this.depth));
    this.oracle?.use(this.depth, "leaf");
  }

  leafWork(cycles: number): void {
    const prev = this.mech;
    this.mech = MECH_GUEST;
    this.charge(this.depth, cycles);
    this.mech = prev;
  }

  leafTrap(ev: TrapEvent): void {
    this.withMech("guest", () => this.trap(this.depth, ev));
  }

  /** A timer or IPI interrupt for the leaf, taken physically at L0 and routed up to the leaf's hypervisor. */
  leafIrq(reason: "irq-timer" | "irq-ipi"): void {
    if (reason === "irq-timer") this.leafTimerTicks++;
    this.withMech("guest", () => this.trap(this.depth, { ec: "IRQ", reason }));
    this.withMech("guest", () => this.runPath(this.depth, reason === "irq-timer" ? "guestTimerIrq" : "guestIpiIrq"));
  }

  snapshotCounters(): LevelCounters[] {
    return this.counters.map((c) => ({ ...c, exitsByClass: { ...c.exitsByClass } }));
  }
}

const ISB: Op = { kind: "isb" };

// Trap events raised by the engine itself are shared constants: no allocation per simulated trap.
const EV_MMIO_KERNEL: TrapEvent = Object.freeze({ ec: "DABT_LOW", reason: "mmio-kernel" });
const EV_FP: TrapEvent = Object.freeze({ ec: "FP_ASIMD", reason: "fp" });
const EV_SVE: TrapEvent = Object.freeze({ ec: "SVE", reason: "fp" });
const EV_ERET_GUEST: TrapEvent = Object.freeze({ ec: "ERET", reason: "eret", eretTo: "guest" });
const EV_ERET_INHOST: TrapEvent = Object.freeze({ ec: "ERET", reason: "eret", eretTo: "inhost" });
const EV_WFI: TrapEvent = Object.freeze({ ec: "WFx", reason: "wfi" });
/** the two trap events (read, write) of every system register, built once */
const SYSREG_EVENTS = Object.fromEntries(
  (Object.keys(SYSREGS) as SysRegName[]).map((reg) => {
    const reason: TrapReason = reg === "ICC_SGI1R_EL1" ? "sgi" : "sysreg";
    const pair: readonly [TrapEvent, TrapEvent] = [
      Object.freeze({ ec: "SYS64", reason, reg, write: false }),
      Object.freeze({ ec: "SYS64", reason, reg, write: true }),
    ];
    return [reg, pair];
  }),
) as Record<SysRegName, readonly [TrapEvent, TrapEvent]>;
function sysregEvent(reg: SysRegName, write: boolean): TrapEvent {
  return SYSREG_EVENTS[reg][write ? 1 : 0];
}
const HVC_HYP_EVENTS: TrapEvent[] = [];
function hvcHypEvent(j: number): TrapEvent {
  return (HVC_HYP_EVENTS[j] ??= Object.freeze({ ec: "HVC64", reason: "hvc-hyp", owner: j }));
}

/** Inclusive cycles of FP work: outermost FP traps (and how many), FP saves, restores and ZCR switching. */
export interface FpInclusive {
  trap: number;
  traps: number;
  save: number;
  restore: number;
  zcr: number;
}

const REASON_CODE: Record<TrapReason, number> = {
  hvc: 1, "mmio-kernel": 2, "mmio-user": 3, sysreg: 4, eret: 5, fp: 6, "irq-timer": 7, "irq-ipi": 8, sgi: 9, wfi: 10,
  s2fault: 11, "s2-shadow": 12, "host-irq": 13, "irq-hyptick": 14, "hvc-hyp": 15,
};

/** counters[f] += v without a keyed property access (the memo replay's hot path) */
function addCounter(c: LevelCounters, f: number, v: number): void {
  switch (f) {
    case 0: c.l0Traps += v; break;
    case 1: c.exits += v; break;
    case 2: c.fullExits += v; break;
    case 3: c.fastExits += v; break;
    case 4: c.nestedExceptions += v; break;
    case 5: c.nestedErets += v; break;
    case 6: c.directInjects += v; break;
    case 7: c.fastErets += v; break;
    case 8: c.fpTraps += v; break;
    case 9: c.fpSaves += v; break;
    case 10: c.fpRestores += v; break;
    case 11: c.fpSavesElided += v; break;
    case 12: c.fpLoadsElided += v; break;
    case 13: c.fpBytes += v; break;
    case 14: c.vncrAccesses += v; break;
    case 15: c.vcpuPuts += v; break;
    case 16: c.vcpuLoads += v; break;
    case 17: c.hostFpSaves += v; break;
    case 18: c.hostFpRestores += v; break;
    default: c.cycles += v;
  }
}

/**
 * Memo tables shared across machines (e.g. the runs of a sweep that differ only in workload, I/O rate or seed):
 * a record depends on the configuration of the hardware and of every level's kernel and on the unit costs, which
 * together form the key. Bounded: a configuration has at most a few thousand distinct trap states.
 */
const MEMOS = new Map<string, Map<string, MemoRecord>>();
const MAX_SHARED_MEMOS = 64;

function memoFor(cfg: ModelConfig): Map<string, MemoRecord> {
  const key = JSON.stringify([cfg.depth, cfg.nv2, cfg.ecv, cfg.guestHyp, cfg.patch, cfg.sveVl, cfg.el2Vtimer, cfg.physOffset === true, cfg.fpPolicy ?? "", cfg.costs]);
  let m = MEMOS.get(key);
  if (!m) {
    if (MEMOS.size >= MAX_SHARED_MEMOS) MEMOS.delete(MEMOS.keys().next().value as string);
    m = new Map();
    MEMOS.set(key, m);
  }
  return m;
}

const COMPILED = new WeakMap<Costs, Map<string, [Map<string, Segment[]>, Map<string, Segment[]>]>>();

function compiledCache(cfg: ModelConfig): [Map<string, Segment[]>, Map<string, Segment[]>] {
  let byFeatures = COMPILED.get(cfg.costs);
  if (!byFeatures) {
    byFeatures = new Map();
    COMPILED.set(cfg.costs, byFeatures);
  }
  const fk = `${cfg.nv2 ? 1 : 0}${cfg.ecv ? 1 : 0}`;
  let m = byFeatures.get(fk);
  if (!m) {
    m = [new Map(), new Map()];
    byFeatures.set(fk, m);
  }
  return m;
}

interface MemoRecord {
  readonly cycles: number;
  /** sparse delta of the flat totals: indices and values */
  readonly idx: Int32Array;
  readonly val: Float64Array;
  readonly endState: readonly number[];
  readonly sgiOffset: number;
}

const CTX_CODE: Record<VcpuContext, number> = { hyp: 0, nested: 1, guest: 2 };
const CTX_OF: readonly VcpuContext[] = ["hyp", "nested", "guest"];
const BOUND_CODE: Record<FpBinding, number> = { none: 0, host: 1, vcpu: 2 };
const BOUND_OF: readonly FpBinding[] = ["none", "host", "vcpu"];

/** Everything in a level's state that the handling of a trap can read (the patch flag is configuration). */
function packLevel(l: LevelState): number {
  return (
    CTX_CODE[l.ctx] |
    (+l.guestOwnsFp << 2) |
    (+l.foreignFp << 3) |
    (BOUND_CODE[l.bound] << 4) |
    (+l.inNestedEret << 6) |
    (+l.inNestedException << 7) |
    (+l.lrInUse << 8) |
    (CTX_CODE[l.timerMap] << 9) |
    (+l.hostMode << 11)
  );
}

function unpackLevel(l: LevelState, v: number): void {
  l.ctx = CTX_OF[v & 3]!;
  l.guestOwnsFp = (v & 4) !== 0;
  l.foreignFp = (v & 8) !== 0;
  l.bound = BOUND_OF[(v >> 4) & 3]!;
  l.inNestedEret = (v & 64) !== 0;
  l.inNestedException = (v & 128) !== 0;
  l.lrInUse = (v & 256) !== 0;
  l.timerMap = CTX_OF[(v >> 9) & 3]!;
  l.hostMode = (v & 2048) !== 0;
}

interface Segment {
  readonly cost: number;
  readonly vncr: number;
  readonly op: Op | undefined;
}

// -------------------------------------------------------------------------------------------------------------------
// Stateful steps: each follows one kernel function.

const STEPS: Record<StepName, (m: Machine, j: number) => void> = {
  /** hyp/include/hyp/switch.h fpsimd_lazy_switch_to_guest: only when the guest owns the FP regs and has SVE. */
  lazySwitchToGuest(m, j) {
    const lv = m.levels[j]!;
    if (!lv.guestOwnsFp || m.cfg.sveVl === 0) return;
    // write_sysreg_el2(SYS_ZCR): the EL1 encoding with E2H; needs SVE enabled for this level's own context.
    m.fpFrameRun("zcr", () => {
      m.fpAccess(j);
      m.sysreg(j, "ZCR_EL12", true);
    });
  },
  /** fpsimd_lazy_switch_to_host: save the guest's ZCR_EL1 and set ZCR_EL2 back to max. */
  lazySwitchToHost(m, j) {
    const lv = m.levels[j]!;
    if (!lv.guestOwnsFp || m.cfg.sveVl === 0) return;
    m.fpFrameRun("zcr", () => {
      m.sysreg(j, "ZCR_EL12", false);
      if (m.policyAt(j) === "no-zcr-reset") {
        // unsound variant: ZCR_EL2 stays at the guest's VL, so a later save at this level truncates
        m.zcrLeftAtGuestVl[j] = true;
        return;
      }
      m.fpAccess(j);
      m.zcrLeftAtGuestVl[j] = false;
    });
  },
  /** hyp/vhe/switch.c __compute_hcr + ___activate_traps: VNCR_EL2 in hyp context (and for recursive NV). */
  computeHcr(m, j) {
    const lv = m.levels[j]!;
    if (lv.ctx === "hyp" || (lv.ctx === "nested" && j + 2 < m.depth)) m.sysreg(j, "VNCR_EL2", true);
    m.sysreg(j, "HCR_EL2", true);
  },
  /**
   * hyp/vhe/switch.c __activate_traps: with CNTPOFF (has_cntpoff()) the direct physical timer's CVAL is written.
   * Only L0 has CNTPOFF: KVM exposes FEAT_ECV to a guest hypervisor without CNTPOFF (nested.c limit_nv_id_reg,
   * inference), so has_cntpoff() is false there.
   */
  cntpoffEnter(m, j) {
    if (j !== 0 || !m.cfg.ecv) return;
    m.sysreg(0, "CNTP_CVAL_EL02", true);
    m.exec(0, ISB);
  },
  /** hyp/vhe/switch.c __deactivate_traps: read back the direct ptimer CVAL and CNTPOFF (has_cntpoff() only). */
  cntpoffExit(m, j) {
    if (j !== 0 || !m.cfg.ecv) return;
    m.sysreg(0, "CNTP_CVAL_EL02", false);
    m.sysreg(0, "CNTPOFF_EL2", false);
  },
  /** vgic.c kvm_vgic_flush_hwstate -> vgic_v3_flush_nested / __vgic_v3_restore_state (only with LRs in use). */
  vgicFlush(m, j) {
    const lv = m.levels[j]!;
    if (lv.ctx === "nested") {
      m.sysreg(j, "ICH_HCR_EL2", true);
      return;
    }
    if (!lv.lrInUse) return;
    m.sysreg(j, "ICH_HCR_EL2", true);
    m.sysreg(j, "ICH_LR0_EL2", true);
  },
  /** vgic.c kvm_vgic_sync_hwstate -> __vgic_v3_save_state (only with LRs in use). */
  vgicSync(m, j) {
    const lv = m.levels[j]!;
    if (lv.ctx === "nested" || !lv.lrInUse) return;
    m.sysreg(j, "ICH_ELRSR_EL2", false);
    m.sysreg(j, "ICH_HCR_EL2", true);
    m.sysreg(j, "ICH_LR0_EL2", false);
    m.sysreg(j, "ICH_LR0_EL2", true);
    lv.lrInUse = false;
  },
  /** arch_timer.c kvm_timer_sync_nested (hyp context only): timer_set_traps with ECV, else a timer put + load. */
  timerSyncNested(m, j) {
    if (m.levels[j]!.ctx !== "hyp") return;
    if (m.cfg.ecv) {
      m.sysreg(j, "CNTHCTL_EL2", false);
      m.sysreg(j, "CNTHCTL_EL2", true);
    } else {
      STEPS.putTimer(m, j);
      STEPS.loadTimer(m, j);
    }
  },
  /** fpsimd.c kvm_arch_vcpu_ctxflush_fp: TIF_FOREIGN_FPSTATE -> fp_owner = FREE. */
  ctxflushFp(m, j) {
    const lv = m.levels[j]!;
    if (lv.foreignFp) lv.guestOwnsFp = false;
  },
  /** fpsimd.c kvm_arch_vcpu_ctxsync_fp: bind the vcpu's state to the CPU when the guest owns the regs. */
  ctxsyncFp(m, j) {
    const lv = m.levels[j]!;
    if (lv.guestOwnsFp) {
      lv.bound = "vcpu";
      lv.foreignFp = false;
    }
  },
  /** fpsimd.c kvm_arch_vcpu_put_fp (+ the change's early return under IN_NESTED_ERET / IN_NESTED_EXCEPTION). */
  putFp(m, j) {
    const lv = m.levels[j]!;
    if (m.fpPutLoadElided(j)) {
      m.ctr(j).fpSavesElided++;
      return;
    }
    m.sysreg(j, "DAIF", true); // local_irq_save
    if (lv.guestOwnsFp) {
      if ((lv.inNestedEret || lv.inNestedException) && m.policyAt(j) === "elide-save-only") {
        // unsound variant: no save, but still flushed
        m.ctr(j).fpSavesElided++;
        lv.bound = "none";
        lv.foreignFp = true;
      } else m.fpsimdSaveAndFlush(j);
    }
    m.sysreg(j, "DAIF", true); // local_irq_restore
  },
  /** fpsimd.c kvm_arch_vcpu_load_fp: save and flush the host task's FP state, fp_owner = FREE. */
  loadFp(m, j) {
    const lv = m.levels[j]!;
    if (m.fpPutLoadElided(j)) {
      m.ctr(j).fpLoadsElided++;
      return;
    }
    m.fpsimdSaveAndFlush(j);
    lv.guestOwnsFp = false;
  },
  /** sysreg-sr.c __vcpu_put_switch_sysregs: __sysreg_save_vel2_state or __sysreg_save_el1_state, user state. */
  putSysregs(m, j) {
    m.runPath(j, m.levels[j]!.ctx === "hyp" ? "putSysregsVel2" : "putSysregsEl1");
  },
  /** sysreg-sr.c __vcpu_load_switch_sysregs: user state, dsb(nsh) with NV, vEL2 or EL1 set. */
  loadSysregs(m, j) {
    const ctx = m.levels[j]!.ctx;
    m.runPath(j, ctx === "hyp" ? "loadSysregsVel2" : ctx === "nested" ? "loadSysregsEl1Nested" : "loadSysregsEl1");
  },
  /** arch_timer.c kvm_timer_vcpu_put: save + disable the direct timers, cancel the emulated ones' hrtimers. */
  putTimer(m, j) {
    const nv = m.levels[j]!.ctx !== "guest";
    for (const [ctl, cval] of TIMER_REGS) {
      m.sysreg(j, ctl, false);
      m.sysreg(j, cval, false);
      m.sysreg(j, ctl, true);
      m.exec(j, ISB);
    }
    m.sysreg(j, "CNTVOFF_EL2", true);
    if (nv) m.exec(j, { kind: "code", cost: "timerEmulCode" }); // soft_timer_cancel x2
  },
  /** arch_timer.c kvm_timer_vcpu_load (+ kvm_timer_vcpu_load_nested_switch, timer_set_traps). */
  loadTimer(m, j) {
    const lv = m.levels[j]!;
    const nv = lv.ctx !== "guest";
    if (nv && lv.timerMap !== lv.ctx) {
      // kvm_timer_vcpu_load_nested_switch: unmap x2, map x2 (irq locks, irq_set_vcpu_affinity)
      m.exec(j, { kind: "code", cost: "timerEmulCode" });
      lv.timerMap = lv.ctx;
    }
    // kvm_timer_vcpu_load_gic per direct timer: irq_set_irqchip_state(ACTIVE) -> GICR I[SC]ACTIVER0 (inference)
    m.exec(j, { kind: "mmio" });
    m.exec(j, { kind: "mmio" });
    m.sysreg(j, "CNTVOFF_EL2", true);
    if (j === 0 && m.cfg.ecv) m.sysreg(j, "CNTPOFF_EL2", true); // set_cntpoff: CNTPOFF only on hardware
    for (const [ctl, cval] of TIMER_REGS) {
      m.sysreg(j, cval, true);
      m.exec(j, ISB);
      m.sysreg(j, ctl, true);
    }
    if (nv) {
      // timer_emulate x2 -> soft_timer_start -> hrtimer_start: reads the clock
      STEPS.counterRead(m, j);
      STEPS.counterRead(m, j);
      m.sysreg(j, "CNTHCTL_EL2", false); // timer_set_traps
      m.sysreg(j, "CNTHCTL_EL2", true);
    }
  },
  /** vgic-v3.c vgic_v3_put / vgic-v3-nested.c vgic_v3_put_nested. */
  putVgic(m, j) {
    m.runPath(j, m.levels[j]!.ctx === "nested" ? "putVgicNested" : "putVgic");
  },
  /** vgic-v3.c vgic_v3_load / vgic-v3-nested.c vgic_v3_load_nested. */
  loadVgic(m, j) {
    m.runPath(j, m.levels[j]!.ctx === "nested" ? "loadVgicNested" : "loadVgic");
  },
  /** arm.c kvm_arch_vcpu_put / kvm_arch_vcpu_load outside a nested transition (vcpu_put / vcpu_load) */
  vcpuPut(m, j) {
    m.vcpuPut(j);
  },
  vcpuLoad(m, j) {
    m.vcpuLoad(j);
  },
  /** nested.c kvm_vcpu_load_hw_mmu: shadow stage-2 lookup in nested context; VMID update. */
  loadHwMmu(m, j) {
    if (m.levels[j]!.ctx === "nested") m.exec(j, { kind: "code", cost: "shadowS2Lookup" });
  },
  /** A kernel clock read (ktime_get): the virtual counter with the EL2 virtual timer, else the trapped CNTPCT. */
  counterRead(m, j) {
    // A VHE kernel at (v)EL2 reads the physical counter, or the virtual one with the EL2 virtual timer. The
    // physical read traps only with a non-zero physical offset and no CNTPOFF at the level below (timer_set_traps):
    // a guest hypervisor never gets CNTPOFF; L0 has it with FEAT_ECV.
    const noCntpoff = j - 1 >= 1 || !m.cfg.ecv;
    if (j > 0 && !m.cfg.el2Vtimer && m.cfg.physOffset === true && noCntpoff) m.sysreg(j, "CNTPCT_EL0_TRAPPED", false);
    else m.sysreg(j, "CNTVCT_EL0", false);
  },
};

/** the two direct timers (virtual, physical): control and compare-value registers through the EL02 encodings */
const TIMER_REGS: readonly (readonly [SysRegName, SysRegName])[] = [
  ["CNTV_CTL_EL02", "CNTV_CVAL_EL02"],
  ["CNTP_CTL_EL02", "CNTP_CVAL_EL02"],
];

// -------------------------------------------------------------------------------------------------------------------
// Handlers at the owning level: Record over every reason, so a new reason does not compile until handled.

type Handler = (m: Machine, j: number, ev: TrapEvent, from: number) => void;

function fullExit(m: Machine, j: number, ev: TrapEvent, body: () => void): void {
  m.ctr(j).fullExits++;
  if (m.listener) m.listener({ type: "exit", level: j, ec: ev.ec, how: "full" });
  if (m.nvhe(j)) {
    nvheFullExit(m, j, body);
    return;
  }
  m.runPathAs(MECH_INDEX.exit, j, "runLoopExit");
  withMech(m, "handler", body);
  m.enterGuest(j);
}

/**
 * An nVHE guest hypervisor's full exit (hyp/nvhe/switch.c __kvm_vcpu_run): its hyp code at vEL2 switches the whole
 * EL1 context (guest out, host in: VNCR memory under NV2), then ERETs to its host kernel at EL1 -- a nested ERET at
 * L0, since L0 sees that kernel as L1's nested context. The host kernel handles the exit (arm.c run loop,
 * handle_exit, at EL1: its register accesses are its own) and calls kvm_call_hyp(__kvm_vcpu_run): an HVC that L0
 * forwards to L1's vEL2 (a nested exception), whose hyp code switches back and ERETs into the guest.
 */
function nvheFullExit(m: Machine, j: number, body: () => void): void {
  const lv = m.levels[j]!;
  m.runPathAs(MECH_INDEX.exit, j, "nvheExitHalf");
  m.eret(j, "guest"); // __host_enter: ERET to the host kernel at EL1
  lv.hostMode = true;
  m.runPathAs(MECH_INDEX.exit, j, "nvheHostRunLoopExit");
  withMech(m, "handler", body);
  m.runPathAs(MECH_INDEX.exit, j, "nvheHostRunLoopEntry");
  // kvm_arm_vcpu_enter_exit -> kvm_call_hyp_ret(__kvm_vcpu_run): HVC to its own hyp
  withMech(m, "exit", () => m.trap(j, hvcHypEvent(j)));
}

function fastExit(m: Machine, j: number, ev: TrapEvent, body: () => void): void {
  m.ctr(j).fastExits++;
  if (m.listener) m.listener({ type: "exit", level: j, ec: ev.ec, how: "fast" });
  withMech(m, "handler", body);
  m.fastReenter(j);
}

function withMech(m: Machine, mech: Mechanism, f: () => void): void {
  m.withMech(mech, f);
}

const FAST_SYSREGS: Partial<Record<SysRegName, PathName>> = {
  CPACR_EL1: "fastCpacr",
  CNTPCT_EL0_TRAPPED: "fastTimer",
  TLBI_EL2_S1: "fastTlbi",
};

export const HANDLERS: Record<TrapReason, Handler> = {
  hvc: (m, j, ev) => fullExit(m, j, ev, () => m.runPath(j, "hvcHandler")),
  "mmio-kernel": (m, j, ev) => {
    m.runPath(j, "dabtFaultInfo");
    fullExit(m, j, ev, () => m.runPath(j, "mmioKernel"));
  },
  "mmio-user": (m, j, ev) => {
    m.runPath(j, "dabtFaultInfo");
    fullExit(m, j, ev, () => vmmRoundTrip(m, j));
  },
  sysreg: (m, j, ev) => {
    const reg = ev.reg;
    const fastPath = reg ? FAST_SYSREGS[reg] : undefined;
    const timerRead = reg !== undefined && reg.endsWith("_EL02") && reg.startsWith("CNT") && !ev.write;
    if (fastPath || timerRead) {
      fastExit(m, j, ev, () => m.runPath(j, fastPath ?? "fastTimer"));
      return;
    }
    if (reg === "ZCR_EL2" && !m.levels[j]!.guestOwnsFp) {
      // kvm_hyp_handle_zcr_el2: load the FP state (kvm_hyp_handle_fpsimd), then the slow path
      m.fpFrameRun("zcr", () => m.hypHandleFpsimd(j));
    }
    fullExit(m, j, ev, () => m.runPath(j, "sysregEmulate"));
  },
  eret: (m, j, ev) => {
    if (ev.eretTo === "inhost") {
      m.ctr(j).fastErets++;
      if (m.listener) m.listener({ type: "fastEret", level: j });
      fastExit(m, j, ev, () => m.runPath(j, "fastEret"));
      return;
    }
    fullExit(m, j, ev, () => m.emulateNestedEret(j));
  },
  fp: (m, j, ev, from) => fastExit(m, j, ev, () => m.hypHandleFpsimd(j, from)),
  "irq-timer": (m, j, ev) =>
    fullExit(m, j, ev, () => {
      m.runPath(j, "hostTimerIrq");
      m.levels[j]!.lrInUse = true;
    }),
  "irq-ipi": (m, j, ev) =>
    fullExit(m, j, ev, () => {
      m.runPath(j, "hostTimerIrq");
      m.levels[j]!.lrInUse = true;
    }),
  /** kvm_handle_wfx -> kvm_vcpu_wfi: vgic put, kvm_vcpu_halt (schedule: preempt notifiers put/load), vgic load. */
  wfi: (m, j, ev) =>
    fullExit(m, j, ev, () => {
      m.runPath(j, m.levels[j]!.ctx === "nested" ? "putVgicNested" : "putVgic");
      m.vcpuPut(j); // kvm_sched_out
      // this level's own CPU idles: a guest hypervisor's idle WFI traps to its own host in turn
      if (j > 0) m.trap(j, EV_WFI);
      else m.cost(0, "schedCode");
      m.vcpuLoad(j); // kvm_sched_in
      m.runPath(j, m.levels[j]!.ctx === "nested" ? "loadVgicNested" : "loadVgic");
      m.runPath(j, "skipInstr");
    }),
  /** stage-2 fault on RAM: kvm_handle_guest_abort -> user_mem_abort (gup + stage-2 map). */
  s2fault: (m, j, ev) => {
    m.runPath(j, "dabtFaultInfo");
    fullExit(m, j, ev, () => m.runPath(j, "s2Fault"));
  },
  /** the re-executed access faults in a lower level's shadow stage-2: walk the guest's tables, fill the shadow. */
  "s2-shadow": (m, j, ev) => {
    m.runPath(j, "dabtFaultInfo");
    fullExit(m, j, ev, () => m.runPath(j, "s2ShadowFill"));
  },
  /** A host interrupt at L0 while a guest runs: the IRQ exit, the handler, then softirq NEON or a preemption. */
  "host-irq": (m, j, ev) =>
    fullExit(m, j, ev, () => {
      m.runPath(j, "hostTimerIrq");
      if (ev.hostWork === "neon") m.kernelNeon(j);
      else if (ev.hostWork === "preempt") {
        m.preemptOff++;
        m.vcpuPut(j); // kvm_sched_out (preempt notifier; not a nested transition: no IN_NESTED_* flag)
        m.contextSwitch(j); // another task runs on this CPU
        m.vcpuLoad(j); // kvm_sched_in
        m.preemptOff--;
      } else if (ev.hostWork === "migrate") {
        if (j !== 0) throw new Error("only L0 migrates vcpu threads between physical CPUs");
        m.migrateL0();
      }
    }),
  /** A guest hypervisor's own tick (its EL2 timer, emulated by the level below): timer ISR and clock reads. */
  "irq-hyptick": (m, j, ev) =>
    fullExit(m, j, ev, () => {
      m.runPath(j, "hypTick");
    }),
  /** an nVHE host kernel's HVC into its own hyp (__kvm_vcpu_run): switch to the guest and ERET into it */
  "hvc-hyp": (m, j) => {
    m.levels[j]!.hostMode = false;
    m.withMech("exit", () => m.runPath(j, "nvheEntryHalf"));
    m.eret(j, "guest");
  },
  sgi: (m, j, ev) =>
    fullExit(m, j, ev, () => {
      m.runPath(j, "sgiDispatch");
      // kvm_vcpu_kick -> smp_send_reschedule: this level's own IPI to the target vcpu's CPU
      m.sysreg(j, "ICC_SGI1R_EL1", true);
    }),
};

/** KVM_EXIT_MMIO: the hypervisor at level j returns to its userspace VMM and comes back with KVM_RUN. */
function vmmRoundTrip(m: Machine, j: number): void {
  m.exec(j, { kind: "code", cost: "mmioDecode" }); // io_mem_abort: no in-kernel device -> KVM_EXIT_MMIO
  m.runPath(j, "vmmExitToUser"); // vcpu_put + syscall return path
  // fpsimd_restore_current_state on the way out to userspace: the VMM's FP state comes back
  m.restoreCurrentState(j);
  m.eret(j, "inhost");
  // the VMM (userspace) decodes and emulates the access; libc string/memory routines use FP/SIMD
  m.exec(j, { kind: "code", cost: "vmmMmio" });
  m.fpAccess(j);
  m.oracle?.use(j, "vmm");
  m.svc(j); // ioctl(KVM_RUN)
  m.runPath(j, "vmmReenterKernel"); // kvm_handle_mmio_return + vcpu_load
}
