import { SVE_VECTOR_LENGTHS } from "../arch/sve";
import { COST_NAMES, COSTS, type CostName, type Costs, costValue, defaultCosts } from "../costs/table";
import { type GuestHypFlavour, HARDWARE_DEFAULTS, MAX_DEPTH, MAX_HELD_LRS, type ModelConfig, validateModelConfig } from "../kvm/config";
import { RUN_VALUES } from "../run/run";
import type { Adopted } from "../changes/change";
import { BUILTIN_NAMES, FP_ELISION } from "../changes/builtin";
import { parseChangeArgs } from "../changes/load";
import { ConfigError, LimitError } from "../util/errors";
import { readJsonInput } from "../util/files";
import { didYouMean, echo, nearest } from "../util/text";
import { QUIET_OPTION } from "./progress";
import { describeValue, type NumberSpec, numberFrom, type ValueSpec } from "../util/values";

/** One command-line option: its name, what it takes, and the help line. */
export interface OptionSpec {
  readonly name: string;
  /** "bool" options also accept --no-NAME and take no value */
  readonly kind: "bool" | "value";
  readonly help: string;
  /** what a value option accepts: parsing, help, error lines and the fuzz suite read it */
  readonly value?: ValueSpec;
  /** the option may be given more than once (its values, in order: ParsedArgs.repeated) */
  readonly repeatable?: boolean;
}

/** What an option accepts, as help and errors print it. */
export function accepted(spec: OptionSpec): string {
  return spec.value ? describeValue(spec.value) : "a value";
}

export const COMMON_OPTIONS: readonly OptionSpec[] = [
  { name: "depth", kind: "value", value: { type: "integer", min: 1, max: MAX_DEPTH }, help: "level of the leaf guest (1 = an ordinary VM); default 1" },
  { name: "nv2", kind: "bool", help: "FEAT_NV2 (VNCR); --no-nv2 is the FEAT_NV-only what-if; default on" },
  { name: "ecv", kind: "bool", help: "FEAT_ECV; default on" },
  { name: "guest-hyp", kind: "value", value: { type: "enum", values: ["vhe", "nvhe"] }, help: "guest hypervisor flavour (nvhe only at depth 2); default vhe" },
  {
    name: "patch",
    kind: "value",
    value: { type: "syntax", accepted: "none, all, or a comma list of levels below the depth, like 0,1", examples: ["none", "all", "0", "0,1"] },
    help: "levels whose KVM carries the FP-elision patch; default all",
  },
  { name: "sve-vl", kind: "value", value: { type: "enum", values: SVE_VECTOR_LENGTHS.map(String) }, help: "maximum SVE vector length in bits (0: no SVE); default 0" },
  { name: "el2-vtimer", kind: "bool", help: "guest hypervisor kernels use the EL2 virtual timer; default off" },
  { name: "phys-offset", kind: "bool", help: `VMMs set a non-zero physical counter offset (then, without CNTPOFF, physical counter reads trap); default ${HARDWARE_DEFAULTS.physOffset ? "on" : "off"}` },
  { name: "fgt", kind: "bool", help: `FEAT_FGT; --no-fgt: MDCR_EL2.TDA in a guest hypervisor's context traps every MDSCR_EL1 access; default ${HARDWARE_DEFAULTS.fgt ? "on" : "off"}` },
  { name: "nv2p1", kind: "bool", help: `FEAT_NV2p1: CPACR_EL1 and CNTKCTL_EL1 stateful at vEL2 (no traps for them); default ${HARDWARE_DEFAULTS.nv2p1 ? "on" : "off"}` },
  { name: "vpmu", kind: "bool", help: `guest hypervisors have a vPMU (PMSELR_EL0/PMUSERENR_EL0 switched at their put/load, TPM-trapped); default ${HARDWARE_DEFAULTS.vpmu ? "on" : "off"}` },
  { name: "lrs", kind: "value", value: { type: "integer", min: 0, max: MAX_HELD_LRS }, help: `list registers held across exits at every level (restored, saved and read back on each); default ${HARDWARE_DEFAULTS.lrs}` },
  { name: "host-preempt-rate", kind: "value", value: RUN_VALUES.hostPreemptRate, help: "host preemptions per second of simulated time; default 0" },
  { name: "host-neon-rate", kind: "value", value: RUN_VALUES.hostNeonRate, help: "host kernel-mode NEON uses per second of simulated time; default 0" },
  {
    name: "costs",
    kind: "value",
    value: { type: "file", what: "an object mapping unit-cost names to numbers", content: "costs" },
    help: "override named unit costs (cycle costs: integers 0..1e12; fpBytesPerCycle: a number > 0 and <= 1e12)",
  },
  { name: "seed", kind: "value", value: RUN_VALUES.seed, help: "random seed; default 1" },
  { name: "clock-ghz", kind: "value", value: RUN_VALUES.clockGhz, help: "clock used to convert cycles to time; default 3.0" },
  { name: "json", kind: "bool", help: "print exactly one JSON object on stdout" },
  QUIET_OPTION,
  { name: "help", kind: "bool", help: "show help" },
];

