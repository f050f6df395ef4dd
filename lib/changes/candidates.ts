import type { StepName } from "../kvm/ops";
import { EXIT_PARTS, type ExitPart, exitAttribution, EXIT_WINDOW_MS } from "../run/exit";
import { type RunOptions, runWorkload } from "../run/run";
import type { Change } from "./change";

/**
 * `nestlab candidates`: what eliding each part of a nested transition's work would save (docs/changes.md
 * "Candidates"). Two kinds of candidate:
 * - a put/load component (FP, timer, vgic, debug, PMU, FGT, system registers, stage-2/MMU): the same run with a
 *   synthetic change that drops the component's steps under IN_NESTED_ERET / IN_NESTED_EXCEPTION at every level;
 *   the saving is the difference of the two runs' cycles (and L0 traps), exactly;
 * - a per-exit trap group: the L0 traps that guest hypervisors raise on their exit/entry paths and in their handlers,
 *   by what the access was for (lib/run/exit.ts), from the exit attribution of the run's first EXIT_WINDOW_MS; the
 *   saving is those traps' self cycles, as if the accesses no longer trapped.
 * Both are upper bounds: an elision that is correct keeps whatever part of the work its argument needs.
 */

export interface ComponentSpec {
  readonly component: string;
  readonly steps: readonly StepName[];
  /** what a correct elision would have to argue */
  readonly note: string;
}

export const PUTLOAD_COMPONENTS: readonly ComponentSpec[] = [
  { component: "fp", steps: ["putFp", "loadFp"], note: "FP/SVE state is shared by vEL2 and EL1 of one vcpu, and the host's state is already saved and unbound (transitions are non-preemptible): the nv-fp-elision change" },
  { component: "timer", steps: ["putTimer", "loadTimer"], note: "the timer must be re-programmed when the context changes: the map switch (hyp vs nested timers) stays; only registers that cannot change across the transition may skip their save/restore" },
  { component: "vgic", steps: ["putVgic", "loadVgic"], note: "the guest hypervisor's list registers and shadow state (vgic_v3_put_nested / load_nested) must reach the context that runs: a deferred sync must happen before the next entry" },
  { component: "debug", steps: ["loadDebug"], note: "MDCR_EL2 differs between vEL2 and the nested guest (the guest hypervisor's MDCR_EL2 merges in): a skipped load must recompute it at entry" },
  { component: "pmu", steps: ["pmuTrapsPut", "pmuTrapsLoad"], note: "PMSELR_EL0/PMUSERENR_EL0 of the host are unchanged across the transition; vEL2 and the nested guest must see the same PMUSERENR trap configuration" },
  { component: "fgt", steps: ["fgtPut", "fgtLoad"], note: "the host's fine-grained traps are unchanged; the guest hypervisor's FGT merges in only for its nested guest, so the merged set must be recomputed at entry" },
  { component: "sysregs", steps: ["putSysregs", "loadSysregs"], note: "vEL2 and EL1 system registers are multiplexed onto the same EL1 registers: each context's values must be in the hardware when it runs; only registers equal in both contexts (or VNCR-backed) may skip" },
  { component: "stage-2/mmu", steps: ["loadHwMmu"], note: "the nested context runs on a shadow stage-2 and vEL2 on the canonical one: the MMU must switch, though the lookup could be cached per vcpu" },
];

/** what a per-exit trap group's elision would need, by what the trapping access was for */
const PART_NOTES: Readonly<Record<ExitPart, string>> = {
  timer: "the guest hypervisor's timer/counter accesses must see their virtual values: untrapping needs ECV/CNTPOFF-style offsets or VNCR-backed state",
  vgic: "ICH_* state of the guest hypervisor must stay consistent with the shadow interface: a VNCR-backed or lazily-synced vgic",
  debug: "debug registers trapped by MDCR_EL2.TDA: untrapping needs the guest hypervisor's debug state in hardware (or FEAT_FGT precise traps)",
  pmu: "PMU registers trapped by MDCR_EL2.TPM: untrapping lets the guest hypervisor reach the host's PMU state",
  cptr: "CPACR/CPTR accesses (FP trap control): FEAT_NV2p1 makes CPACR_EL1 stateful at vEL2",
  fp: "FP/ZCR accesses: the FP-elision change and lazy ZCR handling",
  traps: "trap-configuration registers (HCR, HSTR, FGT...): their values must be merged by L0 at entry, so they stay emulated or VNCR-backed",
  id: "ID register reads (HCR_EL2.TID3): could be served from VNCR memory if the kernel cached them",
  sysreg: "other system registers: each needs its own argument (VNCR-backed in a later architecture revision, or no longer accessed on this path)",
  ipi: "SGI sends trap by design (ICH_HCR_EL2.TC): only a direct-injection GIC (GICv4.1 vSGIs) removes them",
  "gic-mmio": "GIC MMIO is emulated: only a different interrupt controller model removes it",
  eret: "the guest hypervisor's ERET traps to L0 by design under NV: only the fast path (kvm_hyp_handle_eret) can shorten it",
  other: "mixed causes: no single argument",
};

