import { SVE_VECTOR_LENGTHS } from "../arch/sve";
import { COST_MAX, COST_NAMES, COSTS, type CostName } from "../costs/table";
import { MAX_DEPTH, MAX_HELD_LRS } from "../kvm/config";
import { BUILTIN_NAMES, FP_ELISION } from "../changes/builtin";
import { RUN_DEFAULTS, RUN_VALUES } from "../run/run";
import { PROFILE_NAMES } from "../workload/profiles";
import { describeValue, type NumberSpec, numberFrom, type ValueSpec } from "../util/values";

/**
 * The sweep axes: every parameter a sweep can vary, typed, described and validated here and nowhere else. The
 * command line (`--depth 1,2,3`), grid files (`{"axes": {"depth": [1, 2, 3]}}`), the rows' parameter columns and the
 * table helpers all read this registry.
 */
export type AxisValue = number | string | boolean;
export type AxisType = "integer" | "number" | "string" | "boolean";

export interface Axis {
  /** name on the command line and in grid files (kebab-case, like `run`'s flags) */
  readonly name: string;
  /** column of the results (camelCase) */
  readonly column: string;
  readonly type: AxisType;
  readonly description: string;
  /** the accepted values, as shown in errors and help */
  readonly accepted: string;
  /** one value's grammar (lib/util/values.ts): what the command line's comma lists hold, and what the fuzz suite makes */
  readonly value: ValueSpec;
  /**
   * The value when a sweep does not vary this axis; undefined: resolved from the other parameters (io-rate: the
   * workload profile's own rate).
   */
  readonly fallback: AxisValue | undefined;
  /** one value from the command line (a string) or a grid file (any JSON value); undefined when not accepted */
  parse(v: unknown): AxisValue | undefined;
}

/** A number axis: one grammar (JSON's) for words from the command line and strings in grid files; JSON numbers as they are. */
const numeric = (spec: NumberSpec) => (v: unknown): number | undefined => numberFrom(v, spec);

/** on/off words (own entries of a Map: `constructor` or `toString` is no boolean) */
const BOOL_WORDS = new Map<string, boolean>([["on", true], ["off", false], ["true", true], ["false", false], ["yes", true], ["no", false]]);
const boolean = (v: unknown): boolean | undefined => (typeof v === "boolean" ? v : typeof v === "string" ? BOOL_WORDS.get(v) : undefined);
const BOOL_VALUE: ValueSpec = { type: "enum", values: [...BOOL_WORDS.keys()] };

const oneOf =
  (values: readonly string[]) =>
  (v: unknown): string | undefined =>
    typeof v === "string" && values.includes(v) ? v : undefined;

/**
 * Patch adoption: `none`, `all` (every hypervisor level of the point's depth) or a set of levels. Inside a sweep a
 * set is written with `+` (`0+1`), since commas separate the values of a list-valued flag; grid files may also give
 * a JSON array (`[0, 1]`) or `"0,1"`. The canonical form (the column's value) is `none`, `all` or sorted levels
 * joined by `+`. Whether the levels exist at the point's depth is a combination rule (checked per point).
 */
function parsePatchValue(v: unknown): string | undefined {
  if (v === "none" || v === "all") return v;
  let levels: unknown[];
  if (Array.isArray(v)) levels = v;
  else if (typeof v === "string" && /^(0|[1-9][0-9]*)([+,](0|[1-9][0-9]*))*$/.test(v)) levels = v.split(/[+,]/).map(Number);
  else if (typeof v === "number") levels = [v];
  else return undefined;
  if (levels.length === 0) return "none";
  const set = new Set<number>();
  for (const l of levels) {
    if (typeof l !== "number" || !Number.isInteger(l) || l < 0 || l >= MAX_DEPTH) return undefined;
    set.add(l);
  }
  return [...set].sort((a, b) => a - b).join("+");
}

const DEPTH: NumberSpec = { type: "integer", min: 1, max: MAX_DEPTH };
const SVE: NumberSpec = { type: "integer", min: 0, max: 2048 };
const sveVl = (v: unknown): number | undefined => {
  const n = numberFrom(v, SVE);
  return n !== undefined && (SVE_VECTOR_LENGTHS as readonly number[]).includes(n) ? n : undefined;
};
const WORKLOAD_VALUE: ValueSpec = { type: "name-or-file", values: PROFILE_NAMES, what: "a workload profile (FILE.json)", content: "workload" };