export interface ParsedArgs {
  readonly command: string;
  readonly positionals: string[];
  readonly values: Map<string, string>;
  readonly flags: Map<string, boolean>;
  readonly specs: ReadonlyMap<string, OptionSpec>;
  /** every value of a repeatable option, in order (`values` holds the first) */
  readonly repeated: Map<string, string[]>;
}

/** A bool option that shows and suggests its --no-NAME form (--help and --json have no off form worth offering). */
function negatable(s: OptionSpec): boolean {
  return s.kind === "bool" && s.name !== "help" && s.name !== "json";
}

/** "depth" and "no-nv2" for every option: what a mistyped name is compared with. */
function spellings(specs: readonly OptionSpec[]): string[] {
  return specs.flatMap((s) => (negatable(s) ? [s.name, `no-${s.name}`] : [s.name]));
}

/** An unknown option, with the options it was probably meant as, and where to find them all. */
export function unknownOption(command: string, given: string, specs: readonly OptionSpec[]): ConfigError {
  const names = spellings(specs);
  const bare = given.replace(/=.*$/s, "");
  const word = bare.replace(/^-+/, "");
  const dashed = (list: string[]): string[] => list.map((n) => `--${n}`);
  if (!bare.startsWith("--")) {
    // one dash: `-d` (a short option nestlab does not have) or `-depth` (one dash too few)
    // `-d`: the options starting with the letter, shortest first (--depth before --duration-ms)
    const candidates =
      word.length <= 2
        ? names.filter((n) => word.length > 0 && n.startsWith(word)).sort((a, b) => a.length - b.length || a.localeCompare(b)).slice(0, 3)
        : nearest(word, names);
    return new ConfigError(
      "command",
      given,
      "",
      `unknown option '${echo(given)}': options are spelled with two dashes and their full name${didYouMean(dashed(candidates))} (nestlab ${command} --help lists them)`,
    );
  }
  return new ConfigError(word, given, "", `unknown option ${echo(bare)}${didYouMean(dashed(nearest(word, names)))} (nestlab ${command} --help lists the options)`);
}

const looksLikeOption = (a: string): boolean => a.length > 1 && a.startsWith("-") && !/^-[0-9.]/.test(a);

/**
 * Parses argv against the command's option specs. Errors (ConfigError, one line): an unknown option (with the nearest
 * known one), an option given twice, a value missing or given to a boolean, a one-dash option.
 */
export function parseArgs(argv: readonly string[], specs: readonly OptionSpec[], command: string): ParsedArgs {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const out: ParsedArgs = { command, positionals: [], values: new Map(), flags: new Map(), specs: byName, repeated: new Map() };
  const seen = new Map<string, string>();
  /** `shown`: the value given, or the flag itself for a boolean */
  const once = (name: string, shown: string): void => {
    const first = seen.get(name);
    if (first !== undefined) {
      throw new ConfigError(name, shown, "", `--${name} given twice ('${echo(first)}' and '${echo(shown)}'): give it once`);
    }
    seen.set(name, shown);
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("--")) {
      if (looksLikeOption(a)) throw unknownOption(command, a, specs);
      out.positionals.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
    const spec = byName.get(name);
    if (!spec && name.startsWith("no-") && byName.get(name.slice(3))?.kind === "bool") {
      const base = name.slice(3);
      if (eq >= 0) throw new ConfigError(base, a, `--${base} or --no-${base} without a value`);
      once(base, a);
      out.flags.set(base, false);
      continue;
    }
    if (!spec) throw unknownOption(command, a, specs);
    if (spec.kind === "bool") {
      if (eq >= 0) throw new ConfigError(name, a, `--${name} or --no-${name} without a value`);
      once(name, a);
      out.flags.set(name, true);
      continue;
    }
    let v: string | undefined;
    if (eq >= 0) v = a.slice(eq + 1);
    else {
      v = argv[i + 1];
      // `--depth --json`: the value is missing, not "--json"
      if (v !== undefined && v.startsWith("--")) v = undefined;
      else i++;
    }
    if (v === undefined) throw new ConfigError(name, "", "", `--${name} needs a value: accepted ${accepted(spec)}`);
    if (spec.repeatable) {
      const all = out.repeated.get(name) ?? [];
      all.push(v);
      out.repeated.set(name, all);
      if (!out.values.has(name)) out.values.set(name, v);
      continue;
    }
    once(name, v);
    out.values.set(name, v);
  }
  return out;
}

