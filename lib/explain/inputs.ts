import { SVE_VECTOR_LENGTHS } from "../arch/sve";
import { COST_NAMES, COSTS, type CostName, type Costs } from "../costs/table";
import { hardwareInputs, type ModelConfig } from "../kvm/config";
import { RUN_DEFAULTS, type RunOptions } from "../run/run";
import type { WorkloadProfile } from "../workload/profiles";

/**
 * What `nestlab explain` may change (docs/explain.md "Inputs"), declared in one place. Every field of ModelConfig, of
 * the run options and of a workload profile is classified here: an input (how its alternatives are made from the
 * configuration at hand) or not one, with the reason. A field added to any of those types does not compile until it
 * is classified, so a new structural input (a CPU feature, a kernel option) is one entry in MODEL_INPUTS.
 */

/** One alternative value of an input. */
export interface Alternative {
  /** the input it belongs to */
  readonly input: string;
  /** how it reads: `x4`, `x1/2`, `on`, `512`, `0,1` */
  readonly label: string;
  /** the signed log2 of the scale for a scaled input (x1/4: -2), 0 for a structural switch */
  readonly exp: number;
  /** applies the change to run options */
  readonly apply: (o: RunOptions) => RunOptions;
}

export type InputKind = "scale" | "switch";

export interface ExplainInput {
  readonly name: string;
  readonly kind: InputKind;
  readonly help: string;
  /** its alternatives at this configuration (none: not applicable here) */
  readonly alternatives: readonly Alternative[];
}

/** a field that is not an input, and why */
export interface NotAnInput {
  readonly notAnInput: string;
}

/** builds an input's alternatives from the configuration (none when it does not apply) */
export interface InputSpec {
  readonly kind: InputKind;
  readonly help: string;
  readonly alternatives: (o: RunOptions, name: string) => readonly Alternative[];
}

/** the exponents of a scaled input: x1/16 .. x16, the current value left out */
export const SCALE_EXPONENTS = [-4, -3, -2, -1, 1, 2, 3, 4] as const;

export const scaleLabel = (exp: number): string => (exp >= 0 ? `x${2 ** exp}` : `x1/${2 ** -exp}`);

const withModel = (o: RunOptions, model: Partial<ModelConfig>): RunOptions => ({ ...o, model: { ...o.model, ...model } });
const withProfile = (o: RunOptions, p: Partial<WorkloadProfile>): RunOptions => ({ ...o, profile: { ...o.profile, ...p } });

/** a boolean switch: its other value */
const toggle = (get: (o: RunOptions) => boolean, set: (o: RunOptions, v: boolean) => RunOptions, help: string): InputSpec => ({
  kind: "switch",
  help,
  alternatives: (o, name) => {
    const v = !get(o);
    return [{ input: name, label: v ? "on" : "off", exp: 0, apply: (x) => set(x, v) }];
  },
});

/** a switch among listed values: every value but the current one */
function among<T extends number | string>(values: readonly T[], get: (o: RunOptions) => T, set: (o: RunOptions, v: T) => RunOptions, help: string): InputSpec {
  return {
    kind: "switch",
    help,
    alternatives: (o, name) => values.filter((v) => v !== get(o)).map((v) => ({ input: name, label: String(v), exp: 0, apply: (x: RunOptions) => set(x, v) })),
  };
}

/** a scaled quantity: x1/16 .. x16 of its current value (nothing when the current value is 0) */
function scaled(get: (o: RunOptions) => number, set: (o: RunOptions, v: number) => RunOptions, help: string, integer: boolean): InputSpec {
  return {
    kind: "scale",
    help,
    alternatives: (o, name) => {
      const v0 = get(o);
      if (!(v0 > 0)) return [];
      return SCALE_EXPONENTS.map((exp) => {
        const v = integer ? Math.round(v0 * 2 ** exp) : v0 * 2 ** exp;
        return { input: name, label: scaleLabel(exp), exp, apply: (x: RunOptions) => set(x, v) };
      });
    },
  };
}

/** every subset of the hypervisor levels as an adoption */
function adoptions(depth: number): number[][] {
  const out: number[][] = [];
  for (let mask = 0; mask < 1 << depth; mask++) out.push(Array.from({ length: depth }, (_, i) => i).filter((l) => (mask >> l) & 1));
  return out;
}

