import { SVE_VECTOR_LENGTHS } from "../arch/sve";
import { COST_NAMES, COSTS, type CostName } from "../costs/table";
import { MAX_DEPTH } from "../kvm/config";
import { RUN_DEFAULTS } from "../run/run";
import { PROFILE_NAMES } from "../workload/profiles";

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
  /**
   * The value when a sweep does not vary this axis; undefined: resolved from the other parameters (io-rate: the
   * workload profile's own rate).
   */
  readonly fallback: AxisValue | undefined;
  /** one value from the command line (a string) or a grid file (any JSON value); undefined when not accepted */
  parse(v: unknown): AxisValue | undefined;
}

const integer =
  (min: number, max: number, ok: (v: number) => boolean = () => true) =>
  (v: unknown): number | undefined => {
    const n = typeof v === "string" && /^-?\d+$/.test(v.trim()) ? Number(v) : v;
    return typeof n === "number" && Number.isInteger(n) && n >= min && n <= max && ok(n) ? n : undefined;
  };

const number =
  (ok: (v: number) => boolean) =>
  (v: unknown): number | undefined => {
    const n = typeof v === "string" && v.trim() !== "" ? Number(v) : v;
    return typeof n === "number" && Number.isFinite(n) && ok(n) ? n : undefined;
  };

const BOOL_WORDS: Record<string, boolean> = { on: true, off: false, true: true, false: false, yes: true, no: false };
const boolean = (v: unknown): boolean | undefined => (typeof v === "boolean" ? v : typeof v === "string" ? BOOL_WORDS[v] : undefined);

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
  else if (typeof v === "string" && /^\d+([+,]\d+)*$/.test(v)) levels = v.split(/[+,]/).map(Number);
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

const RATE = (v: number): boolean => v >= 0 && v <= 1e6;

/** The model and run axes, in the order the grid nests them (first = outermost) and the columns appear. */
export const AXES: readonly Axis[] = [
  {
    name: "workload", column: "workload", type: "string", fallback: "io-heavy",
    description: "the leaf's workload profile (a named profile or a JSON profile file)",
    accepted: `${PROFILE_NAMES.join(", ")}, or a JSON profile file (*.json)`,
    parse: (v) => (typeof v === "string" && (PROFILE_NAMES.includes(v) || v.endsWith(".json")) ? v : undefined),
  },
  {
    name: "depth", column: "depth", type: "integer", fallback: 1,
    description: "level of the leaf guest (1 = an ordinary VM)", accepted: `integers 1..${MAX_DEPTH}`,
    parse: integer(1, MAX_DEPTH),
  },
  {
    name: "guest-hyp", column: "guestHyp", type: "string", fallback: "vhe",
    description: "guest hypervisor flavour (nvhe only at depth 2)", accepted: "vhe, nvhe", parse: oneOf(["vhe", "nvhe"]),
  },
  {
    name: "nv2", column: "nv2", type: "boolean", fallback: true,
    description: "FEAT_NV2 (VNCR); off is the FEAT_NV-only what-if", accepted: "on, off", parse: boolean,
  },
  { name: "ecv", column: "ecv", type: "boolean", fallback: true, description: "FEAT_ECV", accepted: "on, off", parse: boolean },
  {
    name: "el2-vtimer", column: "el2Vtimer", type: "boolean", fallback: false,
    description: "guest hypervisor kernels use the EL2 virtual timer", accepted: "on, off", parse: boolean,
  },
  {
    name: "patch", column: "patch", type: "string", fallback: "all",
    description: "levels whose KVM carries the FP-elision patch",
    accepted: "none, all, or levels joined by + (e.g. 0+1; a JSON array in grid files)", parse: parsePatchValue,
  },
  {
    name: "sve-vl", column: "sveVl", type: "integer", fallback: 0,
    description: "maximum SVE vector length in bits (0: no SVE)", accepted: SVE_VECTOR_LENGTHS.join(", "),
    parse: integer(0, 2048, (v) => (SVE_VECTOR_LENGTHS as readonly number[]).includes(v)),
  },
  {
    name: "io-rate", column: "ioRate", type: "number", fallback: undefined,
    description: "I/O exits per second of work time (default: the workload profile's)", accepted: "numbers 0..1000000 (Hz)",
    parse: number(RATE),
  },
  {
    name: "duration-ms", column: "durationMs", type: "number", fallback: RUN_DEFAULTS.durationMs.value,
    description: RUN_DEFAULTS.durationMs.help, accepted: "numbers > 0 and <= 600000", parse: number((v) => v > 0 && v <= 600_000),
  },
  {
    name: "clock-ghz", column: "clockGhz", type: "number", fallback: 3.0,
    description: "clock used to convert cycles to time", accepted: "numbers > 0 and <= 10", parse: number((v) => v > 0 && v <= 10),
  },
  {
    name: "hyp-hz", column: "hypHz", type: "number", fallback: RUN_DEFAULTS.guestHypHz.value,
    description: "every hypervisor kernel's tick (L0 and guest hypervisors); 0: tickless", accepted: "numbers 0..10000 (Hz)",
    parse: number((v) => v >= 0 && v <= 10000),
  },
  {
    name: "host-preempt-rate", column: "hostPreemptRate", type: "number", fallback: 0,
    description: "host preemptions per second of simulated time", accepted: "numbers 0..1000000 (Hz)", parse: number(RATE),
  },
  {
    name: "host-neon-rate", column: "hostNeonRate", type: "number", fallback: 0,
    description: "host kernel-mode NEON uses per second of simulated time", accepted: "numbers 0..1000000 (Hz)", parse: number(RATE),
  },
];

