import { COST_NAMES, type CostName, type Costs, defaultCosts } from "../costs/table";
import { KERNEL } from "../kvm/kernel";
import { hardwareInputs, type ModelConfig } from "../kvm/config";
import { RUN_DEFAULTS } from "../run/run";
import { type WorkloadProfile, profileJson } from "../workload/profiles";

/**
 * The configuration an output was computed under, stated once for every command (docs/cli.md "The configuration
 * block"): the JSON `config` object and the text header's `config:` lines come from here, so no command keeps its own
 * list of fields. Keys are additive: a command's older `config` keys keep their names and values.
 */

/** What a command ran: the model always; a run's workload and rates when it ran the leaf's stream. */
export interface ConfigInputs {
  readonly model: ModelConfig;
  readonly clockGhz: number;
  /** absent for commands that use no randomness (micro) */
  readonly seed?: number;
  readonly run?: {
    readonly profile: WorkloadProfile;
    /** what --workload named: a profile's name, or a file (whose resolved contents the block then carries) */
    readonly workload: string;
    readonly fromFile: boolean;
    readonly durationMs: number;
    readonly ioRate?: number;
    readonly timerHz?: number;
    readonly hypHz?: number;
    readonly hostPreemptRate: number;
    readonly hostNeonRate: number;
  };
}

export interface ConfigBlock {
  /** the kernel the model pins at every level (lib/kvm/kernel.ts) */
  readonly kernel: string;
  readonly depth: number;
  readonly nv2: boolean;
  readonly ecv: boolean;
  readonly guestHyp: string;
  readonly patch: readonly number[];
  readonly sveVl: number;
  readonly el2Vtimer: boolean;
  readonly physOffset: boolean;
  readonly fgt: boolean;
  readonly nv2p1: boolean;
  readonly vpmu: boolean;
  readonly lrs: number;
  readonly clockGhz: number;
  readonly seed?: number;
  readonly durationMs?: number;
  /** the profile's name, the file it came from (null for a named profile) and, for a file, its resolved fields */
  readonly workload?: { readonly name: string; readonly file?: string; readonly profile?: Record<string, string | number> };
  readonly ioRate?: number;
  readonly timerHz?: number;
  readonly hypHz?: number;
  readonly hostPreemptRate?: number;
  readonly hostNeonRate?: number;
  /** the unit costs that differ from the defaults (--costs), by name; {} when none */
  readonly costs: Readonly<Partial<Record<CostName, number>>>;
  /** kernel changes adopted besides the FP-elision change of `patch` (--change), with their levels; absent when none */
  readonly changes?: readonly { readonly name: string; readonly levels: readonly number[] }[];
}

/** The unit costs of `costs` that differ from the table's defaults, in the table's order. */
export function costOverrides(costs: Costs): Partial<Record<CostName, number>> {
  const d = defaultCosts();
  const out: Partial<Record<CostName, number>> = {};
  for (const k of COST_NAMES) if (costs[k] !== d[k]) out[k] = costs[k];
  return out;
}

export function configBlock(c: ConfigInputs): ConfigBlock {
  const m = c.model;
  const r = c.run;
  return {
    kernel: KERNEL.name,
    depth: m.depth,
    nv2: m.nv2,
    ecv: m.ecv,
    guestHyp: m.guestHyp,
    patch: m.patch,
    sveVl: m.sveVl,
    el2Vtimer: m.el2Vtimer,
    // the hardware and VM inputs, an absent one being its default (lib/kvm/config.ts HARDWARE_DEFAULTS)
    ...hardwareInputs(m),
    clockGhz: c.clockGhz,
    ...(c.seed !== undefined ? { seed: c.seed } : {}),
    ...(r
      ? {
          durationMs: r.durationMs,
          workload: r.fromFile ? { name: r.profile.name, file: r.workload, profile: profileJson(r.profile) } : { name: r.profile.name },
          ioRate: r.ioRate ?? r.profile.ioRate,
          timerHz: r.timerHz ?? r.profile.timerHz,
          hypHz: r.hypHz ?? RUN_DEFAULTS.guestHypHz.value,
          hostPreemptRate: r.hostPreemptRate,
          hostNeonRate: r.hostNeonRate,
        }
      : {}),
    costs: costOverrides(m.costs),
    ...(m.changes && m.changes.length > 0 ? { changes: m.changes.map((a) => ({ name: a.change.name, levels: [...a.levels] })) } : {}),
  };
}

const onOff = (b: boolean): string => (b ? "on" : "off");
const levels = (p: readonly number[]): string => (p.length ? p.join(",") : "none");

/**
 * The block as text: `config:` lines of `--option value` pairs (the options that reproduce the output), wrapped,
 * indented by `indent`. A file-given workload adds its resolved fields; overridden unit costs are listed.
 */
export function configText(b: ConfigBlock, indent = "  ", width = 118): string[] {
  const pairs: string[] = [
    `kernel ${b.kernel}`,
    `depth ${b.depth}`,
    `nv2 ${onOff(b.nv2)}`,
    `ecv ${onOff(b.ecv)}`,
    `guest-hyp ${b.guestHyp}`,
    `patch ${levels(b.patch)}`,
    `sve-vl ${b.sveVl}`,
    `el2-vtimer ${onOff(b.el2Vtimer)}`,
    `phys-offset ${onOff(b.physOffset)}`,
    `fgt ${onOff(b.fgt)}`,
    `nv2p1 ${onOff(b.nv2p1)}`,
    `vpmu ${onOff(b.vpmu)}`,
    `lrs ${b.lrs}`,
    `clock ${b.clockGhz} GHz`,
    ...(b.seed !== undefined ? [`seed ${b.seed}`] : []),
    ...(b.workload ? [`workload ${b.workload.file ?? b.workload.name}`] : []),
    ...(b.durationMs !== undefined ? [`duration ${b.durationMs} ms`] : []),
    ...(b.ioRate !== undefined ? [`io-rate ${b.ioRate} Hz`] : []),
    ...(b.timerHz !== undefined ? [`timer-hz ${b.timerHz}`] : []),
    ...(b.hypHz !== undefined ? [`hyp-hz ${b.hypHz}`] : []),
    ...(b.hostPreemptRate !== undefined ? [`host-preempt-rate ${b.hostPreemptRate} Hz`] : []),
    ...(b.hostNeonRate !== undefined ? [`host-neon-rate ${b.hostNeonRate} Hz`] : []),
    ...(b.changes ?? []).map((c) => `change ${c.name}@${levels(c.levels)}`),
  ];
  const lines: string[] = [];
  let line = `${indent}config:`;
  for (const p of pairs) {
    if (line.length + 2 + p.length > width && line.trim() !== "config:") {
      lines.push(line);
      line = `${indent}       `;
    }
    line += `  ${p}`;
  }
  lines.push(line);
  const w = b.workload?.profile;
  if (w) {
    const fields = Object.entries(w)
      .filter(([k]) => k !== "name" && k !== "description" && k !== "reasoning")
      .map(([k, v]) => `${k} ${v}`);
    lines.push(`${indent}workload ${b.workload?.file ?? ""} (resolved): ${fields.join(", ")}`);
  }
  const costs = Object.entries(b.costs);
  lines.push(`${indent}unit costs: ${costs.length ? `overridden by --costs: ${costs.map(([k, v]) => `${k} ${v}`).join(", ")}` : "the defaults"}`);
  return lines;
}