/** Every ModelConfig field: an input, or why not. */
export const MODEL_INPUTS: { readonly [K in keyof ModelConfig]-?: InputSpec | NotAnInput } = {
  depth: { notAnInput: "the question is asked at a depth: run explain at another --depth to ask it there" },
  nv2: toggle((o) => o.model.nv2, (o, v) => withModel(o, { nv2: v }), "FEAT_NV2 (off: the FEAT_NV-only what-if)"),
  ecv: toggle((o) => o.model.ecv, (o, v) => withModel(o, { ecv: v }), "FEAT_ECV"),
  guestHyp: {
    kind: "switch",
    help: "the guest hypervisor flavour (nVHE only at depth 2)",
    alternatives: (o, name) =>
      o.model.depth === 2 ? [{ input: name, label: o.model.guestHyp === "vhe" ? "nvhe" : "vhe", exp: 0, apply: (x) => withModel(x, { guestHyp: x.model.guestHyp === "vhe" ? "nvhe" : "vhe" }) }] : [],
  },
  patch: {
    kind: "switch",
    help: "the adoption: the levels whose KVM carries the change",
    alternatives: (o, name) =>
      adoptions(o.model.depth)
        .filter((p) => p.length > 0 && p.join(",") !== o.model.patch.join(","))
        .map((p) => ({ input: name, label: p.join(","), exp: 0, apply: (x: RunOptions) => withModel(x, { patch: p }) })),
  },
  sveVl: among(SVE_VECTOR_LENGTHS, (o) => o.model.sveVl, (o, v) => withModel(o, { sveVl: v }), "the SVE vector length (0: FPSIMD only)"),
  el2Vtimer: toggle((o) => o.model.el2Vtimer, (o, v) => withModel(o, { el2Vtimer: v }), "guest hypervisor kernels on the EL2 virtual timer"),
  physOffset: toggle((o) => hardwareInputs(o.model).physOffset, (o, v) => withModel(o, { physOffset: v }), "the VMMs set a non-zero physical counter offset"),
  fgt: toggle((o) => hardwareInputs(o.model).fgt, (o, v) => withModel(o, { fgt: v }), "FEAT_FGT (off: MDCR_EL2.TDA traps every MDSCR_EL1 access of a guest hypervisor)"),
  nv2p1: toggle((o) => hardwareInputs(o.model).nv2p1, (o, v) => withModel(o, { nv2p1: v }), "FEAT_NV2p1 (CPACR_EL1 and CNTKCTL_EL1 stateful at vEL2)"),
  vpmu: toggle((o) => hardwareInputs(o.model).vpmu, (o, v) => withModel(o, { vpmu: v }), "guest hypervisors have a vPMU (PMSELR/PMUSERENR switched at put/load)"),
  lrs: among([0, 1, 2, 3], (o) => hardwareInputs(o.model).lrs, (o, v) => withModel(o, { lrs: v }), "list registers held across exits at every level"),
  costs: { notAnInput: "each unit cost is its own scaled input (COST_INPUTS)" },
  fpPolicy: { notAnInput: "the unsound FP policies exist for check's oracle, not as configurations" },
  changes: { notAnInput: "a kernel change is what compare --change measures, not an input of the explained run" },
};