/** Refuses positional arguments for a command that takes none. */
export function noPositionals(p: ParsedArgs): void {
  const first = p.positionals[0];
  if (first !== undefined) {
    throw new ConfigError("command", first, "", `unexpected argument '${echo(first)}': nestlab ${p.command} takes options only (nestlab ${p.command} --help lists them)`);
  }
}

function specOf(p: ParsedArgs, name: string): OptionSpec {
  const s = p.specs.get(name);
  if (!s) throw new Error(`option --${name} is not declared by nestlab ${p.command}`);
  return s;
}

/** A numeric option, parsed and bounded by its spec (the one grammar of lib/util/values.ts). */
export function num(p: ParsedArgs, name: string, def: number): number {
  const raw = p.values.get(name);
  if (raw === undefined) return def;
  const spec = specOf(p, name);
  const v = spec.value;
  if (!v || (v.type !== "integer" && v.type !== "number")) throw new Error(`--${name} is not numeric`);
  const n = numberFrom(raw, v);
  if (n === undefined) throw new ConfigError(name, raw, describeValue(v));
  return n;
}

/** A numeric option with its own bounds (checked against the spec's, which help shows). */
export function numIn(p: ParsedArgs, name: string, def: number, bounds: NumberSpec): number {
  const raw = p.values.get(name);
  if (raw === undefined) return def;
  const n = numberFrom(raw, bounds);
  if (n === undefined) throw new ConfigError(name, raw, describeValue(bounds));
  return n;
}

/** An enumerated option: one of the spec's words (compared as strings: no prototype lookups). */
export function oneOf(p: ParsedArgs, name: string, def: string): string {
  const raw = p.values.get(name);
  if (raw === undefined) return def;
  const v = specOf(p, name).value;
  if (!v || v.type !== "enum") throw new Error(`--${name} is not an enumeration`);
  if (!v.values.includes(raw)) throw new ConfigError(name, raw, `${v.values.join(", ")}${didYouMean(nearest(raw, v.values))}`);
  return raw;
}

export function parsePatch(raw: string | undefined, depth: number): number[] {
  const all = Array.from({ length: depth }, (_, i) => i);
  if (raw === undefined || raw === "all") return all;
  if (raw === "none") return [];
  const acceptedText = `none, all, or a comma list of levels 0..${depth - 1} at depth ${depth}`;
  const out: number[] = [];
  for (const s of raw.split(",")) {
    const l = numberFrom(s, { type: "integer", min: 0, max: depth - 1 });
    if (l === undefined || s !== String(l)) throw new ConfigError("patch", raw, acceptedText);
    if (out.includes(l)) throw new ConfigError("patch", raw, `${acceptedText}, each level once`);
    out.push(l);
  }
  return out.sort((a, b) => a - b);
}

/** A JSON number as error lines show it: a value JSON.parse made infinite came from a literal beyond the double range. */
const shown = (v: unknown): string => (typeof v === "number" && !Number.isFinite(v) ? "a number beyond the double range" : JSON.stringify(v) ?? String(v));

/**
 * Reads and validates a --costs file: a JSON object whose keys are unit-cost names (own names of the table: never
 * `__proto__` or `constructor`) and values within each cost's bounds (costValue).
 */
export function loadCosts(file: string | undefined, field = "costs"): Costs {
  const costs = defaultCosts() as { [K in CostName]: number };
  if (file === undefined) return costs;
  const what = "an object mapping unit-cost names to numbers";
  const obj = readJsonInput(file, field, what);
  if (typeof obj !== "object" || obj === null || Array.isArray(obj)) throw new ConfigError(field, file, `a JSON file: ${what} (this file holds ${jsonKind(obj)})`);
  for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
    if (!Object.hasOwn(COSTS, k)) {
      throw new ConfigError(field, `${file}: ${k}`, `unit-cost names${didYouMean(nearest(k, COST_NAMES))} (all: ${COST_NAMES.join(", ")})`);
    }
    const name = k as CostName;
    const spec = costValue(name);
    const n = numberFrom(v, spec);
    if (typeof v !== "number" || n === undefined) throw new ConfigError(field, `${file}: ${k}=${shown(v)}`, `${k}: ${describeValue(spec)}`);
    costs[name] = n;
  }
  return costs;
}

export function jsonKind(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "object") return "an object";
  return `a ${typeof v}`;
}

/** `--change`, taken by micro, run, compare, trace, stat and check (sweep has a `change` axis instead) */
export const CHANGE_OPTION: OptionSpec = {
  name: "change",
  kind: "value",
  repeatable: true,
  value: { type: "name-or-file", values: BUILTIN_NAMES, what: "a change file (FILE.json, docs/changes.md), optionally NAME@LEVELS (all, none, or levels like 0,1)", content: "change" },
  help: "adopt a kernel change (repeatable): a shipped one by name or a JSON change file, at its default levels or NAME@LEVELS; nv-fp-elision is --patch's change",
};