/** The model and run axes, in the order the grid nests them (first = outermost) and the columns appear. */
export const AXES: readonly Axis[] = [
  {
    name: "workload", column: "workload", type: "string", fallback: "io-heavy",
    description: "the leaf's workload profile (a named profile or a JSON profile file)",
    accepted: `${PROFILE_NAMES.join(", ")}, or a JSON profile file (*.json)`, value: WORKLOAD_VALUE,
    parse: (v) => (typeof v === "string" && (PROFILE_NAMES.includes(v) || (v.endsWith(".json") && v.length > 5)) ? v : undefined),
  },
  {
    name: "depth", column: "depth", type: "integer", fallback: 1,
    description: "level of the leaf guest (1 = an ordinary VM)", accepted: describeValue(DEPTH, true), value: DEPTH,
    parse: numeric(DEPTH),
  },
  {
    name: "guest-hyp", column: "guestHyp", type: "string", fallback: "vhe",
    description: "guest hypervisor flavour (nvhe only at depth 2)", accepted: "vhe, nvhe", value: { type: "enum", values: ["vhe", "nvhe"] },
    parse: oneOf(["vhe", "nvhe"]),
  },
  {
    name: "nv2", column: "nv2", type: "boolean", fallback: true,
    description: "FEAT_NV2 (VNCR); off is the FEAT_NV-only what-if", accepted: "on, off", value: BOOL_VALUE, parse: boolean,
  },
  { name: "ecv", column: "ecv", type: "boolean", fallback: true, description: "FEAT_ECV", accepted: "on, off", value: BOOL_VALUE, parse: boolean },
  {
    name: "el2-vtimer", column: "el2Vtimer", type: "boolean", fallback: false,
    description: "guest hypervisor kernels use the EL2 virtual timer", accepted: "on, off", value: BOOL_VALUE, parse: boolean,
  },
  {
    name: "patch", column: "patch", type: "string", fallback: "all",
    description: "levels whose KVM carries the FP-elision patch",
    accepted: "none, all, or levels joined by + (e.g. 0+1; a JSON array in grid files)",
    value: { type: "syntax", accepted: "none, all, or levels joined by + (e.g. 0+1)", examples: ["none", "all", "0", "0+1"] },
    parse: parsePatchValue,
  },
  {
    name: "sve-vl", column: "sveVl", type: "integer", fallback: 0,
    description: "maximum SVE vector length in bits (0: no SVE)", accepted: SVE_VECTOR_LENGTHS.join(", "),
    value: { type: "enum", values: SVE_VECTOR_LENGTHS.map(String) }, parse: sveVl,
  },
  {
    name: "io-rate", column: "ioRate", type: "number", fallback: undefined,
    description: "I/O exits per second of work time (default: the workload profile's)", accepted: describeValue(RUN_VALUES.ioRate, true),
    value: RUN_VALUES.ioRate, parse: numeric(RUN_VALUES.ioRate),
  },
  {
    name: "duration-ms", column: "durationMs", type: "number", fallback: RUN_DEFAULTS.durationMs.value,
    description: RUN_DEFAULTS.durationMs.help, accepted: describeValue(RUN_VALUES.durationMs, true), value: RUN_VALUES.durationMs,
    parse: numeric(RUN_VALUES.durationMs),
  },
  {
    name: "clock-ghz", column: "clockGhz", type: "number", fallback: 3.0,
    description: "clock used to convert cycles to time", accepted: describeValue(RUN_VALUES.clockGhz, true), value: RUN_VALUES.clockGhz,
    parse: numeric(RUN_VALUES.clockGhz),
  },
  {
    name: "hyp-hz", column: "hypHz", type: "number", fallback: RUN_DEFAULTS.guestHypHz.value,
    description: "every hypervisor kernel's tick (L0 and guest hypervisors); 0: tickless", accepted: describeValue(RUN_VALUES.hypHz, true),
    value: RUN_VALUES.hypHz, parse: numeric(RUN_VALUES.hypHz),
  },
  {
    name: "host-preempt-rate", column: "hostPreemptRate", type: "number", fallback: 0,
    description: "host preemptions per second of simulated time", accepted: describeValue(RUN_VALUES.hostPreemptRate, true),
    value: RUN_VALUES.hostPreemptRate, parse: numeric(RUN_VALUES.hostPreemptRate),
  },
  {
    name: "host-neon-rate", column: "hostNeonRate", type: "number", fallback: 0,
    description: "host kernel-mode NEON uses per second of simulated time", accepted: describeValue(RUN_VALUES.hostNeonRate, true),
    value: RUN_VALUES.hostNeonRate, parse: numeric(RUN_VALUES.hostNeonRate),
  },
];

const LRS: NumberSpec = { type: "integer", min: 0, max: MAX_HELD_LRS };

/** shipped changes a sweep's change axis takes (the FP-elision change has its own axis: patch) */
const SWEPT_CHANGES = BUILTIN_NAMES.filter((n) => n !== FP_ELISION.name);

/**
 * A kernel change (lib/changes): `none`, or a shipped change's name at its default levels, or NAME@LEVELS with
 * LEVELS `all`, `none` or levels joined by + (`nv-pmu-elision@0+1`). Canonical form: levels sorted. Whether the
 * levels exist at the point's depth is a combination rule (checked per point).
 */
function parseChangeValue(v: unknown): string | undefined {
  if (typeof v !== "string") return undefined;
  if (v === "none") return v;
  const at = v.indexOf("@");
  const name = at < 0 ? v : v.slice(0, at);
  if (!SWEPT_CHANGES.includes(name)) return undefined;
  if (at < 0) return v;
  const levels = v.slice(at + 1);
  if (levels === "all" || levels === "none") return v;
  const p = parsePatchValue(levels);
  return p === undefined || p === "none" || p === "all" ? undefined : `${name}@${p}`;
}

