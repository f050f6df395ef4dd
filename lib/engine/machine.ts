import { EXCEPTION_CLASS_NAMES, type ExceptionClass } from "../arch/exceptions";
import { fpStateBytes } from "../arch/sve";
import { resolveGuestHypAccess, type SysRegName, SYSREGS } from "../arch/sysregs";
import type { CostName, Costs } from "../costs/table";
import type { ModelConfig } from "../kvm/config";
import { opLabel, type Op, type StepName } from "../kvm/ops";
import { PATH_COUNT, PATHS as PATHS_EXPORT, type Path, type PathName } from "../kvm/paths";
import { LimitError } from "../util/errors";
import { COUNTER_FIELDS, type CounterField, type LevelCounters, newLevelCounters } from "./counters";
import { IntKeyTable } from "./memo-table";

/**
 * The paths table, bound locally: under esbuild's CommonJS interop (tsx, vitest) every read of an imported binding is
 * a getter call. For the same reason the engine's hot code (steps, handlers, trap events, register accesses, the flat
 * layout) lives in this one module: split into six modules importing each other's constants, the exact engine
 * measured 0.7 million L0 traps/s instead of 2.5 million (profile: the modules' export getters, 40% of the time).
 */
const PATHS = PATHS_EXPORT;

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

/** Receives every movement of FP/SVE register contents (the correctness oracle); the fast engine replays the calls it recorded. */
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
  /** no-zcr-reset variant only: ZCR_EL2 left at the guest's VL by this level's last exit */
  zcrAtGuestVl: boolean;
  /** kernel-mode NEON (a softirq) armed to run inside this level's next IN_NESTED_* window (see armWindowNeon) */
  neonInWindow: boolean;
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

export class Machine {
  readonly depth: number;
  readonly levels: LevelState[];
  /**
   * Every total the engine keeps, in one flat array (layout in `FlatLayout`): per level the counters and exits by
   * exception class, then cycles by [level][mechanism], then the inclusive FP figures. The exact engine increments
   * it in place and the fast engine adds a recorded sparse delta to it: neither allocates per trap. Values are
   * integers below 2^53 (drivers drain long runs into BigInt), so the doubles are exact.
   */
  private readonly acc: Float64Array;
  private readonly lay: FlatLayout;

  /** exact totals by level (a fresh copy: the engine's own totals live in a flat array) */
  get counters(): LevelCounters[] {
    this.fold();
    const out: LevelCounters[] = [];
    for (let j = 0; j < this.depth; j++) {
      const c = newLevelCounters();
      const base = j * this.lay.perLevel;
      for (let f = 0; f < COUNTER_FIELDS.length; f++) c[COUNTER_FIELDS[f]!] = this.acc[base + f]!;
      for (let e = 0; e < EXCEPTION_CLASS_NAMES.length; e++) c.exitsByClass[EXCEPTION_CLASS_NAMES[e]!] = this.acc[base + NC + e]!;
      // a level's cycles are its row of cycles by mechanism (kept once, not twice, on the hot path)
      let cycles = 0;
      for (let mech = 0; mech < NM; mech++) cycles += this.acc[this.lay.attr + j * NM + mech]!;
      c.cycles = cycles;
      out.push(c);
    }
    return out;
  }

  /** cycles by [level][mechanism], level = whose software ran (0..depth, depth = the leaf) */
  get attribution(): number[][] {
    this.fold();
    const out: number[][] = [];
    for (let l = 0; l <= this.depth; l++) out.push(Array.from(this.acc.subarray(this.lay.attr + l * NM, this.lay.attr + (l + 1) * NM)));
    return out;
  }

  /** inclusive cycles of FP traps (outermost), FP saves and restores (put_fp / lazy restore), incl. what they caused */
  get fpInclusive(): FpInclusive {
    this.fold();
    const a = this.acc;
    const b = this.lay.fp;
    return { trap: a[b + FP_TRAP]!, traps: a[b + FP_TRAPS]!, save: a[b + FP_SAVE]!, restore: a[b + FP_RESTORE]!, zcr: a[b + FP_ZCR]! };
  }

  /** one level's counter (read) */
  count(j: number, f: CounterField): number {
    this.fold();
    return this.acc[j * this.lay.perLevel + COUNTER_FIELDS.indexOf(f)]!;
  }

  /** adds n to counter f (an index into COUNTER_FIELDS) of level j */
  private bump(j: number, f: number, n = 1): void {
    this.acc[j * this.lay.perLevel + f]! += n;
  }

  cycles = 0;
  /** stop the run once this many L0 traps have been taken (exact-engine guard) */
  trapBudget = Number.POSITIVE_INFINITY;
  leafTimerTicks = 0;
  /** the FP correctness oracle, if attached (either engine: memo records replay their FP observer calls) */
  oracle: FpObserver | undefined;
  /** called inside the IN_NESTED_* windows (preemption disabled, interrupts on) of level j's put/load */
  onNestedWindow: ((j: number) => void) | undefined;
  /** preempt_disable() depth (nested put/loads, preempt notifiers) */
  preemptOff = 0;
  /** the physical CPU the vcpu thread of L0 runs on, and each CPU's fp_owner as last left (L0 is on hardware) */
  cpu = 0;
  readonly cpuFpOwner: boolean[] = [false, false];
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
  /** cycles of one FP/SVE register-file transfer at this vector length */
  private readonly fpMoveCycles: number;
  /** unit costs the hot path charges, read once */
  private readonly cExcEntry: number;
  private readonly cExcReturn: number;
  private readonly cSysregRead: number;
  private readonly cSysregWrite: number;
  private readonly cVncr: number;
  /** index of this configuration's features into SysregAccess.res (nv2 * 2 + ecv) */
  private readonly resSel: number;
  /** index into MECHANISMS of the mechanism cycles are charged to now */
  private mech = 0;
  private fpFrame = 0;
  /** traps stepped by the exact engine (the budget's measure; replays are not stepped) */
  private stepped = 0;
  /**
   * FP observer calls made while a memo record is being made (recording > 0) are kept on this tape, and a record keeps
   * its slice of it, so a replay feeds the oracle exactly the calls the stepped handling made. A nested record's calls
   * enter the tape as one reference (a negative entry: -(index into tapeRefs) - 1), so a record stores only its own
   * direct calls and references to the records it contains: memory stays linear although the calls a deep record
   * stands for grow like the traps do.
   */
  private readonly tape: number[] = [];
  private readonly tapeRefs: MemoRecord[] = [];
  private recording = 0;
  listener: EngineListener | undefined;