/** Every run option: an input, or why not. */
export const RUN_INPUTS: { readonly [K in keyof RunOptions]-?: InputSpec | NotAnInput } = {
  model: { notAnInput: "its fields are classified in MODEL_INPUTS" },
  compareBaseline: { notAnInput: "compare's baseline (--change), not a property of the system" },
  profile: { notAnInput: "its fields are classified in PROFILE_INPUTS" },
  ioRate: scaled((o) => o.ioRate ?? o.profile.ioRate, (o, v) => ({ ...o, ioRate: v }), "I/O exits per second of work time", false),
  timerHz: among([0, 100, 250, 1000], (o) => o.timerHz ?? o.profile.timerHz, (o, v) => ({ ...o, timerHz: v }), "the leaf's tick (Hz; 0: tickless)"),
  hypHz: among([0, 100, 250, 1000], (o) => o.hypHz ?? RUN_DEFAULTS.guestHypHz.value, (o, v) => ({ ...o, hypHz: v }), "every hypervisor kernel's tick (Hz; 0: tickless)"),
  hostPreemptRate: among([0, 100, 1000], (o) => o.hostPreemptRate, (o, v) => ({ ...o, hostPreemptRate: v }), "host preemptions per second"),
  hostNeonRate: among([0, 100, 1000], (o) => o.hostNeonRate, (o, v) => ({ ...o, hostNeonRate: v }), "host kernel-mode NEON uses per second"),
  durationMs: { notAnInput: "the amount of work, not a property of the system" },
  seed: { notAnInput: "the draw of the stream, not a property of the system" },
  clockGhz: { notAnInput: "the wall-clock reduction is a ratio of cycles; the clock only converts them" },
  engine: { notAnInput: "both engines give the same results" },
  progress: { notAnInput: "reporting" },
  instrument: { notAnInput: "instrumentation" },
  pauseEvery: { notAnInput: "how often a long run lets the event loop turn, not a property of the system" },
};

const FRACTIONS = [0, 0.25, 0.5, 0.75, 1] as const;

/** Every workload profile field: an input, or why not. */
export const PROFILE_INPUTS: { readonly [K in keyof WorkloadProfile]-?: InputSpec | NotAnInput } = {
  name: { notAnInput: "a label" },
  description: { notAnInput: "a label" },
  reasoning: { notAnInput: "a label" },
  ioRate: { notAnInput: "the run option ioRate (RUN_INPUTS) overrides it" },
  timerHz: { notAnInput: "the run option timerHz (RUN_INPUTS) overrides it" },
  fpUse: among(FRACTIONS, (o) => o.profile.fpUse, (o, v) => withProfile(o, { fpUse: v }), "probability a compute slice of the leaf uses FP/SIMD"),
  ioUserFraction: among(FRACTIONS, (o) => o.profile.ioUserFraction, (o, v) => withProfile(o, { ioUserFraction: v }), "share of I/O exits handled by the VMM"),
  ioIrqFraction: { notAnInput: "not among the workload inputs the claims leave open (FP use and the VMM's share)" },
  ipiRate: { notAnInput: "not among the workload inputs the claims leave open (FP use and the VMM's share)" },
  s2FaultRate: { notAnInput: "not among the workload inputs the claims leave open (FP use and the VMM's share)" },
  wfiRate: { notAnInput: "not among the workload inputs the claims leave open (FP use and the VMM's share)" },
};

const isSpec = (s: InputSpec | NotAnInput): s is InputSpec => !("notAnInput" in s);

/** every unit cost, scaled x1/16..x16 (cycle costs rounded to integers, as the sensitivity band does) */
function costInput(n: CostName): InputSpec {
  const integer = COSTS[n].unit !== "bytes/cycle";
  return scaled(
    (o) => o.model.costs[n],
    (o, v) => withModel(o, { costs: { ...o.model.costs, [n]: v } as Costs }),
    `unit cost ${n}: ${COSTS[n].description} (${COSTS[n].basis})`,
    integer,
  );
}

/** The inputs at this configuration, in a fixed order: structural ones, run and workload ones, then every unit cost. */
export function explainInputs(o: RunOptions): ExplainInput[] {
  const out: ExplainInput[] = [];
  const add = (name: string, spec: InputSpec): void => {
    const alternatives = spec.alternatives(o, name);
    if (alternatives.length > 0) out.push({ name, kind: spec.kind, help: spec.help, alternatives });
  };
  for (const [k, s] of Object.entries(MODEL_INPUTS) as [string, InputSpec | NotAnInput][]) if (isSpec(s)) add(k, s);
  for (const [k, s] of Object.entries(RUN_INPUTS) as [string, InputSpec | NotAnInput][]) if (isSpec(s)) add(k, s);
  for (const [k, s] of Object.entries(PROFILE_INPUTS) as [string, InputSpec | NotAnInput][]) if (isSpec(s)) add(k, s);
  for (const n of COST_NAMES) add(`cost.${n}`, costInput(n));
  return out;
}