/**
 * Hardware and VM inputs (docs/fidelity.md "Hardware and VM inputs"): axes whose columns appear only when swept, so
 * the results of sweeps that leave them at their defaults keep the columns they always had.
 */
export const HW_AXES: readonly Axis[] = [
  {
    name: "phys-offset", column: "physOffset", type: "boolean", fallback: false,
    description: "VMMs set a non-zero physical counter offset (then, without CNTPOFF, physical counter reads trap)", accepted: "on, off", value: BOOL_VALUE, parse: boolean,
  },
  {
    name: "fgt", column: "fgt", type: "boolean", fallback: true,
    description: "FEAT_FGT (off: MDCR_EL2.TDA traps every MDSCR_EL1 access of a guest hypervisor)", accepted: "on, off", value: BOOL_VALUE, parse: boolean,
  },
  {
    name: "nv2p1", column: "nv2p1", type: "boolean", fallback: false,
    description: "FEAT_NV2p1 (CPACR_EL1 and CNTKCTL_EL1 stateful at vEL2)", accepted: "on, off", value: BOOL_VALUE, parse: boolean,
  },
  {
    name: "vpmu", column: "vpmu", type: "boolean", fallback: true,
    description: "guest hypervisors have a vPMU (PMSELR/PMUSERENR switched at their put/load)", accepted: "on, off", value: BOOL_VALUE, parse: boolean,
  },
  {
    name: "lrs", column: "lrs", type: "integer", fallback: 0,
    description: "list registers held across exits at every level", accepted: describeValue(LRS, true), value: LRS, parse: numeric(LRS),
  },
  // not hardware, but alike in that its column appears only when swept
  {
    name: "change", column: "change", type: "string", fallback: "none",
    description: "a kernel change adopted besides --patch's FP-elision change (docs/changes.md)",
    accepted: `none, ${SWEPT_CHANGES.join(", ")}, or NAME@LEVELS (LEVELS: all, none, or levels joined by +)`,
    value: { type: "syntax", accepted: `none, ${SWEPT_CHANGES.join(", ")}, or NAME@LEVELS (levels joined by +)`, examples: ["none", ...SWEPT_CHANGES, `${SWEPT_CHANGES[0]}@0+1`] },
    parse: parseChangeValue,
  },
];

/**
 * Unit-cost axes for sensitivity studies: `cost.NAME` sets the cost (in its unit), `cost-scale.NAME` multiplies it
 * (after any `cost.NAME` and `--costs` file). Columns `cost.NAME` and `costScale.NAME`; they appear only when swept.
 */
export const COST_AXES: readonly Axis[] = COST_NAMES.flatMap((k: CostName): Axis[] => {
  const positive = COSTS[k].unit === "bytes/cycle";
  const set: NumberSpec = positive ? { type: "number", min: 0, minExclusive: true, max: COST_MAX } : { type: "number", min: 0, max: COST_MAX };
  const scale: NumberSpec = positive ? { type: "number", min: 0, minExclusive: true, max: 1e6 } : { type: "number", min: 0, max: 1e6 };
  return [
    {
      name: `cost.${k}`, column: `cost.${k}`, type: "number", fallback: COSTS[k].default,
      description: `unit cost ${k} (${COSTS[k].unit}): ${COSTS[k].description}`,
      accepted: describeValue(set, true), value: set, parse: numeric(set),
    },
    {
      name: `cost-scale.${k}`, column: `costScale.${k}`, type: "number", fallback: 1,
      description: `factor applied to unit cost ${k}`, accepted: describeValue(scale, true), value: scale, parse: numeric(scale),
    },
  ];
});

/** The replicate axis: its values come from `--seeds K` (derived from `--seed`) or an explicit seed list. */
export const SEED_AXIS: Axis = {
  name: "seed", column: "seed", type: "integer", fallback: 1,
  description: "random seed of the run (innermost axis)", accepted: describeValue(RUN_VALUES.seed, true), value: RUN_VALUES.seed,
  parse: numeric(RUN_VALUES.seed),
};

const BY_NAME = new Map<string, Axis>([...AXES, ...HW_AXES, ...COST_AXES, SEED_AXIS].map((a) => [a.name, a]));

export function findAxis(name: string): Axis | undefined {
  return BY_NAME.get(name);
}

/** Every axis name a grid accepts (cost axes summarized). */
export function axisNamesAccepted(): string {
  return [...AXES.map((a) => a.name), ...HW_AXES.map((a) => a.name), "seed", "cost.NAME", "cost-scale.NAME (NAME: a unit-cost name)"].join(", ");
}

/** Is this column a parameter (an axis) rather than a metric or bookkeeping column? */
export function isParameterColumn(column: string): boolean {
  return column === "seed" || column.startsWith("cost.") || column.startsWith("costScale.") || [...AXES, ...HW_AXES].some((a) => a.column === column);
}
