import { readJsonFile } from "../util/json";
import { SVE_VECTOR_LENGTHS } from "../arch/sve";
import { COST_NAMES, COSTS, type CostName, type Costs, defaultCosts } from "../costs/table";
import { type GuestHypFlavour, MAX_DEPTH, type ModelConfig, validateModelConfig } from "../kvm/config";
import { ConfigError } from "../util/errors";

/** One command-line option: its name, what it takes, and the help line. */
export interface OptionSpec {
  readonly name: string;
  /** "bool" options also accept --no-NAME */
  readonly kind: "bool" | "value";
  readonly help: string;
  /** shown as the accepted values in errors and help */
  readonly accepted?: string;
}

export const COMMON_OPTIONS: readonly OptionSpec[] = [
  { name: "depth", kind: "value", accepted: `1..${MAX_DEPTH}`, help: "level of the leaf guest (1 = an ordinary VM); default 1" },
  { name: "nv2", kind: "bool", help: "FEAT_NV2 (VNCR); --no-nv2 is the FEAT_NV-only what-if; default on" },
  { name: "ecv", kind: "bool", help: "FEAT_ECV; default on" },
  { name: "guest-hyp", kind: "value", accepted: "vhe, nvhe", help: "guest hypervisor flavour (nvhe only at depth 2); default vhe" },
  { name: "patch", kind: "value", accepted: "none, all, or a list of levels like 0,1", help: "levels whose KVM carries the FP-elision patch; default all" },
  { name: "sve-vl", kind: "value", accepted: SVE_VECTOR_LENGTHS.join(", "), help: "maximum SVE vector length in bits (0: no SVE); default 0" },
  { name: "el2-vtimer", kind: "bool", help: "guest hypervisor kernels use the EL2 virtual timer; default off" },
  { name: "phys-offset", kind: "bool", help: "VMMs set a non-zero physical counter offset (then, without CNTPOFF, physical counter reads trap); default off" },
  { name: "host-preempt-rate", kind: "value", accepted: "a number >= 0 (Hz)", help: "host preemptions per second of simulated time; default 0" },
  { name: "host-neon-rate", kind: "value", accepted: "a number >= 0 (Hz)", help: "host kernel-mode NEON uses per second of simulated time; default 0" },
  { name: "costs", kind: "value", accepted: "a JSON file mapping unit-cost names to numbers", help: "override named unit costs" },
  { name: "seed", kind: "value", accepted: "an integer 0..2^32-1", help: "random seed; default 1" },
  { name: "clock-ghz", kind: "value", accepted: "a number > 0 and <= 10", help: "clock used to convert cycles to time; default 3.0" },
  { name: "json", kind: "bool", help: "print exactly one JSON object on stdout" },
  { name: "help", kind: "bool", help: "show help" },
];

export type ParsedArgs = { positionals: string[]; values: Map<string, string>; flags: Map<string, boolean> };

/** Parses argv against the given option specs; unknown or malformed options are ConfigErrors. */
export function parseArgs(argv: readonly string[], specs: readonly OptionSpec[]): ParsedArgs {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const out: ParsedArgs = { positionals: [], values: new Map(), flags: new Map() };
  const known = specs.map((s) => `--${s.name}`).join(", ");
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("--")) {
      out.positionals.push(a);
      continue;
    }
    const eq = a.indexOf("=");
    let name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
    let spec = byName.get(name);
    if (!spec && name.startsWith("no-") && byName.get(name.slice(3))?.kind === "bool" && eq < 0) {
      name = name.slice(3);
      out.flags.set(name, false);
      continue;
    }
    if (!spec) throw new ConfigError(name, a, known, `unknown option --${name}: accepted ${known}`);
    if (spec.kind === "bool") {
      if (eq >= 0) throw new ConfigError(name, a, `--${name} or --no-${name} without a value`);
      out.flags.set(name, true);
      continue;
    }
    let v: string | undefined;
    if (eq >= 0) v = a.slice(eq + 1);
    else {
      v = argv[i + 1];
      i++;
    }
    if (v === undefined || v === "") throw new ConfigError(name, "(missing)", spec.accepted ?? "a value");
    out.values.set(name, v);
  }
  return out;
}

export function intOpt(p: ParsedArgs, name: string, def: number, min: number, max: number): number {
  const raw = p.values.get(name);
  if (raw === undefined) return def;
  if (!/^-?\d+$/.test(raw)) throw new ConfigError(name, raw, `an integer ${min}..${max}`);
  const v = Number(raw);
  if (v < min || v > max) throw new ConfigError(name, raw, `an integer ${min}..${max}`);
  return v;
}