  /**
   * A machine that has thrown (a LimitError mid-trap) is left mid-operation: drivers discard it.
   */
  constructor(readonly cfg: ModelConfig) {
    this.depth = cfg.depth;
    this.costs = cfg.costs;
    this.compiledPaths = compiledCache(cfg);
    this.memoTable = memoFor(cfg);
    this.fpBytes = fpStateBytes(cfg.sveVl);
    this.fpMoveCycles = Math.ceil(this.fpBytes / cfg.costs.fpBytesPerCycle);
    this.cExcEntry = cfg.costs.excEntry;
    this.cExcReturn = cfg.costs.excReturn;
    this.cSysregRead = cfg.costs.sysregRead;
    this.cSysregWrite = cfg.costs.sysregWrite;
    this.cVncr = cfg.costs.vncrAccess;
    this.resSel = (cfg.nv2 ? 2 : 0) + (cfg.ecv ? 1 : 0);
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
        zcrAtGuestVl: false,
        neonInWindow: false,
      });
    }
    this.lay = flatLayout(cfg.depth);
    this.acc = new Float64Array(this.lay.length);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Cycle accounting

  private charge(level: number, cycles: number): void {
    this.cycles += cycles;
    const acc = this.acc;
    acc[this.lay.attr + level * NM + this.mech]! += cycles;
    if (this.cycles > Number.MAX_SAFE_INTEGER) {
      throw new LimitError("depth", "cycle total exceeds 2^53 in the exact engine; use a smaller depth or NV2");
    }
  }

  cost(level: number, name: CostName): void {
    this.charge(level, this.costs[name]);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Operations by software at level k

  /** Runs a path at level k (see runP). */
  runPath(k: number, name: PathName): void {
    this.runP(k, PATHS[name]);
  }

  /** runs a path with its cycles charged to mechanism index `mech` */
  private runAs(mech: number, k: number, p: Path): void {
    const prev = this.mech;
    this.mech = mech;
    this.runP(k, p);
    this.mech = prev;
  }

  /**
   * Runs a path at level k. With a listener every op is stepped and reported; without one, runs of operations whose
   * outcome cannot depend on state (native accesses, VNCR memory, barriers, plain code) are folded into one charge
   * and the rest are resolved once (compiled per configuration), so the exact engine pays only for what can trap
   * or change state. The two give identical counts and cycles (tested).
   */
  private runP(k: number, p: Path): void {
    if (this.listener) {
      const ops = p.ops;
      for (let i = 0; i < ops.length; i++) this.exec(k, ops[i]!);
      return;
    }
    const cls = k === 0 ? CLS_HARDWARE : k < this.depth && this.levels[k]!.hostMode ? CLS_NVHE_HOST : CLS_GUEST_HYP;
    const segs = this.compiledPaths[cls][p.id] ?? this.compile(cls, p);
    for (let i = 0; i < segs.length; i++) {
      const seg = segs[i]!;
      if (seg.cost !== 0) this.charge(k, seg.cost);
      if (seg.vncr !== 0 && k < this.depth) this.bump(k, F_VNCR, seg.vncr);
      switch (seg.kind) {
        case SEG_TRAP:
          this.trap(k, seg.access!.ev);
          break;
        case SEG_MMIO:
          this.trap(k, EV_MMIO_KERNEL);
          break;
        case SEG_STEP:
          seg.step!(this, k);
          break;
        case SEG_CALL:
          this.runP(k, seg.path!);
          break;
      }
    }
  }

  /** compiled paths, shared by every machine with the same unit costs and features: [CodeClass][path id] */
  private readonly compiledPaths: CompiledPaths;

  private compile(cls: CodeClass, p: Path): Segment[] {
    const segs: Segment[] = [];
    let cost = 0;
    let vncr = 0;
    const flush = (kind: number, access?: SysregAccess, step?: StepFn, path?: Path): void => {
      if (cost !== 0 || vncr !== 0 || kind !== SEG_NONE) segs.push({ cost, vncr, kind, access, step, path });
      cost = 0;
      vncr = 0;
    };
    for (const op of p.ops) {
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
          const a = ACCESS[op.reg][op.write ? 1 : 0];
          const res = cls === CLS_GUEST_HYP ? a.res[this.resSel]! : RES_NATIVE;
          if (res === RES_NATIVE) cost += op.write ? this.costs.sysregWrite : this.costs.sysregRead;
          else if (res === RES_VNCR) {
            cost += this.costs.vncrAccess;
            vncr++;
          } else flush(SEG_TRAP, a);
          break;
        }
        case "mmio":
          if (cls === CLS_HARDWARE) cost += this.costs.sysregWrite;
          else flush(SEG_MMIO);
          break;
        case "step":
          flush(SEG_STEP, undefined, STEPS[op.step]);
          break;
        case "call":
          flush(SEG_CALL, undefined, undefined, PATHS[op.path as PathName]);
          break;
      }
    }
    flush(SEG_NONE);
    this.compiledPaths[cls][p.id] = segs;
    return segs;
  }

  /** One operation, stepped (the listener's form: every op is reported). */
  exec(k: number, op: Op): void {
    switch (op.kind) {
      case "sysreg":
        this.sr(k, ACCESS[op.reg][op.write ? 1 : 0]);
        return;
      case "isb":
      case "dsb":
        this.emitOp(k, op, "native");
        this.cost(k, op.kind);
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
        STEPS[op.step](this, k);
        return;
      case "call":
        this.runPath(k, op.path as PathName);
        return;
    }
  }

  private emitOp(k: number, op: Op, res: "native" | "vncr" | "trap"): void {
    if (this.listener) this.listener({ type: "op", level: k, op: opLabel(op), res });
  }

  /** A system register access by the leaf (its mechanism: guest). */
  leafSysreg(reg: SysRegName, write: boolean): void {
    const prev = this.mech;
    this.mech = MECH_GUEST;
    this.sr(this.depth, ACCESS[reg][write ? 1 : 0]);
    this.mech = prev;
  }

  /** sysreg with the access resolved once per register (the engine's own form) */
  private sr(k: number, a: SysregAccess): void {
    if (k === 0) {
      if (a.sgi) this.lastSgiAt = this.cycles;
      if (this.listener) this.listener({ type: "op", level: 0, op: a.label, res: "native" });
      this.charge(0, a.write ? this.cSysregWrite : this.cSysregRead);
      return;
    }
    const res = k < this.depth && this.levels[k]!.hostMode ? RES_NATIVE : a.res[this.resSel]!;
    if (this.listener) this.listener({ type: "op", level: k, op: a.label, res: RES_LABEL[res]! });
    switch (res) {
      case RES_NATIVE:
        this.charge(k, a.write ? this.cSysregWrite : this.cSysregRead);
        return;
      case RES_VNCR:
        if (k < this.depth) this.bump(k, F_VNCR);
        this.charge(k, this.cVncr);
        return;
      default:
        this.trap(k, a.ev);
        return;
    }
  }

  /** An MMIO access to the GIC redistributor by level k's kernel (irq_set_irqchip_state -> gic_poke_irq). */
  private mmioGicr(k: number): void {
    if (k === 0) {
      if (this.listener) this.listener({ type: "op", level: 0, op: "mmio gicr", res: "native" });
      this.charge(0, this.cSysregWrite); // a device register write; posted
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

  private routeOwner(k: number, ev: Trap): number {
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
  trap(k: number, event: TrapEvent): void {
    const ev = event instanceof Trap ? event : trapEvent(event);
    if (k === this.depth) this.leafExits++;
    // migration reads per-CPU state outside the memo key: always stepped
    if (this.memo && !this.listener && !this.onNestedWindow && ev.hostWork !== "migrate") this.trapMemo(k, ev);
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
    if (this.listener) {
      this.listener({
        type: "trap", from: k, ec: ev.ec, reason: ev.reason, owner, ...(ev.reg ? { detail: ev.reg } : {}), fpWork: this.fpFrame > 0,
      });
    }
    const fp = ev.reason === "fp";
    const outerFp = fp && this.fpFrame === 0;
    const start = outerFp ? this.cycles : 0;
    if (fp) this.fpFrame++;
    const prev = this.mech;
    this.mech = MECH_EXCEPTION;
    this.charge(0, this.cExcEntry);
    this.handleAt(0, ev, owner, k);
    this.mech = prev;
    if (fp) this.fpFrame--;
    if (outerFp) {
      acc[this.lay.fp + FP_TRAP]! += this.cycles - start;
      acc[this.lay.fp + FP_TRAPS]!++;
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
  private readonly memoTable: IntKeyTable<MemoRecord>;

  /**
   * Writes the memo key of a trap from level k into the table's key buffer: the event, k, the attribution context,
   * and the packed state of the levels its handling can read or write (touchedLevels). Machine-wide state stays out
   * of the key because no memoized handling reads it: the physical CPU and the per-CPU fp_owner (migration is always
   * stepped), preemptOff (a nesting count that no handling reads; an onNestedWindow hook, which may read anything,
   * forces the exact engine); lastSgiAt is recorded as an offset and replayed, and the FP observer calls as a tape.
   */
  private stateKey(k: number, ev: Trap): void {
    const key = this.memoTable.key;
    key.fill(0);
    key[0] = k | ((this.mech * 2 + (this.fpFrame > 0 ? 1 : 0)) << 4) | (ev.id << 8);
    const top = touchedLevels(k, ev, this.depth);
    for (let j = 0; j < top; j++) key[1 + (j >> 1)]! |= packLevel(this.levels[j]!) << ((j & 1) * 14);
  }

  /** replays since the last fold, by record number, and the records that have some */
  private hits = new Float64Array(256);
  private readonly dirty: MemoRecord[] = [];
  private nDirty = 0;

  /** adds the deltas of the replays counted since the last fold to the totals */
  private fold(): void {
    const acc = this.acc;
    for (let d = 0; d < this.nDirty; d++) {
      const rec = this.dirty[d]!;
      const h = this.hits[rec.no]!;
      this.hits[rec.no] = 0;
      const idx = rec.idx;
      const val = rec.val;
      for (let n = 0; n < idx.length; n++) acc[idx[n]!]! += val[n]! * h;
    }
    this.nDirty = 0;
  }

  private trapMemo(k: number, ev: Trap): void {
    this.stateKey(k, ev);
    const rec = this.memoTable.get();
    const acc = this.acc;
    if (rec) {
      const start = this.cycles;
      this.cycles += rec.cycles;
      if (this.cycles > Number.MAX_SAFE_INTEGER) {
        throw new LimitError("duration-ms", "cycle total exceeds 2^53 within one machine; drain totals more often");
      }
      // the delta is added on the next read: count the replay (hits x delta is exact while totals stay < 2^53)
      const no = rec.no;
      if (no >= this.hits.length) {
        const h = new Float64Array(Math.max(no + 1, this.hits.length * 2));
        h.set(this.hits);
        this.hits = h;
      }
      if (this.hits[no]!++ === 0) this.dirty[this.nDirty++] = rec;
      const end = rec.endState;
      for (let j = 0; j < end.length; j++) unpackLevel(this.levels[j]!, end[j]!);
      if (rec.sgiOffset >= 0) this.lastSgiAt = start + rec.sgiOffset;
      if (rec.tape.length !== 0) {
        if (this.recording) this.tapeRef(rec);
        if (this.oracle) this.countObservations(replayTape(this.oracle, rec));
      }
      return;
    }
    const key = this.memoTable.key.slice(); // the buffer is reused by the traps this one raises
    this.fold();
    const before = acc.slice();
    const start = this.cycles;
    const prevSgi = this.lastSgiAt;
    this.lastSgiAt = -1;
    const tapeStart = this.tape.length;
    this.recording++;
    this.trapExact(k, ev);
    this.recording--;
    // this record's tape: its own calls, and its nested records as references into its children
    const children: MemoRecord[] = [];
    const tape = Int32Array.from(this.tape.slice(tapeStart), (code) => {
      if (code >= 0) return code;
      children.push(this.tapeRefs[-code - 1]!);
      return -children.length;
    });
    this.tape.length = tapeStart;
    if (this.recording === 0) this.tapeRefs.length = 0;
    const sgiOffset = this.lastSgiAt >= 0 ? this.lastSgiAt - start : -1;
    if (sgiOffset < 0) this.lastSgiAt = prevSgi;
    this.fold();
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
      no: this.memoTable.size,
      cycles: this.cycles - start,
      idx: Int32Array.from(idx),
      val: Float64Array.from(val),
      endState: this.levels.slice(0, touchedLevels(k, ev, this.depth)).map(packLevel),
      sgiOffset,
      tape,
      children,
    };
    this.memoTable.set(key, made);
    if (this.recording && tape.length !== 0) this.tapeRef(made);
  }

  /** an enclosing recording's tape gets one reference to rec's calls */
  private tapeRef(rec: MemoRecord): void {
    this.tapeRefs.push(rec);
    this.tape.push(-this.tapeRefs.length);
  }

  /** Moves the machine's running totals out (for exact BigInt accumulation by long runs) and zeroes them. */
  drain(): { cycles: number; counters: LevelCounters[]; attribution: number[][]; fpInclusive: FpInclusive } {
    this.fold();
    const out = { cycles: this.cycles, counters: this.counters, attribution: this.attribution, fpInclusive: this.fpInclusive };
    this.cycles = 0;
    this.acc.fill(0);
    return out;
  }

  /** Level j's hypervisor entered from its guest with exception ev, which `owner` handles. */
  private handleAt(j: number, ev: Trap, owner: number, from: number): void {
    const base = j * this.lay.perLevel;
    this.acc[base + F_EXITS]!++;
    this.acc[base + NC + ev.ecIdx]!++;
    this.runAs(MECH_EXIT, j, ev.reason === "hvc-hyp" && j === owner ? PATHS.nvheHostHvc : PATHS.guestExit);
    if (j < owner) {
      this.forward(j, ev);
      this.handleAt(j + 1, ev, owner, from);
      return;
    }
    HANDLER_BY_REASON[ev.reasonIdx]!(this, j, ev, from);
  }

  /** Level j forwards the exception to the guest hypervisor above it (kvm_inject_nested, put/load case). */
  private forward(j: number, ev: Trap): void {
    this.bump(j, F_FULL_EXITS);
    if (this.listener) this.listener({ type: "exit", level: j, ec: ev.ec, how: "forward" });
    if (ev.ec === "DABT_LOW") this.runAs(MECH_EXIT, j, PATHS.dabtFaultInfo);
    this.runAs(MECH_EXIT, j, PATHS.runLoopExit);
    if (ev.ec === "IRQ") this.runAs(MECH_HANDLER, j, PATHS.hostTimerIrq);
    this.runAs(MECH_HANDLER, j, ev.ec === "DABT_LOW" ? PATHS.forwardS2Walk : PATHS.forwardRoute);
    this.injectNested(j);
    this.enterGuest(j);
  }

  /** kvm_inject_nested: L(j+1) goes from its nested context into its vEL2, with put/load at level j. */
  injectNested(j: number): void {
    const lv = this.levels[j]!;
    const prev = this.mech;
    if (lv.ctx === "hyp") {
      // Taken from vEL2 (or InHost EL0): pend the exception, no put/load.
      this.bump(j, F_DIRECT_INJECTS);
      this.mech = MECH_HANDLER;
      this.cost(j, "injectCode");
      this.mech = prev;
      return;
    }
    if (lv.ctx !== "nested") throw new Error(`level ${j} cannot inject a nested exception into a non-hypervisor guest`);
    this.bump(j, F_NESTED_EXCEPTIONS);
    if (this.listener) this.listener({ type: "nestedException", level: j });
    this.preemptOff++;
    lv.inNestedException = true;
    this.mech = MECH_PUTLOAD;
    this.cost(j, "routeCode");
    this.vcpuPut(j);
    this.inWindow(j);
    this.cost(j, "injectCode");
    lv.ctx = "hyp";
    this.vcpuLoad(j);
    this.mech = prev;
    lv.inNestedException = false;
    this.preemptOff--;
  }

  /**
   * Inside level j's IN_NESTED_* window (between put and load, preemption off, interrupts on): a softirq's
   * kernel-mode NEON armed by armWindowNeon runs here, then the onNestedWindow hook.
   */
  private inWindow(j: number): void {
    const lv = this.levels[j]!;
    if (lv.neonInWindow) {
      lv.neonInWindow = false;
      this.kernelNeon(j);
    }
    this.onNestedWindow?.(j);
  }

  /** Arms kernel-mode NEON at level j to run inside its next nested put/load window (machine state: memo-safe). */
  armWindowNeon(j: number): void {
    this.levels[j]!.neonInWindow = true;
  }

  /** kvm_emulate_nested_eret: L(j+1) ERETs from vEL2 into its own guest; put/load at level j. */
  emulateNestedEret(j: number): void {
    const lv = this.levels[j]!;
    if (lv.ctx !== "hyp") throw new Error(`level ${j}: nested ERET while not in hyp context`);
    this.bump(j, F_NESTED_ERETS);
    if (this.listener) this.listener({ type: "nestedEret", level: j });
    const prev = this.mech;
    this.mech = MECH_PUTLOAD;
    this.sr(j, A_SPSR_EL12_R);
    this.cost(j, "eretEmulCode");
    this.preemptOff++;
    lv.inNestedEret = true;
    this.vcpuPut(j);
    this.inWindow(j);
    lv.ctx = "nested";
    this.vcpuLoad(j);
    lv.inNestedEret = false;
    this.preemptOff--;
    this.mech = prev;
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
    this.bump(j, F_VCPU_PUTS);
    if (this.listener) this.listener({ type: "put", level: j, ctx: this.levels[j]!.ctx, fpElided: this.fpPutLoadElided(j) });
    this.runAs(MECH_PUTLOAD, j, PATHS.vcpuPut);
  }

  vcpuLoad(j: number): void {
    this.bump(j, F_VCPU_LOADS);
    if (this.listener) this.listener({ type: "load", level: j, ctx: this.levels[j]!.ctx, fpElided: this.fpPutLoadElided(j) });
    this.runAs(MECH_PUTLOAD, j, PATHS.vcpuLoad);
  }

  /** Run loop entry and the ERET into level j's guest. */
  enterGuest(j: number): void {
    this.runAs(MECH_EXIT, j, PATHS.runLoopEntry);
    this.eret(j, "guest");
  }

  /** After a fast-path handler: straight back through __guest_enter. */
  fastReenter(j: number): void {
    this.runAs(MECH_EXIT, j, PATHS.fastReenter);
    this.eret(j, "guest");
  }

  /** ERET by level j's software: into its guest, or (InHost) to its own userspace. */
  eret(j: number, to: "guest" | "inhost"): void {
    if (j === 0) {
      if (this.listener) this.listener({ type: "op", level: 0, op: "eret", res: "native", eretTo: to });
      const prev = this.mech;
      this.mech = MECH_EXCEPTION;
      this.charge(0, this.cExcReturn);
      this.mech = prev;
      return;
    }
    if (this.listener) this.listener({ type: "op", level: j, op: "eret", res: "trap", eretTo: to });
    this.trap(j, to === "guest" ? EV_ERET_GUEST : EV_ERET_INHOST);
  }

  // Inclusive accounting of FP save/restore/ZCR frames: all cycles a frame causes, at any level, charged to the
  // "fp" mechanism while it runs. fpBegin returns the frame's start (or -1 when nested in another frame).
  private fpBegin(): number {
    const start = this.fpFrame === 0 ? this.cycles : -1;
    this.fpFrame++;
    return start;
  }

  private fpEnd(slot: number, start: number): void {
    this.fpFrame--;
    if (start >= 0) this.acc[this.lay.fp + slot]! += this.cycles - start;
  }

  /** One FP observer call: dispatched to the oracle, and taped while a memo record is being made. */
  private observe(kind: number, level: number, a: number, b: number): void {
    if (!this.oracle && !this.recording) return;
    const code = kind | (level << 3) | (a << 7) | (b << 9);
    if (this.recording) this.tape.push(code);
    if (this.oracle) {
      dispatchObservation(this.oracle, code);
      this.countObservations(1);
    }
  }

  /** FP observer calls made so far, and the limit past which the oracle's own work is refused */
  observations = 0;
  observationBudget = Number.POSITIVE_INFINITY;

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

  /** @internal the VMM's own FP use (vmmRoundTrip) */
  _observeVmm(j: number): void {
    this.observe(OBS_USE, j, WHO_VMM, 0);
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
      const start = this.fpBegin();
      const prev = this.mech;
      this.mech = MECH_FP;
      this.fpSaveRegs(j, lv.bound, kernelSave);
      this.mech = prev;
      this.fpEnd(FP_SAVE, start);
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
    this.observe(OBS_USE, j, WHO_NEON, 0);
    this.cost(j, "neonWork");
  }

  /** fpsimd_thread_switch: another task runs on this CPU at level j and uses FP; the thread comes back foreign. */
  contextSwitch(j: number): void {
    this.fpsimdSaveAndFlush(j, true);
    this.cost(j, "schedCode");
    this.fpAccess(j);
    this.observe(OBS_USE, j, WHO_OTHER, 0);
  }

  /** fpsimd_restore_current_state on the return to userspace at level j: reload the thread's own state. */
  restoreCurrentState(j: number): void {
    const lv = this.levels[j]!;
    if (!lv.foreignFp) return;
    const start = this.fpBegin();
    const prev = this.mech;
    this.mech = MECH_FP;
    this.fpRestoreRegs(j, "host");
    this.mech = prev;
    this.fpEnd(FP_RESTORE, start);
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
    this.observe(OBS_CPU, 0, this.cpu, 0);
    l0.guestOwnsFp = this.cpuFpOwner[this.cpu]!;
    l0.foreignFp = true;
    l0.bound = "none";
    this.vcpuLoad(0);
    this.preemptOff--;
  }

  /** A software exception (SVC) from a hypervisor's userspace into its kernel: never reaches L0 (vTGE). */
  svc(k: number): void {
    this.charge(k, this.cExcEntry);
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
  // Engine internals the steps and handlers below use (not part of the library's API)

  /** @internal */ _bump(j: number, f: number): void {
    this.bump(j, f);
  }
  /** @internal */ _sr(k: number, a: SysregAccess): void {
    this.sr(k, a);
  }
  /** @internal */ _run(k: number, p: Path): void {
    this.runP(k, p);
  }
  /** @internal */ _runAs(mech: number, k: number, p: Path): void {
    this.runAs(mech, k, p);
  }
  /** @internal the mechanism index in force; set it back after a _setMech */
  _setMech(mech: number): number {
    const prev = this.mech;
    this.mech = mech;
    return prev;
  }
  /** @internal */ _fpBegin(): number {
    return this.fpBegin();
  }
  /** @internal */ _fpEnd(slot: number, start: number): void {
    this.fpEnd(slot, start);
  }

  /** save the FP/SVE registers of the context bound to this CPU (fpsimd_save_and_flush_cpu_state / __fpsimd_save_state) */
  fpSaveRegs(j: number, buffer: "host" | "vcpu", kernelSave = false): void {
    const host = buffer === "host" || kernelSave;
    this.fpAccess(j);
    this.observe(OBS_SAVE, j, buffer === "host" ? 1 : 0, this.levels[j]!.zcrAtGuestVl ? 1 : 0);
    this.cost(j, "fpCallOverhead");
    this.charge(j, this.fpMoveCycles);
    this.sr(j, A_FPSR_R);
    this.sr(j, A_FPCR_R);
    this.bump(j, F_FP_BYTES, this.fpBytes);
    this.bump(j, host ? F_HOST_FP_SAVES : F_FP_SAVES);
    if (this.listener) this.listener({ type: host ? "hostFpSave" : "fpSave", level: j, bytes: this.fpBytes });
  }

  fpRestoreRegs(j: number, buffer: "host" | "vcpu"): void {
    const host = buffer === "host";
    this.fpAccess(j);
    this.observe(OBS_RESTORE, j, buffer === "host" ? 1 : 0, 0);
    this.cost(j, "fpCallOverhead");
    this.charge(j, this.fpMoveCycles);
    this.sr(j, A_FPSR_W);
    this.sr(j, A_FPCR_W);
    this.bump(j, F_FP_BYTES, this.fpBytes);
    this.bump(j, host ? F_HOST_FP_RESTORES : F_FP_RESTORES);
    if (this.listener) this.listener({ type: host ? "hostFpRestore" : "fpRestore", level: j, bytes: this.fpBytes });
  }

  /** kvm_hyp_handle_fpsimd at level j: give the FP/SVE registers to the vcpu. */
  hypHandleFpsimd(j: number, from = -1): void {
    const lv = this.levels[j]!;
    this.bump(j, F_FP_TRAPS);
    if (this.listener) this.listener({ type: "fpTrap", level: j, from });
    const start = this.fpBegin();
    const prev = this.mech;
    this.mech = MECH_FP;
    this.sr(j, A_CPACR_EL1_W); // __deactivate_cptr_traps
    this.exec(j, ISB);
    if (this.cfg.sveVl > 0) {
      // __hyp_sve_restore_guest: sve_cond_update_zcr_vq(max, SYS_ZCR_EL2), restore, vZCR in nested context, ZCR_EL12
      this.sr(j, A_ZCR_EL2_R);
      this.fpRestoreRegs(j, "vcpu");
      if (lv.ctx === "nested") this.sr(j, A_ZCR_EL2_R);
      this.sr(j, A_ZCR_EL12_W);
    } else {
      this.fpRestoreRegs(j, "vcpu");
    }
    this.sr(j, A_HCR_EL2_R);
    lv.guestOwnsFp = true;
    this.sr(j, A_CPACR_EL1_W); // __activate_cptr_traps
    this.mech = prev;
    this.fpEnd(FP_RESTORE, start);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Leaf operations (software at level depth)

  /** The leaf (or a guest hypervisor's userspace) using FP/SIMD: may trap if the registers are not its own. */
  leafFp(): void {
    const prev = this.mech;
    this.mech = MECH_GUEST;
    this.fpAccess(this.depth);
    this.mech = prev;
    this.observe(OBS_USE, this.depth, WHO_LEAF, 0);
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
    this.runP(this.depth, timer ? PATHS.guestTimerIrq : PATHS.guestIpiIrq);
    this.mech = prev;
  }

  snapshotCounters(): LevelCounters[] {
    return this.counters;
  }
}

const ISB: Op = { kind: "isb" };
const OP_TIMER_EMUL: Op = { kind: "code", cost: "timerEmulCode" };
const OP_SHADOW_S2: Op = { kind: "code", cost: "shadowS2Lookup" };
const OP_MMIO_DECODE: Op = { kind: "code", cost: "mmioDecode" };
const OP_VMM_MMIO: Op = { kind: "code", cost: "vmmMmio" };

const MECH_INDEX: Record<Mechanism, number> = { guest: 0, exception: 1, exit: 2, handler: 3, putload: 4, fp: 5 };
const NM = MECHANISMS.length;
const MECH_GUEST = MECH_INDEX.guest;
const MECH_EXCEPTION = MECH_INDEX.exception;
const MECH_EXIT = MECH_INDEX.exit;
const MECH_HANDLER = MECH_INDEX.handler;
const MECH_PUTLOAD = MECH_INDEX.putload;
const MECH_FP = MECH_INDEX.fp;

// -------------------------------------------------------------------------------------------------------------------
// Flat totals: per level [COUNTER_FIELDS..., exits by exception class...], then cycles by [level 0..depth][mechanism],
// then the inclusive FP figures [trap, traps, save, restore, zcr].

const NC = COUNTER_FIELDS.length;
const fieldIndex = (f: CounterField): number => COUNTER_FIELDS.indexOf(f);
const F_L0TRAPS = fieldIndex("l0Traps");
const F_EXITS = fieldIndex("exits");
const F_FULL_EXITS = fieldIndex("fullExits");
const F_FAST_EXITS = fieldIndex("fastExits");
const F_NESTED_EXCEPTIONS = fieldIndex("nestedExceptions");
const F_NESTED_ERETS = fieldIndex("nestedErets");
const F_DIRECT_INJECTS = fieldIndex("directInjects");
const F_FAST_ERETS = fieldIndex("fastErets");
const F_FP_TRAPS = fieldIndex("fpTraps");
const F_FP_SAVES = fieldIndex("fpSaves");
const F_FP_RESTORES = fieldIndex("fpRestores");
const F_FP_SAVES_ELIDED = fieldIndex("fpSavesElided");
const F_FP_LOADS_ELIDED = fieldIndex("fpLoadsElided");
const F_FP_BYTES = fieldIndex("fpBytes");
const F_VNCR = fieldIndex("vncrAccesses");
const F_VCPU_PUTS = fieldIndex("vcpuPuts");
const F_VCPU_LOADS = fieldIndex("vcpuLoads");
const F_HOST_FP_SAVES = fieldIndex("hostFpSaves");
const F_HOST_FP_RESTORES = fieldIndex("hostFpRestores");
const FP_TRAP = 0;
const FP_TRAPS = 1;
const FP_SAVE = 2;
const FP_RESTORE = 3;
const FP_ZCR = 4;
const EC_INDEX = Object.fromEntries(EXCEPTION_CLASS_NAMES.map((ec, i) => [ec, i])) as Record<ExceptionClass, number>;

interface FlatLayout {
  /** entries per level (counters, then exits by class) */
  readonly perLevel: number;
  /** start of cycles by [level][mechanism] */
  readonly attr: number;
  /** start of the inclusive FP figures */
  readonly fp: number;
  readonly length: number;
}

function flatLayout(depth: number): FlatLayout {
  const perLevel = NC + EXCEPTION_CLASS_NAMES.length;
  const attr = depth * perLevel;
  const fp = attr + (depth + 1) * NM;
  return { perLevel, attr, fp, length: fp + 5 };
}

const REASON_CODE: Record<TrapReason, number> = {
  hvc: 1, "mmio-kernel": 2, "mmio-user": 3, sysreg: 4, eret: 5, fp: 6, "irq-timer": 7, "irq-ipi": 8, sgi: 9, wfi: 10,
  s2fault: 11, "s2-shadow": 12, "host-irq": 13, "irq-hyptick": 14, "hvc-hyp": 15,
};

// -------------------------------------------------------------------------------------------------------------------
// Trap events, interned: one object per distinct event, all of one shape, with the indices the engine needs.

/** An interned trap event (see trapEvent). */
export class Trap implements TrapEvent {
  readonly ecIdx: number;
  readonly reasonIdx: number;
  constructor(
    readonly ec: ExceptionClass,
    readonly reason: TrapReason,
    readonly reg: SysRegName | undefined,
    readonly write: boolean | undefined,
    readonly eretTo: "guest" | "inhost" | undefined,
    readonly owner: number | undefined,
    readonly hostWork: HostIrqWork | undefined,
    /** dense id of this distinct event (part of the fast engine's memo key) */
    readonly id: number,
  ) {
    this.ecIdx = EC_INDEX[ec];
    this.reasonIdx = REASON_CODE[reason];
  }
}

const TRAPS = new Map<string, Trap>();

/**
 * The interned form of a trap event: the same object for equal events. Drivers build the events they raise once
 * (passing a plain object to Machine.trap works, and is interned on each call).
 */
export function trapEvent(ev: TrapEvent): Trap {
  if (ev instanceof Trap) return ev;
  const key = `${ev.ec}|${ev.reason}|${ev.reg ?? ""}|${ev.write === undefined ? "" : +ev.write}|${ev.eretTo ?? ""}|${ev.owner ?? ""}|${ev.hostWork ?? ""}`;
  let t = TRAPS.get(key);
  if (!t) {
    if (EC_INDEX[ev.ec] === undefined) throw new Error(`unknown exception class ${ev.ec}`);
    if (REASON_CODE[ev.reason] === undefined) throw new Error(`unknown trap reason ${ev.reason}`);
    // ids 0..0xfffe: one UTF-16 unit of the memo key
    if (TRAPS.size >= 0xffff) throw new Error("too many distinct trap events");
    t = new Trap(ev.ec, ev.reason, ev.reg, ev.write, ev.eretTo, ev.owner, ev.hostWork, TRAPS.size);
    TRAPS.set(key, t);
  }
  return t;
}

// -------------------------------------------------------------------------------------------------------------------
// System register accesses, resolved once per register and configuration.

const RES_NATIVE = 0;
const RES_VNCR = 1;
const RES_TRAP = 2;
const RES_LABEL: readonly ("native" | "vncr" | "trap")[] = ["native", "vncr", "trap"];

/** One access (register, direction): its trap event and its resolution by a guest hypervisor, by features. */
interface SysregAccess {
  readonly reg: SysRegName;
  readonly write: boolean;
  readonly label: string;
  readonly ev: Trap;
  /** the SGI register (L0's writes mark the IPI micro benchmark's send point) */
  readonly sgi: boolean;
  /** RES_* at a guest hypervisor, indexed by nv2 * 2 + ecv */
  readonly res: Uint8Array;
}

function access(reg: SysRegName, write: boolean): SysregAccess {
  const res = new Uint8Array(4);
  for (let sel = 0; sel < 4; sel++) {
    const r = resolveGuestHypAccess(reg, write, sel >= 2, (sel & 1) === 1);
    res[sel] = r === "native" ? RES_NATIVE : r === "vncr" ? RES_VNCR : RES_TRAP;
  }
  const reason: TrapReason = reg === "ICC_SGI1R_EL1" ? "sgi" : "sysreg";
  return {
    reg,
    write,
    label: `${write ? "W" : "R"} ${reg}`,
    // trap events raised by the engine itself are shared constants: no allocation per simulated trap
    ev: trapEvent({ ec: "SYS64", reason, reg, write }),
    sgi: reg === "ICC_SGI1R_EL1",
    res,
  };
}

/** the two accesses (read, write) of every system register, built once */
const ACCESS = Object.fromEntries(
  (Object.keys(SYSREGS) as SysRegName[]).map((reg) => [reg, [access(reg, false), access(reg, true)] as const]),
) as Record<SysRegName, readonly [SysregAccess, SysregAccess]>;
const R = (reg: SysRegName): SysregAccess => ACCESS[reg][0];
const W = (reg: SysRegName): SysregAccess => ACCESS[reg][1];
const A_CNTHCTL_EL2_R = R("CNTHCTL_EL2");
const A_CNTHCTL_EL2_W = W("CNTHCTL_EL2");
const A_CNTPCT_EL0_TRAPPED_R = R("CNTPCT_EL0_TRAPPED");
const A_CNTPOFF_EL2_R = R("CNTPOFF_EL2");
const A_CNTPOFF_EL2_W = W("CNTPOFF_EL2");
const A_CNTP_CVAL_EL02_R = R("CNTP_CVAL_EL02");
const A_CNTP_CVAL_EL02_W = W("CNTP_CVAL_EL02");
const A_CNTVCT_EL0_R = R("CNTVCT_EL0");
const A_CPACR_EL1_W = W("CPACR_EL1");
const A_DAIF_W = W("DAIF");
const A_FPCR_R = R("FPCR");
const A_FPCR_W = W("FPCR");
const A_FPSR_R = R("FPSR");
const A_FPSR_W = W("FPSR");
const A_HCR_EL2_R = R("HCR_EL2");
const A_HCR_EL2_W = W("HCR_EL2");
const A_ICC_SGI1R_EL1_W = W("ICC_SGI1R_EL1");
const A_ICH_ELRSR_EL2_R = R("ICH_ELRSR_EL2");
const A_ICH_HCR_EL2_W = W("ICH_HCR_EL2");
const A_ICH_LR0_EL2_R = R("ICH_LR0_EL2");
const A_ICH_LR0_EL2_W = W("ICH_LR0_EL2");
const A_SPSR_EL12_R = R("SPSR_EL12");
const A_VNCR_EL2_W = W("VNCR_EL2");
const A_ZCR_EL12_R = R("ZCR_EL12");
const A_ZCR_EL12_W = W("ZCR_EL12");
const A_ZCR_EL2_R = R("ZCR_EL2");


// Trap events raised by the engine itself are shared constants: no allocation per simulated trap.
const EV_MMIO_KERNEL = trapEvent({ ec: "DABT_LOW", reason: "mmio-kernel" });
const EV_FP = trapEvent({ ec: "FP_ASIMD", reason: "fp" });
const EV_SVE = trapEvent({ ec: "SVE", reason: "fp" });
const EV_ERET_GUEST = trapEvent({ ec: "ERET", reason: "eret", eretTo: "guest" });
const EV_ERET_INHOST = trapEvent({ ec: "ERET", reason: "eret", eretTo: "inhost" });
const EV_WFI = trapEvent({ ec: "WFx", reason: "wfi" });
const EV_IRQ_TIMER = trapEvent({ ec: "IRQ", reason: "irq-timer" });
const EV_IRQ_IPI = trapEvent({ ec: "IRQ", reason: "irq-ipi" });
function hvcHypEvent(j: number): Trap {
  return trapEvent({ ec: "HVC64", reason: "hvc-hyp", owner: j });
}

/** Inclusive cycles of FP work: outermost FP traps (and how many), FP saves, restores and ZCR switching. */
export interface FpInclusive {
  trap: number;
  traps: number;
  save: number;
  restore: number;
  zcr: number;
}


// FP observer calls as tape codes: kind (3 bits) | level << 3 (4 bits) | a << 7 (2 bits) | b << 9 (1 bit)
const OBS_SAVE = 0;
const OBS_RESTORE = 1;
const OBS_USE = 2;
const OBS_CPU = 3;
const WHO_LEAF = 0;
const WHO_VMM = 1;
const WHO_NEON = 2;
const WHO_OTHER = 3;
const WHO: readonly ("leaf" | "vmm" | "neon" | "other")[] = ["leaf", "vmm", "neon", "other"];

/** feeds the FP observer calls a record stands for, in order, to the oracle */
function replayTape(o: FpObserver, rec: MemoRecord): number {
  const tape = rec.tape;
  let calls = 0;
  for (let n = 0; n < tape.length; n++) {
    const code = tape[n]!;
    if (code >= 0) {
      dispatchObservation(o, code);
      calls++;
    } else calls += replayTape(o, rec.children[-code - 1]!);
  }
  return calls;
}

function dispatchObservation(o: FpObserver, code: number): void {
  const level = (code >> 3) & 15;
  const a = (code >> 7) & 3;
  switch (code & 7) {
    case OBS_SAVE:
      o.save(level, a === 1 ? "host" : "vcpu", ((code >> 9) & 1) === 1);
      return;
    case OBS_RESTORE:
      o.restore(level, a === 1 ? "host" : "vcpu");
      return;
    case OBS_USE:
      o.use(level, WHO[a]!);
      return;
    default:
      o.switchCpu(a);
  }
}

/**
 * Memo tables shared across machines (e.g. the runs of a sweep that differ only in workload, I/O rate or seed):
 * a record depends on the configuration of the hardware and of every level's kernel and on the unit costs, which
 * together form the key. Bounded: a configuration has at most a few thousand distinct trap states.
 */
const MEMOS = new Map<string, IntKeyTable<MemoRecord>>();
const MAX_SHARED_MEMOS = 64;

function memoFor(cfg: ModelConfig): IntKeyTable<MemoRecord> {
  const key = JSON.stringify([cfg.depth, cfg.nv2, cfg.ecv, cfg.guestHyp, cfg.patch, cfg.sveVl, cfg.el2Vtimer, cfg.physOffset === true, cfg.fpPolicy ?? "", cfg.costs]);
  let m = MEMOS.get(key);
  if (!m) {
    if (MEMOS.size >= MAX_SHARED_MEMOS) MEMOS.delete(MEMOS.keys().next().value as string);
    // key: one word (event, level, context) + the packed states of up to `depth` levels, two per word
    m = new IntKeyTable<MemoRecord>(1 + Math.ceil(cfg.depth / 2));
    MEMOS.set(key, m);
  }
  return m;
}

/**
 * Where a path runs, which decides how its operations resolve: on hardware (L0: everything native), in a guest
 * hypervisor at vEL2 (system registers classified by lib/arch/sysregs.ts, GIC MMIO trapped), or in an nVHE guest
 * hypervisor's host kernel at EL1 (its EL1 system registers are its own; the GIC is still emulated: MMIO traps).
 */
type CodeClass = 0 | 1 | 2;
const CLS_HARDWARE = 0;
const CLS_GUEST_HYP = 1;
const CLS_NVHE_HOST = 2;
type CompiledPaths = readonly [(Segment[] | undefined)[], (Segment[] | undefined)[], (Segment[] | undefined)[]];
const COMPILED = new WeakMap<Costs, Map<string, CompiledPaths>>();

function compiledCache(cfg: ModelConfig): CompiledPaths {
  let byFeatures = COMPILED.get(cfg.costs);
  if (!byFeatures) {
    byFeatures = new Map();
    COMPILED.set(cfg.costs, byFeatures);
  }
  const fk = `${cfg.nv2 ? 1 : 0}${cfg.ecv ? 1 : 0}`;
  let m = byFeatures.get(fk);
  if (!m) {
    m = [new Array<Segment[] | undefined>(PATH_COUNT), new Array<Segment[] | undefined>(PATH_COUNT), new Array<Segment[] | undefined>(PATH_COUNT)];
    byFeatures.set(fk, m);
  }
  return m;
}
interface MemoRecord {
  /** the FP observer calls the handling made, in order (see Machine.observe); -i - 1 stands for children[i]'s */
  readonly tape: Int32Array;
  readonly children: readonly MemoRecord[];
  /** index of the record in its table (per-machine replay counts are kept by it) */
  readonly no: number;
  readonly cycles: number;
  /** sparse delta of the flat totals: indices and values */
  readonly idx: Int32Array;
  readonly val: Float64Array;
  readonly endState: readonly number[];
  readonly sgiOffset: number;
}

const CTX_OF: readonly VcpuContext[] = ["hyp", "nested", "guest"];
const BOUND_OF: readonly FpBinding[] = ["none", "host", "vcpu"];

/** Everything in a level's state that the handling of a trap can read (the patch flag is configuration). */
function packLevel(l: LevelState): number {
  return (
    ctxCode(l.ctx) |
    (l.guestOwnsFp ? 4 : 0) |
    (l.foreignFp ? 8 : 0) |
    ((l.bound === "none" ? 0 : l.bound === "host" ? 1 : 2) << 4) |
    (l.inNestedEret ? 64 : 0) |
    (l.inNestedException ? 128 : 0) |
    (l.lrInUse ? 256 : 0) |
    (ctxCode(l.timerMap) << 9) |
    (l.hostMode ? 2048 : 0) |
    (l.zcrAtGuestVl ? 4096 : 0) |
    (l.neonInWindow ? 8192 : 0)
  );
}

/** the context code (hyp 0, nested 1, guest 2) by comparison (interned strings compare by identity; a keyed lookup is slower on this hot path) */
function ctxCode(c: VcpuContext): number {
  return c === "hyp" ? 0 : c === "nested" ? 1 : 2;
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
  l.zcrAtGuestVl = (v & 4096) !== 0;
  l.neonInWindow = (v & 8192) !== 0;
}

interface Segment {
  readonly cost: number;
  readonly vncr: number;
  /** SEG_*: what follows the folded cost */
  readonly kind: number;
  readonly access: SysregAccess | undefined;
  readonly step: StepFn | undefined;
  readonly path: Path | undefined;
}
const SEG_NONE = 0;
const SEG_TRAP = 1;
const SEG_MMIO = 2;
const SEG_STEP = 3;
const SEG_CALL = 4;

// -------------------------------------------------------------------------------------------------------------------
// Stateful steps: each follows one kernel function.

type StepFn = (m: Machine, j: number) => void;

const STEPS: Record<StepName, StepFn> = {
  /** hyp/include/hyp/switch.h fpsimd_lazy_switch_to_guest: only when the guest owns the FP regs and has SVE. */
  lazySwitchToGuest(m, j) {
    const lv = m.levels[j]!;
    if (!lv.guestOwnsFp || m.cfg.sveVl === 0) return;
    // write_sysreg_el2(SYS_ZCR): the EL1 encoding with E2H; needs SVE enabled for this level's own context.
    const start = m._fpBegin();
    const prev = m._setMech(MECH_FP);
    m.fpAccess(j);
    m._sr(j, A_ZCR_EL12_W);
    m._setMech(prev);
    m._fpEnd(FP_ZCR, start);
  },
  /** fpsimd_lazy_switch_to_host: save the guest's ZCR_EL1 and set ZCR_EL2 back to max. */
  lazySwitchToHost(m, j) {
    const lv = m.levels[j]!;
    if (!lv.guestOwnsFp || m.cfg.sveVl === 0) return;
    const start = m._fpBegin();
    const prev = m._setMech(MECH_FP);
    m._sr(j, A_ZCR_EL12_R);
    if (m.policyAt(j) === "no-zcr-reset") {
      // unsound variant: ZCR_EL2 stays at the guest's VL, so a later save at this level truncates
      m.levels[j]!.zcrAtGuestVl = true;
    } else {
      m.fpAccess(j);
      m.levels[j]!.zcrAtGuestVl = false;
    }
    m._setMech(prev);
    m._fpEnd(FP_ZCR, start);
  },
  /** hyp/vhe/switch.c __compute_hcr + ___activate_traps: VNCR_EL2 in hyp context (and for recursive NV). */
  computeHcr(m, j) {
    const lv = m.levels[j]!;
    if (lv.ctx === "hyp" || (lv.ctx === "nested" && j + 2 < m.depth)) m._sr(j, A_VNCR_EL2_W);
    m._sr(j, A_HCR_EL2_W);
  },
  /**
   * hyp/vhe/switch.c __activate_traps: with CNTPOFF (has_cntpoff()) the direct physical timer's CVAL is written.
   * Only L0 has CNTPOFF: KVM exposes FEAT_ECV to a guest hypervisor without CNTPOFF (nested.c limit_nv_id_reg,
   * inference), so has_cntpoff() is false there.
   */
  cntpoffEnter(m, j) {
    if (j !== 0 || !m.cfg.ecv) return;
    m._sr(0, A_CNTP_CVAL_EL02_W);
    m.exec(0, ISB);
  },
  /** hyp/vhe/switch.c __deactivate_traps: read back the direct ptimer CVAL and CNTPOFF (has_cntpoff() only). */
  cntpoffExit(m, j) {
    if (j !== 0 || !m.cfg.ecv) return;
    m._sr(0, A_CNTP_CVAL_EL02_R);
    m._sr(0, A_CNTPOFF_EL2_R);
  },
  /** vgic.c kvm_vgic_flush_hwstate -> vgic_v3_flush_nested / __vgic_v3_restore_state (only with LRs in use). */
  vgicFlush(m, j) {
    const lv = m.levels[j]!;
    if (lv.ctx === "nested") {
      m._sr(j, A_ICH_HCR_EL2_W);
      return;
    }
    if (!lv.lrInUse) return;
    m._sr(j, A_ICH_HCR_EL2_W);
    m._sr(j, A_ICH_LR0_EL2_W);
  },
  /** vgic.c kvm_vgic_sync_hwstate -> __vgic_v3_save_state (only with LRs in use). */
  vgicSync(m, j) {
    const lv = m.levels[j]!;
    if (lv.ctx === "nested" || !lv.lrInUse) return;
    m._sr(j, A_ICH_ELRSR_EL2_R);
    m._sr(j, A_ICH_HCR_EL2_W);
    m._sr(j, A_ICH_LR0_EL2_R);
    m._sr(j, A_ICH_LR0_EL2_W);
    lv.lrInUse = false;
  },
  /** arch_timer.c kvm_timer_sync_nested (hyp context only): timer_set_traps with ECV, else a timer put + load. */
  timerSyncNested(m, j) {
    if (m.levels[j]!.ctx !== "hyp") return;
    if (m.cfg.ecv) {
      m._sr(j, A_CNTHCTL_EL2_R);
      m._sr(j, A_CNTHCTL_EL2_W);
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
      m._bump(j, F_FP_SAVES_ELIDED);
      return;
    }
    m._sr(j, A_DAIF_W); // local_irq_save
    if (lv.guestOwnsFp) {
      if ((lv.inNestedEret || lv.inNestedException) && m.policyAt(j) === "elide-save-only") {
        // unsound variant: no save, but still flushed
        m._bump(j, F_FP_SAVES_ELIDED);
        lv.bound = "none";
        lv.foreignFp = true;
      } else m.fpsimdSaveAndFlush(j);
    }
    m._sr(j, A_DAIF_W); // local_irq_restore
  },
  /** fpsimd.c kvm_arch_vcpu_load_fp: save and flush the host task's FP state, fp_owner = FREE. */
  loadFp(m, j) {
    const lv = m.levels[j]!;
    if (m.fpPutLoadElided(j)) {
      m._bump(j, F_FP_LOADS_ELIDED);
      return;
    }
    m.fpsimdSaveAndFlush(j);
    lv.guestOwnsFp = false;
  },
  /** sysreg-sr.c __vcpu_put_switch_sysregs: __sysreg_save_vel2_state or __sysreg_save_el1_state, user state. */
  putSysregs(m, j) {
    m._run(j, m.levels[j]!.ctx === "hyp" ? PATHS.putSysregsVel2 : PATHS.putSysregsEl1);
  },
  /** sysreg-sr.c __vcpu_load_switch_sysregs: user state, dsb(nsh) with NV, vEL2 or EL1 set. */
  loadSysregs(m, j) {
    const ctx = m.levels[j]!.ctx;
    m._run(j, ctx === "hyp" ? PATHS.loadSysregsVel2 : ctx === "nested" ? PATHS.loadSysregsEl1Nested : PATHS.loadSysregsEl1);
  },
  /** arch_timer.c kvm_timer_vcpu_put: save + disable the direct timers, cancel the emulated ones' hrtimers. */
  putTimer(m, j) {
    m._run(j, m.levels[j]!.ctx !== "guest" ? PATHS.timerPutNested : PATHS.timerPut);
  },
  /** arch_timer.c kvm_timer_vcpu_load (+ kvm_timer_vcpu_load_nested_switch, timer_set_traps). */
  loadTimer(m, j) {
    m._run(j, m.levels[j]!.ctx !== "guest" ? PATHS.timerLoadNested : PATHS.timerLoad);
  },
  /** kvm_timer_vcpu_load_nested_switch: unmap x2, map x2 (irq locks, irq_set_vcpu_affinity) when the map changed. */
  timerMapSwitch(m, j) {
    const lv = m.levels[j]!;
    if (lv.timerMap === lv.ctx) return;
    m.exec(j, OP_TIMER_EMUL);
    lv.timerMap = lv.ctx;
  },
  /** arch_timer.c set_cntpoff: CNTPOFF exists only on hardware (L0) with FEAT_ECV. */
  cntpoffLoad(m, j) {
    if (j === 0 && m.cfg.ecv) m._sr(0, A_CNTPOFF_EL2_W);
  },
  /** vgic-v3.c vgic_v3_put / vgic-v3-nested.c vgic_v3_put_nested. */
  putVgic(m, j) {
    m._run(j, m.levels[j]!.ctx === "nested" ? PATHS.putVgicNested : PATHS.putVgic);
  },
  /** vgic-v3.c vgic_v3_load / vgic-v3-nested.c vgic_v3_load_nested. */
  loadVgic(m, j) {
    m._run(j, m.levels[j]!.ctx === "nested" ? PATHS.loadVgicNested : PATHS.loadVgic);
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
    if (m.levels[j]!.ctx === "nested") m.exec(j, OP_SHADOW_S2);
  },
  /** A kernel clock read (ktime_get): the virtual counter with the EL2 virtual timer, else the trapped CNTPCT. */
  counterRead(m, j) {
    // A VHE kernel at (v)EL2 reads the physical counter, or the virtual one with the EL2 virtual timer. The
    // physical read traps only with a non-zero physical offset and no CNTPOFF at the level below (timer_set_traps):
    // a guest hypervisor never gets CNTPOFF; L0 has it with FEAT_ECV.
    const noCntpoff = j - 1 >= 1 || !m.cfg.ecv;
    if (j > 0 && !m.cfg.el2Vtimer && m.cfg.physOffset === true && noCntpoff) m._sr(j, A_CNTPCT_EL0_TRAPPED_R);
    else m._sr(j, A_CNTVCT_EL0_R);
  },
};


// -------------------------------------------------------------------------------------------------------------------
// Handlers at the owning level: Record over every reason, so a new reason does not compile until handled.

type Handler = (m: Machine, j: number, ev: Trap, from: number) => void;

/** A handler body: runs with the "handler" mechanism between the exit and the re-entry. */
type Body = (m: Machine, j: number, ev: Trap, from: number) => void;

function fullExit(m: Machine, j: number, ev: Trap, from: number, body: Body): void {
  m._bump(j, F_FULL_EXITS);
  if (m.listener) m.listener({ type: "exit", level: j, ec: ev.ec, how: "full" });
  if (m.nvhe(j)) {
    nvheFullExit(m, j, ev, from, body);
    return;
  }
  m._runAs(MECH_EXIT, j, PATHS.runLoopExit);
  const prev = m._setMech(MECH_HANDLER);
  body(m, j, ev, from);
  m._setMech(prev);
  m.enterGuest(j);
}

/**
 * An nVHE guest hypervisor's full exit (hyp/nvhe/switch.c __kvm_vcpu_run): its hyp code at vEL2 switches the whole
 * EL1 context (guest out, host in: VNCR memory under NV2), then ERETs to its host kernel at EL1 -- a nested ERET at
 * L0, since L0 sees that kernel as L1's nested context. The host kernel handles the exit (arm.c run loop,
 * handle_exit, at EL1: its register accesses are its own) and calls kvm_call_hyp(__kvm_vcpu_run): an HVC that L0
 * forwards to L1's vEL2 (a nested exception), whose hyp code switches back and ERETs into the guest.
 */
function nvheFullExit(m: Machine, j: number, ev: Trap, from: number, body: Body): void {
  const lv = m.levels[j]!;
  m._runAs(MECH_EXIT, j, PATHS.nvheExitHalf);
  m.eret(j, "guest"); // __host_enter: ERET to the host kernel at EL1
  lv.hostMode = true;
  m._runAs(MECH_EXIT, j, PATHS.nvheHostRunLoopExit);
  const prev = m._setMech(MECH_HANDLER);
  body(m, j, ev, from);
  m._setMech(MECH_EXIT);
  m._run(j, PATHS.nvheHostRunLoopEntry);
  // kvm_arm_vcpu_enter_exit -> kvm_call_hyp_ret(__kvm_vcpu_run): HVC to its own hyp
  m.trap(j, hvcHypEvent(j));
  m._setMech(prev);
}

function fastExit(m: Machine, j: number, ev: Trap, from: number, body: Body): void {
  m._bump(j, F_FAST_EXITS);
  if (m.listener) m.listener({ type: "exit", level: j, ec: ev.ec, how: "fast" });
  const prev = m._setMech(MECH_HANDLER);
  body(m, j, ev, from);
  m._setMech(prev);
  m.fastReenter(j);
}

const FAST_SYSREGS: Partial<Record<SysRegName, Path>> = {
  CPACR_EL1: PATHS.fastCpacr,
  CNTPCT_EL0_TRAPPED: PATHS.fastTimer,
  TLBI_EL2_S1: PATHS.fastTlbi,
};

/** handler bodies: module-level functions, so a handled exit allocates nothing */
const runs =
  (p: Path): Body =>
  (m, j) =>
    m._run(j, p);
const B_HVC = runs(PATHS.hvcHandler);
const B_MMIO_KERNEL = runs(PATHS.mmioKernel);
const B_SYSREG_EMULATE = runs(PATHS.sysregEmulate);
const B_FAST_ERET = runs(PATHS.fastEret);
const B_S2FAULT = runs(PATHS.s2Fault);
const B_S2SHADOW = runs(PATHS.s2ShadowFill);
const B_HYPTICK = runs(PATHS.hypTick);
const B_FAST_SYSREG: Body = (m, j, ev) => m._run(j, fastSysregPath(ev)!);

/** by Trap.id: the hyp fast path that handles this system register trap, or null (a full exit) */
const FAST_PATH_OF: (Path | null | undefined)[] = [];

/**
 * The fast-path handler of a trapped system register access (kvm_hyp_handle_sysreg_vhe and friends): CPACR,
 * the trapped physical counter, TLBI; and reads of the EL02 timer registers (kvm_hyp_handle_timer). Decided once
 * per interned event.
 */
function fastSysregPath(ev: Trap): Path | null {
  let p = FAST_PATH_OF[ev.id];
  if (p === undefined) {
    const reg = ev.reg;
    const timerRead = reg !== undefined && reg.endsWith("_EL02") && reg.startsWith("CNT") && !ev.write;
    p = (reg !== undefined ? FAST_SYSREGS[reg] : undefined) ?? (timerRead ? PATHS.fastTimer : null);
    FAST_PATH_OF[ev.id] = p;
  }
  return p;
}
const B_VMM: Body = (m, j) => vmmRoundTrip(m, j);
const B_NESTED_ERET: Body = (m, j) => m.emulateNestedEret(j);
const B_HYP_FPSIMD: Body = (m, j, _ev, from) => m.hypHandleFpsimd(j, from);
const B_IRQ: Body = (m, j) => {
  m._run(j, PATHS.hostTimerIrq);
  m.levels[j]!.lrInUse = true;
};
/** kvm_handle_wfx -> kvm_vcpu_wfi: vgic put, kvm_vcpu_halt (schedule: preempt notifiers put/load), vgic load. */
const B_WFI: Body = (m, j) => {
  m._run(j, m.levels[j]!.ctx === "nested" ? PATHS.putVgicNested : PATHS.putVgic);
  m.vcpuPut(j); // kvm_sched_out
  // this level's own CPU idles: a guest hypervisor's idle WFI traps to its own host in turn
  if (j > 0) m.trap(j, EV_WFI);
  else m.cost(0, "schedCode");
  m.vcpuLoad(j); // kvm_sched_in
  m._run(j, m.levels[j]!.ctx === "nested" ? PATHS.loadVgicNested : PATHS.loadVgic);
  m._run(j, PATHS.skipInstr);
};
const B_HOST_IRQ: Body = (m, j, ev) => {
  m._run(j, PATHS.hostTimerIrq);
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
};
const B_SGI: Body = (m, j) => {
  m._run(j, PATHS.sgiDispatch);
  // kvm_vcpu_kick -> smp_send_reschedule: this level's own IPI to the target vcpu's CPU
  m._sr(j, A_ICC_SGI1R_EL1_W);
};

export const HANDLERS: Record<TrapReason, Handler> = {
  hvc: (m, j, ev, from) => fullExit(m, j, ev, from, B_HVC),
  "mmio-kernel": (m, j, ev, from) => {
    m._run(j, PATHS.dabtFaultInfo);
    fullExit(m, j, ev, from, B_MMIO_KERNEL);
  },
  "mmio-user": (m, j, ev, from) => {
    m._run(j, PATHS.dabtFaultInfo);
    fullExit(m, j, ev, from, B_VMM);
  },
  sysreg: (m, j, ev, from) => {
    if (fastSysregPath(ev)) {
      fastExit(m, j, ev, from, B_FAST_SYSREG);
      return;
    }
    if (ev.reg === "ZCR_EL2" && !m.levels[j]!.guestOwnsFp) {
      // kvm_hyp_handle_zcr_el2: load the FP state (kvm_hyp_handle_fpsimd), then the slow path
      const start = m._fpBegin();
      m.hypHandleFpsimd(j);
      m._fpEnd(FP_ZCR, start);
    }
    fullExit(m, j, ev, from, B_SYSREG_EMULATE);
  },
  eret: (m, j, ev, from) => {
    if (ev.eretTo === "inhost") {
      m._bump(j, F_FAST_ERETS);
      if (m.listener) m.listener({ type: "fastEret", level: j });
      fastExit(m, j, ev, from, B_FAST_ERET);
      return;
    }
    fullExit(m, j, ev, from, B_NESTED_ERET);
  },
  fp: (m, j, ev, from) => fastExit(m, j, ev, from, B_HYP_FPSIMD),
  "irq-timer": (m, j, ev, from) => fullExit(m, j, ev, from, B_IRQ),
  "irq-ipi": (m, j, ev, from) => fullExit(m, j, ev, from, B_IRQ),
  wfi: (m, j, ev, from) => fullExit(m, j, ev, from, B_WFI),
  /** stage-2 fault on RAM: kvm_handle_guest_abort -> user_mem_abort (gup + stage-2 map). */
  s2fault: (m, j, ev, from) => {
    m._run(j, PATHS.dabtFaultInfo);
    fullExit(m, j, ev, from, B_S2FAULT);
  },
  /** the re-executed access faults in a lower level's shadow stage-2: walk the guest's tables, fill the shadow. */
  "s2-shadow": (m, j, ev, from) => {
    m._run(j, PATHS.dabtFaultInfo);
    fullExit(m, j, ev, from, B_S2SHADOW);
  },
  /** A host interrupt at L0 while a guest runs: the IRQ exit, the handler, then softirq NEON or a preemption. */
  "host-irq": (m, j, ev, from) => fullExit(m, j, ev, from, B_HOST_IRQ),
  /** A guest hypervisor's own tick (its EL2 timer, emulated by the level below): timer ISR and clock reads. */
  "irq-hyptick": (m, j, ev, from) => fullExit(m, j, ev, from, B_HYPTICK),
  /** an nVHE host kernel's HVC into its own hyp (__kvm_vcpu_run): switch to the guest and ERET into it */
  "hvc-hyp": (m, j) => {
    m.levels[j]!.hostMode = false;
    m._runAs(MECH_EXIT, j, PATHS.nvheEntryHalf);
    m.eret(j, "guest");
  },
  sgi: (m, j, ev, from) => fullExit(m, j, ev, from, B_SGI),
};

/**
 * How many levels (0..n-1) the handling of trap `ev` from level k reads or writes: the levels below k, which take and
 * forward it, and for an nVHE host kernel's HVC into its own hyp (owner = k) level k itself, whose hyp half switches
 * it out of host mode.
 */
function touchedLevels(k: number, ev: Trap, depth: number): number {
  const top = ev.owner !== undefined && ev.owner >= k ? ev.owner + 1 : k;
  return Math.min(top, depth);
}

/** HANDLERS indexed by Trap.reasonIdx */
const HANDLER_BY_REASON: Handler[] = [];
for (const r of Object.keys(HANDLERS) as TrapReason[]) HANDLER_BY_REASON[REASON_CODE[r]] = HANDLERS[r];

/** KVM_EXIT_MMIO: the hypervisor at level j returns to its userspace VMM and comes back with KVM_RUN. */
function vmmRoundTrip(m: Machine, j: number): void {
  m.exec(j, OP_MMIO_DECODE); // io_mem_abort: no in-kernel device -> KVM_EXIT_MMIO
  m._run(j, PATHS.vmmExitToUser); // vcpu_put + syscall return path
  // fpsimd_restore_current_state on the way out to userspace: the VMM's FP state comes back
  m.restoreCurrentState(j);
  m.eret(j, "inhost");
  // the VMM (userspace) decodes and emulates the access; libc string/memory routines use FP/SIMD
  m.exec(j, OP_VMM_MMIO);
  m.fpAccess(j);
  m._observeVmm(j);
  m.svc(j); // ioctl(KVM_RUN)
  m._run(j, PATHS.vmmReenterKernel); // kvm_handle_mmio_return + vcpu_load
}