/** the listed changes as outputs print them: name, origin and the levels that adopt them */
export function changesJson(listed: readonly Adopted[]): { name: string; origin: string; levels: number[] }[] {
  return listed.map((a) => ({ name: a.change.name, origin: a.change.origin, levels: [...a.levels] }));
}

/** `  change nv-pmu-elision@0,1` for text headers ("" without --change) */
export function changesText(listed: readonly Adopted[]): string {
  return listed.map((a) => `  change ${a.change.name}@${a.levels.length ? a.levels.join(",") : "none"}`).join("");
}

export interface CommonOptions {
  readonly model: ModelConfig;
  /**
   * The changes given with --change (nv-fp-elision among them when listed), and the model without them: compare's
   * baseline (without --change: the model with --patch none).
   */
  readonly listed: readonly Adopted[];
  readonly baseline: ModelConfig;
  readonly seed: number;
  readonly clockGhz: number;
  readonly hostPreemptRate: number;
  readonly hostNeonRate: number;
  readonly json: boolean;
}

export function commonOptions(p: ParsedArgs): CommonOptions {
  const depth = num(p, "depth", 1);
  const listed = p.specs.has("change") ? parseChangeArgs(p.repeated.get("change") ?? [], depth) : [];
  const fp = listed.find((a) => a.change === FP_ELISION);
  if (fp && p.values.has("patch")) {
    throw new ConfigError("change", `${FP_ELISION.name}`, `nv-fp-elision or --patch, not both (--patch LEVELS is --change nv-fp-elision@LEVELS)`);
  }
  const others = listed.filter((a) => a !== fp);
  const model: ModelConfig = {
    depth,
    nv2: p.flags.get("nv2") ?? true,
    ecv: p.flags.get("ecv") ?? true,
    guestHyp: oneOf(p, "guest-hyp", "vhe") as GuestHypFlavour,
    patch: fp ? [...fp.levels] : parsePatch(p.values.get("patch"), depth),
    sveVl: Number(oneOf(p, "sve-vl", "0")),
    el2Vtimer: p.flags.get("el2-vtimer") ?? false,
    physOffset: p.flags.get("phys-offset") ?? HARDWARE_DEFAULTS.physOffset,
    fgt: p.flags.get("fgt") ?? HARDWARE_DEFAULTS.fgt,
    nv2p1: p.flags.get("nv2p1") ?? HARDWARE_DEFAULTS.nv2p1,
    vpmu: p.flags.get("vpmu") ?? HARDWARE_DEFAULTS.vpmu,
    lrs: num(p, "lrs", HARDWARE_DEFAULTS.lrs),
    costs: loadCosts(p.values.get("costs")),
    ...(others.length > 0 ? { changes: others } : {}),
  };
  validateModelConfig(model);
  const { changes: _listed, ...withoutChanges } = model;
  return {
    model,
    listed,
    baseline: listed.length === 0 ? { ...model, patch: [] } : { ...withoutChanges, patch: fp ? [] : model.patch },
    seed: num(p, "seed", 1),
    clockGhz: num(p, "clock-ghz", 3.0),
    hostPreemptRate: num(p, "host-preempt-rate", 0),
    hostNeonRate: num(p, "host-neon-rate", 0),
    json: p.flags.get("json") ?? false,
  };
}

/**
 * Runs `work`; a run whose cycle total would lose exactness while --costs raised unit costs is reported against
 * --costs and its bounds (the engine's own message names only the depth).
 */
export function withCostsNamed<T>(p: ParsedArgs, work: () => T): T {
  try {
    return work();
  } catch (e) {
    throw costsNamed(p, e);
  }
}

/** The error a run failed with, reported against --costs when it is the cycle total's exactness (see withCostsNamed). */
export function costsNamed(p: ParsedArgs, e: unknown): unknown {
  const file = p.values.get("costs");
  if (e instanceof LimitError && file !== undefined && /2\^53/.test(e.message)) {
    return new LimitError(
      "costs",
      `invalid --costs '${echo(file)}': with these unit costs the run's cycle total exceeds 2^53 (exact integers end there): ` +
        `accepted costs within their bounds (cycles 0..1e12, fpBytesPerCycle > 0) whose totals at this depth and duration stay below 2^53`,
    );
  }
  return e;
}

export function helpText(usage: string, summary: string, specs: readonly OptionSpec[]): string {
  const lines = [`usage: ${usage}`, "", summary, "", "options:"];
  for (const s of specs) {
    const flag = s.kind === "value" ? `--${s.name} <${accepted(s)}>` : negatable(s) ? `--${s.name}, --no-${s.name}` : `--${s.name}`;
    lines.push(`  ${flag}`);
    lines.push(`      ${s.help}`);
  }
  return lines.join("\n") + "\n";
}