export interface Candidate {
  readonly rank: number;
  readonly kind: "put/load" | "per-exit traps";
  readonly component: string;
  /** what the elision removes: the steps, or the phase and part of the trapping accesses */
  readonly targets: readonly string[];
  /** upper bound of the wall-clock reduction: 1 - cycles without it / cycles with it */
  readonly wallSaving: number;
  /** saved per `perExitDenominator`: a put/load row's per leaf exit of the baseline run, a per-exit traps row's per leaf event of the exit window */
  readonly cyclesPerExit: number;
  readonly l0TrapsPerExit: number;
  /** what cyclesPerExit and l0TrapsPerExit divide by (two denominators: compare rows with cyclesPerLeafExit) */
  readonly perExitDenominator: "baseline leaf exits" | "exit window leaf events";
  /**
   * one denominator for every row: saved per leaf exit (FP traps and ticks included) of the run the figure comes from
   * (the baseline run for put/load rows, the exit window's run for per-exit traps rows)
   */
  readonly cyclesPerLeafExit: number;
  readonly l0TrapsPerLeafExit: number;
  readonly note: string;
}

export interface CandidatesResult {
  readonly depth: number;
  readonly workload: string;
  readonly seed: number;
  readonly upperBound: string;
  readonly baseline: { readonly cycles: number; readonly leafExits: number; readonly l0Traps: number };
  readonly exitWindowMs: number;
  readonly candidates: readonly Candidate[];
}

/** a change that drops steps under IN_NESTED at every level (a candidate's synthetic change) */
export function elisionChange(c: ComponentSpec): Change {
  return {
    name: `candidate-${c.component.replace(/[^a-z0-9]+/g, "-")}`,
    title: `drop ${c.steps.join(", ")} under IN_NESTED_ERET / IN_NESTED_EXCEPTION`,
    origin: "hypothetical",
    rationale: c.note,
    levels: "all",
    edits: c.steps.map((step) => ({ step, action: "drop" as const, when: "IN_NESTED" as const })),
  };
}

export const UPPER_BOUND_NOTE =
  "upper bounds: each figure removes the whole component (or every trap of the group); a correct elision keeps what its argument needs";

export function candidates(o: RunOptions, exitWindowMs = EXIT_WINDOW_MS, progress?: (done: number, total: number, what: string) => void): CandidatesResult {
  const { progress: _p, ...quiet } = o;
  const total = PUTLOAD_COMPONENTS.length + 2;
  let done = 0;
  const tick = (): void => progress?.(++done, total, "candidates");
  const base = runWorkload(quiet);
  tick();
  const baseCycles = Number(base.cycles);
  const exits = Number(base.leafExits);
  const levels = Array.from({ length: o.model.depth }, (_, i) => i);
  const out: Omit<Candidate, "rank">[] = [];
  for (const c of PUTLOAD_COMPONENTS) {
    const r = runWorkload({ ...quiet, model: { ...o.model, changes: [...(o.model.changes ?? []), { change: elisionChange(c), levels }] } });
    tick();
    const saved = baseCycles - Number(r.cycles);
    // a put/load row's two denominators are the same (the baseline run's leaf exits)
    const cyclesPerLeafExit = exits > 0 ? saved / exits : 0;
    const l0TrapsPerLeafExit = exits > 0 ? (Number(base.l0Traps) - Number(r.l0Traps)) / exits : 0;
    out.push({
      kind: "put/load",
      component: c.component,
      targets: c.steps.map((s) => `step ${s}`),
      wallSaving: baseCycles > 0 ? saved / baseCycles : 0,
      cyclesPerExit: cyclesPerLeafExit,
      l0TrapsPerExit: l0TrapsPerLeafExit,
      perExitDenominator: "baseline leaf exits",
      cyclesPerLeafExit,
      l0TrapsPerLeafExit,
      note:
        c.component === "fp" && o.model.patch.length > 0
          ? `${c.note} (already adopted at levels ${o.model.patch.join(",")} by --patch: the figure is what remains)`
          : c.note,
    });
  }
  const att = exitAttribution(quiet, exitWindowMs);
  tick();
  const windowCycles = Number(att.run.cycles);
  const windowExits = Number(att.run.leafExits);
  for (const part of EXIT_PARTS) {
    const rows = att.rows.filter((r) => r.kind === "raised" && r.part === part && (r.phase === "exit" || r.phase === "handler"));
    const cycles = rows.reduce((s, r) => s + r.cycles, 0);
    const traps = rows.reduce((s, r) => s + r.l0Traps, 0);
    if (traps === 0) continue;
    out.push({
      kind: "per-exit traps",
      component: part,
      targets: [...new Set(rows.map((r) => `L${r.level} ${r.phase}`))],
      wallSaving: windowCycles > 0 ? cycles / windowCycles : 0,
      cyclesPerExit: att.leafEvents > 0 ? cycles / att.leafEvents : 0,
      l0TrapsPerExit: att.leafEvents > 0 ? traps / att.leafEvents : 0,
      perExitDenominator: "exit window leaf events",
      cyclesPerLeafExit: windowExits > 0 ? cycles / windowExits : 0,
      l0TrapsPerLeafExit: windowExits > 0 ? traps / windowExits : 0,
      note: PART_NOTES[part],
    });
  }
  out.sort((a, b) => b.wallSaving - a.wallSaving || (a.kind < b.kind ? -1 : a.kind > b.kind ? 1 : a.component < b.component ? -1 : a.component > b.component ? 1 : 0));
  return {
    depth: o.model.depth,
    workload: base.workload,
    seed: o.seed,
    upperBound: UPPER_BOUND_NOTE,
    baseline: { cycles: baseCycles, leafExits: exits, l0Traps: Number(base.l0Traps) },
    exitWindowMs: att.durationMs,
    candidates: out.map((c, i) => ({ rank: i + 1, ...c })),
  };
}
