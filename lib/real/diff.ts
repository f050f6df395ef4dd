import { RUN_DEFAULTS, type RunOptions } from "../run/run";
import type { WorkloadProfile } from "../workload/profiles";
import { type ImportSummary, L0_VIEW } from "./importer";
import { modelL0View } from "./model";

/**
 * Machine vs model, for what L0 can see (docs/traces.md "diff"): the model runs the configuration the user states,
 * with the workload derived from the trace (or the one given), and both sides go through the same importer
 * (lib/real/model.ts), so every row compares like with like.
 */

export interface DiffRow {
  readonly section: "exits per second" | "time per exit" | "per nested-context exit" | "forwarded exit, whole handling" | "time per exit kind";
  readonly key: string;
  readonly unit: "1/s" | "ns" | "per exit";
  readonly machine: number | null;
  readonly model: number | null;
  /** model / machine; null when either is missing or the machine's is 0 */
  readonly ratio: number | null;
}

export interface DerivedWorkload {
  readonly profile: WorkloadProfile;
  /** fields taken from the trace (per second of the leaf's work time) */
  readonly fromTrace: readonly string[];
  /** fields kept from the template profile, with the reason */
  readonly fromTemplate: readonly string[];
}

export interface DiffResult {
  readonly machine: ImportSummary;
  readonly model: ImportSummary;
  readonly workload: DerivedWorkload | undefined;
  readonly rows: readonly DiffRow[];
  readonly notIdentifiable: readonly string[];
}

/** the exit-kind rows of one context, reason and handling, summed over details (per second) */
function rate(s: ImportSummary, pred: (k: ImportSummary["kinds"][number]) => boolean): number {
  return s.kinds.filter(pred).reduce((a, k) => a + k.perSecond, 0);
}

/**
 * The leaf's workload as L0's trace shows it, per second of wall time (`workFactor` turns it into work time: the
 * model's wall seconds per second of work, from a first run). With nested transitions in the trace (a guest
 * hypervisor between L0 and the leaf), the leaf's exits are the ones forwarded from the nested context; without them
 * (a plain VM), the ones L0 handles.
 */
export function deriveWorkload(s: ImportSummary, template: WorkloadProfile, hypHz: number, workFactor = 1): DerivedWorkload {
  const nested = s.nestedExceptions > 0;
  const fromTrace: string[] = [];
  const fromTemplate: string[] = [];
  const p: { -readonly [K in keyof WorkloadProfile]: WorkloadProfile[K] } = { ...template, name: `${template.name} (rates from ${s.source})` };
  const f = workFactor;
  if (nested) {
    const leaf = (reason: string, detail?: string) => (k: ImportSummary["kinds"][number]) =>
      k.ctx === "nested" && k.handling === "forward" && k.reason === reason && (detail === undefined || k.detail.startsWith(detail));
    const dabt = rate(s, leaf("DABT_LOW")) * f;
    p.ioRate = Math.max(0, dabt - template.s2FaultRate);
    p.ipiRate = rate(s, leaf("SYS64", "ICC_SGI1R_EL1")) * f;
    p.wfiRate = rate(s, leaf("WFx")) * f;
    const irq = rate(s, leaf("IRQ"));
    p.timerHz = Math.max(0, irq - (p.ioRate * template.ioIrqFraction + p.ipiRate) / f - hypHz);
    fromTrace.push(
      "ioRate: DABT_LOW exits forwarded from the nested context, less the template's s2FaultRate (L0 cannot tell a forwarded MMIO access from a forwarded stage-2 fault)",
      "ipiRate: ICC_SGI1R_EL1 writes forwarded from the nested context",
      "wfiRate: WFx exits forwarded from the nested context",
      "timerHz: IRQs forwarded from the nested context, less completion interrupts, IPIs and the guest hypervisor's own tick (--hyp-hz)",
    );
    fromTemplate.push(
      "ioUserFraction: whether the guest hypervisor emulates an access in its kernel or its VMM happens inside its own kernel",
      "ioIrqFraction, s2FaultRate, fpUse: not visible at L0",
    );
  } else {
    const own = (reason: string, detail?: string) => (k: ImportSummary["kinds"][number]) =>
      k.handling !== "forward" && k.reason === reason && (detail === undefined || k.detail === detail);
    const kernel = rate(s, own("DABT_LOW", "mmio-kernel")) * f;
    const user = rate(s, own("DABT_LOW", "mmio-user")) * f;
    p.ioRate = kernel + user;
    if (p.ioRate > 0) p.ioUserFraction = user / p.ioRate;
    p.s2FaultRate = rate(s, own("DABT_LOW", "fault")) * f;
    p.ipiRate = rate(s, own("SYS64", "ICC_SGI1R_EL1 W")) * f;
    p.wfiRate = rate(s, own("WFx")) * f;
    p.timerHz = Math.max(0, rate(s, own("IRQ")) - (p.ioRate * template.ioIrqFraction + p.ipiRate) / f - hypHz);
    fromTrace.push("ioRate and ioUserFraction (kvm_mmio, kvm_userspace_exit)", "s2FaultRate", "ipiRate", "wfiRate", "timerHz (IRQs less completion interrupts, IPIs and L0's tick)");
    fromTemplate.push("ioIrqFraction, fpUse: not visible at L0");
  }
  const clamp = (v: number, max: number): number => Math.min(max, Math.max(0, Number(v.toFixed(3))));
  p.ioRate = clamp(p.ioRate, 1e6);
  p.ipiRate = clamp(p.ipiRate, 1e6);
  p.wfiRate = clamp(p.wfiRate, 1e6);
  p.s2FaultRate = clamp(p.s2FaultRate, 1e6);
  p.timerHz = clamp(p.timerHz, 10000);
  return { profile: p, fromTrace, fromTemplate };
}