export function numOpt(p: ParsedArgs, name: string, def: number, ok: (v: number) => boolean, accepted: string): number {
  const raw = p.values.get(name);
  if (raw === undefined) return def;
  const v = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(v) || !ok(v)) throw new ConfigError(name, raw, accepted);
  return v;
}

export function parsePatch(raw: string | undefined, depth: number): number[] {
  const all = Array.from({ length: depth }, (_, i) => i);
  if (raw === undefined || raw === "all") return all;
  if (raw === "none") return [];
  const accepted = `none, all, or a comma list of levels 0..${depth - 1} at depth ${depth}`;
  const parts = raw.split(",");
  const out: number[] = [];
  for (const s of parts) {
    if (!/^\d+$/.test(s)) throw new ConfigError("patch", raw, accepted);
    const l = Number(s);
    if (l >= depth) throw new ConfigError("patch", raw, accepted);
    if (!out.includes(l)) out.push(l);
  }
  return out.sort((a, b) => a - b);
}

/** Reads and validates a --costs file: a JSON object whose keys are unit-cost names and values non-negative numbers. */
export function loadCosts(file: string | undefined): Costs {
  const costs = defaultCosts() as { [K in CostName]: number };
  if (file === undefined) return costs;
  const obj = readJsonFile(file, "costs", "a JSON object mapping unit-cost names to numbers");
  if (typeof obj !== "object" || obj === null || Array.isArray(obj)) {
    throw new ConfigError("costs", file, "a JSON object mapping unit-cost names to numbers");
  }
  for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
    if (!(k in COSTS)) throw new ConfigError("costs", `${file}: ${k}`, `unit-cost names: ${COST_NAMES.join(", ")}`);
    const name = k as CostName;
    const positive = COSTS[name].unit === "bytes/cycle";
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || (positive && v <= 0) || (!positive && !Number.isInteger(v))) {
      throw new ConfigError("costs", `${file}: ${k}=${JSON.stringify(v)}`, positive ? "a number > 0" : "an integer >= 0 (cycles)");
    }
    costs[name] = v;
  }
  return costs;
}

export interface CommonOptions {
  readonly model: ModelConfig;
  readonly seed: number;
  readonly clockGhz: number;
  readonly hostPreemptRate: number;
  readonly hostNeonRate: number;
  readonly json: boolean;
}

export function commonOptions(p: ParsedArgs): CommonOptions {
  const depth = intOpt(p, "depth", 1, 1, MAX_DEPTH);
  const guestHypRaw = p.values.get("guest-hyp") ?? "vhe";
  if (guestHypRaw !== "vhe" && guestHypRaw !== "nvhe") throw new ConfigError("guest-hyp", guestHypRaw, "vhe, nvhe");
  const sveRaw = p.values.get("sve-vl") ?? "0";
  const sveVl = Number(sveRaw);
  if (!/^\d+$/.test(sveRaw) || !(SVE_VECTOR_LENGTHS as readonly number[]).includes(sveVl)) {
    throw new ConfigError("sve-vl", sveRaw, SVE_VECTOR_LENGTHS.join(", "));
  }
  const model: ModelConfig = {
    depth,
    nv2: p.flags.get("nv2") ?? true,
    ecv: p.flags.get("ecv") ?? true,
    guestHyp: guestHypRaw as GuestHypFlavour,
    patch: parsePatch(p.values.get("patch"), depth),
    sveVl,
    el2Vtimer: p.flags.get("el2-vtimer") ?? false,
    physOffset: p.flags.get("phys-offset") ?? false,
    costs: loadCosts(p.values.get("costs")),
  };
  validateModelConfig(model);
  return {
    model,
    seed: intOpt(p, "seed", 1, 0, 2 ** 32 - 1),
    clockGhz: numOpt(p, "clock-ghz", 3.0, (v) => v > 0 && v <= 10, "a number > 0 and <= 10"),
    hostPreemptRate: numOpt(p, "host-preempt-rate", 0, (v) => v >= 0 && v <= 1e6, "a number 0..1000000 (Hz)"),
    hostNeonRate: numOpt(p, "host-neon-rate", 0, (v) => v >= 0 && v <= 1e6, "a number 0..1000000 (Hz)"),
    json: p.flags.get("json") ?? false,
  };
}

export function helpText(usage: string, summary: string, specs: readonly OptionSpec[]): string {
  const lines = [`usage: ${usage}`, "", summary, "", "options:"];
  for (const s of specs) {
    const flag = s.kind === "bool" ? `--${s.name}` : `--${s.name} ${s.accepted ? "<" + s.accepted + ">" : "<value>"}`;
    lines.push(`  ${flag}`);
    lines.push(`      ${s.help}`);
  }
  return lines.join("\n") + "\n";
}