/**
 * Unit-cost axes for sensitivity studies: `cost.NAME` sets the cost (in its unit), `cost-scale.NAME` multiplies it
 * (after any `cost.NAME` and `--costs` file). Columns `cost.NAME` and `costScale.NAME`; they appear only when swept.
 */
export const COST_AXES: readonly Axis[] = COST_NAMES.flatMap((k: CostName): Axis[] => {
  const positive = COSTS[k].unit === "bytes/cycle";
  return [
    {
      name: `cost.${k}`, column: `cost.${k}`, type: "number", fallback: COSTS[k].default,
      description: `unit cost ${k} (${COSTS[k].unit}): ${COSTS[k].description}`,
      accepted: positive ? "numbers > 0" : "numbers >= 0",
      parse: number((v) => (positive ? v > 0 : v >= 0) && v <= 1e12),
    },
    {
      name: `cost-scale.${k}`, column: `costScale.${k}`, type: "number", fallback: 1,
      description: `factor applied to unit cost ${k}`, accepted: positive ? "numbers > 0" : "numbers >= 0",
      parse: number((v) => (positive ? v > 0 : v >= 0) && v <= 1e6),
    },
  ];
});

/** The replicate axis: its values come from `--seeds K` (derived from `--seed`) or an explicit seed list. */
export const SEED_AXIS: Axis = {
  name: "seed", column: "seed", type: "integer", fallback: 1,
  description: "random seed of the run (innermost axis)", accepted: "integers 0..4294967295", parse: integer(0, 2 ** 32 - 1),
};

const BY_NAME = new Map<string, Axis>([...AXES, ...COST_AXES, SEED_AXIS].map((a) => [a.name, a]));

export function findAxis(name: string): Axis | undefined {
  return BY_NAME.get(name);
}

/** Every axis name a grid accepts (cost axes summarized). */
export function axisNamesAccepted(): string {
  return [...AXES.map((a) => a.name), "seed", "cost.NAME", "cost-scale.NAME (NAME: a unit-cost name)"].join(", ");
}

/** Is this column a parameter (an axis) rather than a metric or bookkeeping column? */
export function isParameterColumn(column: string): boolean {
  return column === "seed" || column.startsWith("cost.") || column.startsWith("costScale.") || AXES.some((a) => a.column === column);
}