const ratio = (model: number | null, machine: number | null): number | null =>
  model === null || machine === null || machine === 0 ? null : model / machine;

/** The side-by-side rows of two summaries (machine first). */
export function diffRows(machine: ImportSummary, model: ImportSummary): DiffRow[] {
  const rows: DiffRow[] = [];
  const push = (section: DiffRow["section"], key: string, unit: DiffRow["unit"], a: number | null, b: number | null): void => {
    rows.push({ section, key, unit, machine: a, model: b, ratio: ratio(b, a) });
  };
  const union = (a: readonly string[], b: readonly string[]): string[] => [...a, ...b.filter((x) => !a.includes(x))];
  const reasons = union(machine.reasons.map((r) => r.reason), model.reasons.map((r) => r.reason));
  for (const r of reasons) {
    const a = machine.reasons.find((x) => x.reason === r);
    const b = model.reasons.find((x) => x.reason === r);
    push("exits per second", r, "1/s", a === undefined ? (machine.seconds > 0 ? 0 : null) : a.perSecond, b === undefined ? 0 : b.perSecond);
  }
  for (const r of reasons) {
    // like with like: a perf kvm stat table times kvm_entry -> kvm_exit on arm64, a trace of events kvm_exit -> kvm_entry
    const span = machine.reasonTimes === "entry-to-exit";
    const a = (span ? machine.entryToExit : machine.reasons).find((x) => x.reason === r);
    const b = (span ? model.entryToExit : model.reasons).find((x) => x.reason === r);
    const what = span ? " (entry to exit)" : "";
    if (a !== undefined && b !== undefined) {
      push("time per exit", `${r} mean${what}`, "ns", a.meanNs, b.meanNs);
      if (a.p50Ns !== null) push("time per exit", `${r} median${what}`, "ns", a.p50Ns, b.p50Ns);
    }
  }
  const pa = machine.perNestedExit;
  const pb = model.perNestedExit;
  if (pa !== null || pb !== null) {
    push("per nested-context exit", "nested exceptions", "per exit", pa?.nestedExceptions ?? null, pb?.nestedExceptions ?? null);
    push("per nested-context exit", "nested ERETs", "per exit", pa?.nestedErets ?? null, pb?.nestedErets ?? null);
    push("per nested-context exit", "exits in the hyp context", "per exit", pa?.hypExits ?? null, pb?.hypExits ?? null);
  }
  for (const w of union(machine.windows.map((x) => x.reason), model.windows.map((x) => x.reason))) {
    const a = machine.windows.find((x) => x.reason === w);
    const b = model.windows.find((x) => x.reason === w);
    push("forwarded exit, whole handling", `${w} mean`, "ns", a?.meanNs ?? null, b?.meanNs ?? null);
    push("forwarded exit, whole handling", `${w} hyp exits inside`, "per exit", a?.hypExitsPerWindow ?? null, b?.hypExitsPerWindow ?? null);
  }
  for (const k of union(machine.kinds.map((x) => x.kind), model.kinds.map((x) => x.kind))) {
    const a = machine.kinds.find((x) => x.kind === k);
    const b = model.kinds.find((x) => x.kind === k);
    if (a !== undefined && b !== undefined && a.count > 0 && b.count > 0) push("time per exit kind", k, "ns", a.meanNs, b.meanNs);
  }
  return rows;
}

export interface DiffOptions {
  /** the model's run (configuration, duration, seed, clock); its profile is the template when deriving */
  readonly run: RunOptions;
  /** derive the workload's rates from the trace (default true; false: run `run.profile` as it is) */
  readonly derive?: boolean;
}

/** Runs the model for the machine's trace and puts both side by side. */
/**
 * The model's run for a machine's trace: the leaf's workload derived from the trace, first with wall-time rates, then
 * corrected by the model's own wall seconds per second of work (one probe run). Used by diff and fit.
 */
export function derivedRun(machine: ImportSummary, run: RunOptions): { readonly run: RunOptions; readonly workload: DerivedWorkload } {
  const hypHz = run.hypHz ?? RUN_DEFAULTS.guestHypHz.value;
  const first = deriveWorkload(machine, run.profile, hypHz);
  const probe = modelL0View({ ...run, profile: first.profile, ioRate: first.profile.ioRate, timerHz: first.profile.timerHz });
  const work = Number(probe.run.usefulCycles) / (run.clockGhz * 1e9);
  const workload = deriveWorkload(machine, run.profile, hypHz, work > 0 ? probe.run.seconds / work : 1);
  return { run: { ...run, profile: workload.profile, ioRate: workload.profile.ioRate, timerHz: workload.profile.timerHz }, workload };
}

export function diffTrace(machine: ImportSummary, o: DiffOptions): DiffResult {
  const derived = (o.derive ?? true) ? derivedRun(machine, o.run) : undefined;
  const workload = derived?.workload;
  const model = modelL0View(derived?.run ?? o.run).summary;
  return { machine, model, workload, rows: diffRows(machine, model), notIdentifiable: L0_VIEW.notIdentifiable };
}
