/**
 * `npm run fidelity:figures -- --out FILE.json`: the figures the fidelity work reports before and after each change
 * (docs/fidelity.md): the micro table (hvc, mmio-user, hvc with the leaf using FP; depth 1-4; NV2 on and off; patch
 * none and all; cycles and L0 traps per iteration) and the claims' compare rows (depth 3, debian-install and
 * io-heavy, every level patched: wall-clock reduction and cycles). `--render BEFORE.json AFTER.json` prints the
 * markdown table of both, which docs/fidelity.md embeds; `--el2-timer` prints the EL2 timer table it embeds, `--inputs` the claims' rows under each hardware and VM input.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { defaultModelConfig, type ModelConfig } from "../lib/kvm/config";
import { runMicro } from "../lib/micro/micro";
import { type CompareResult, runCompare } from "../lib/run/compare";
import { loadProfile } from "../lib/workload/load";
import { LimitError } from "../lib/util/errors";

interface MicroRow {
  readonly op: string;
  readonly depth: number;
  readonly nv2: boolean;
  readonly patch: "none" | "all";
  readonly cycles: number | null;
  readonly l0Traps: number | null;
}
interface CompareRow {
  readonly workload: string;
  readonly depth: number;
  readonly wallReduction: number | null;
  readonly baselineCycles: string | null;
}
export interface Figures {
  readonly micro: MicroRow[];
  readonly compare: CompareRow[];
}

const OPS = [
  ["hvc", false],
  ["mmio-user", false],
  ["hvc", true],
] as const;

/** The claims' compare (1 s of the workload's leaf work, seed 1, 3 GHz, no host noise) for one model configuration. */
function claimCompare(workload: string, model: ModelConfig): CompareResult {
  return runCompare({ model, profile: loadProfile(workload), durationMs: 1000, seed: 1, clockGhz: 3, hostPreemptRate: 0, hostNeonRate: 0 });
}

export function measure(): Figures {
  const micro: MicroRow[] = [];
  for (const [op, leafFp] of OPS) {
    for (let depth = 1; depth <= 4; depth++) {
      for (const nv2 of [true, false]) {
        for (const patch of ["none", "all"] as const) {
          const cfg = defaultModelConfig({ depth, nv2, patch: patch === "all" ? Array.from({ length: depth }, (_, i) => i) : [] });
          const r = runMicro(cfg, { op, iterations: 8, leafFp });
          micro.push({ op: leafFp ? `${op} --leaf-fp` : op, depth, nv2, patch, cycles: r.cycles, l0Traps: r.l0Traps });
        }
      }
    }
  }
  const compare: CompareRow[] = [];
  for (const workload of ["debian-install", "io-heavy"]) {
    try {
      const c = claimCompare(workload, defaultModelConfig({ depth: 3 }));
      compare.push({ workload, depth: 3, wallReduction: c.wallReduction, baselineCycles: String(c.baseline.cycles) });
    } catch (e) {
      if (!(e instanceof LimitError)) throw e;
      compare.push({ workload, depth: 3, wallReduction: null, baselineCycles: null });
    }
  }
  return { micro, compare };
}

/** One configuration of the EL2 timer study: the claims' baseline (no level patched) with each EL2 timer. */
export interface El2TimerRow {
  readonly workload: string;
  readonly physOffset: boolean;
  readonly ecv: boolean;
  /** the guest hypervisors' kernels on the EL2 physical timer (the default) */
  readonly physCycles: string;
  readonly physTraps: number;
  /** ... on the EL2 virtual timer */
  readonly virtCycles: string;
  readonly virtTraps: number;
}

/**
 * The EL2 virtual timer against the EL2 physical one (docs/fidelity.md, "The EL2 timers"): the claims' workloads at
 * depth 3, unpatched, with and without a physical counter offset and FEAT_ECV.
 */
export function measureEl2Timer(): El2TimerRow[] {
  const rows: El2TimerRow[] = [];
  for (const workload of ["debian-install", "io-heavy"]) {
    for (const physOffset of [false, true]) {
      for (const ecv of [true, false]) {
        const run = (el2Vtimer: boolean) =>
          claimCompare(workload, defaultModelConfig({ depth: 3, physOffset, ecv, el2Vtimer })).baseline;
        const p = run(false);
        const v = run(true);
        rows.push({ workload, physOffset, ecv, physCycles: String(p.cycles), physTraps: Number(p.l0Traps), virtCycles: String(v.cycles), virtTraps: Number(v.l0Traps) });
      }
    }
  }
  return rows;
}

export function renderEl2Timer(rows: readonly El2TimerRow[]): string {
  const lines = [
    "| workload (depth 3, unpatched) | physical counter offset | FEAT_ECV | L0 traps, EL2 physical timer | L0 traps, EL2 virtual timer | cycles saved by the virtual timer |",
    "|---|---|---|---|---|---|",
  ];
  for (const r of rows) {
    const saved = 1 - Number(BigInt(r.virtCycles)) / Number(BigInt(r.physCycles));
    lines.push(
      `| ${r.workload} | ${r.physOffset ? "yes" : "no"} | ${r.ecv ? "yes" : "no"} | ${r.physTraps.toLocaleString("en-US")} | ${r.virtTraps.toLocaleString("en-US")} | ${(saved * 100).toFixed(2)}% |`,
    );
  }
  return lines.join("\n") + "\n";
}

/** A hardware or VM input of docs/fidelity.md "Hardware and VM inputs", with its default first. */
export const INPUTS = [
  { name: "fgt", label: "FEAT_FGT", values: [true, false] },
  { name: "nv2p1", label: "FEAT_NV2p1", values: [false, true] },
  { name: "vpmu", label: "guest hypervisors' vPMU", values: [true, false] },
  { name: "lrs", label: "list registers held", values: [0, 1] },
  { name: "ecv", label: "FEAT_ECV", values: [true, false] },
] as const;

export interface InputRow {
  readonly input: string;
  readonly value: string;
  readonly isDefault: boolean;
  readonly workload: string;
  readonly wallReduction: number | null;
  readonly baselineCycles: string | null;
  readonly baselineTraps: number | null;
}

/** The claims' compare rows (depth 3, every level patched, seed 1) under each value of each input. */
export function measureInputs(): InputRow[] {
  const rows: InputRow[] = [];
  for (const inp of INPUTS) {
    for (const value of inp.values) {
      for (const workload of ["debian-install", "io-heavy"]) {
        try {
          const c = claimCompare(workload, defaultModelConfig({ depth: 3, [inp.name]: value }));
          rows.push({ input: inp.label, value: String(value), isDefault: value === inp.values[0], workload, wallReduction: c.wallReduction, baselineCycles: String(c.baseline.cycles), baselineTraps: Number(c.baseline.l0Traps) });
        } catch (e) {
          if (!(e instanceof LimitError)) throw e;
          rows.push({ input: inp.label, value: String(value), isDefault: value === inp.values[0], workload, wallReduction: null, baselineCycles: null, baselineTraps: null });
        }
      }
    }
  }
  return rows;
}

export function renderInputs(rows: readonly InputRow[]): string {
  const lines = [
    "| input | value | workload | wall-clock reduction (every level patched) | baseline L0 traps | baseline cycles |",
    "|---|---|---|---|---|---|",
  ];
  for (const r of rows) {
    const red = r.wallReduction === null ? "livelock" : `${(r.wallReduction * 100).toFixed(2)}%`;
    const traps = r.baselineTraps === null ? "-" : r.baselineTraps.toLocaleString("en-US");
    const cycles = r.baselineCycles === null ? "-" : BigInt(r.baselineCycles).toLocaleString("en-US");
    lines.push(`| ${r.input} | ${r.value}${r.isDefault ? " (default)" : ""} | ${r.workload} | ${red} | ${traps} | ${cycles} |`);
  }
  return lines.join("\n") + "\n";
}

const fmt = (v: number | null): string => (v === null ? "-" : Number.isInteger(v) ? v.toLocaleString("en-US") : v.toLocaleString("en-US", { maximumFractionDigits: 1 }));

export function render(before: Figures, after: Figures): string {
  const lines = ["| op | depth | NV2 | patch | cycles before | cycles after | L0 traps before | L0 traps after |", "|---|---|---|---|---|---|---|---|"];
  after.micro.forEach((a, i) => {
    const b = before.micro[i]!;
    lines.push(`| ${a.op} | ${a.depth} | ${a.nv2 ? "on" : "off"} | ${a.patch} | ${fmt(b.cycles)} | ${fmt(a.cycles)} | ${fmt(b.l0Traps)} | ${fmt(a.l0Traps)} |`);
  });
  lines.push("", "| compare (depth 3, every level patched) | wall-clock reduction before | after | baseline cycles before | after |", "|---|---|---|---|---|");
  after.compare.forEach((a, i) => {
    const b = before.compare[i]!;
    const pct = (v: number | null): string => (v === null ? "-" : `${(v * 100).toFixed(2)}%`);
    lines.push(`| ${a.workload} | ${pct(b.wallReduction)} | ${pct(a.wallReduction)} | ${b.baselineCycles === null ? "-" : BigInt(b.baselineCycles).toLocaleString("en-US")} | ${a.baselineCycles === null ? "-" : BigInt(a.baselineCycles).toLocaleString("en-US")} |`);
  });
  return lines.join("\n") + "\n";
}

function main(): void {
  const args = process.argv.slice(2);
  if (args[0] === "--inputs") {
    process.stdout.write(renderInputs(measureInputs()));
  } else if (args[0] === "--el2-timer") {
    process.stdout.write(renderEl2Timer(measureEl2Timer()));
  } else if (args[0] === "--render") {
    const read = (f: string): Figures => JSON.parse(readFileSync(f, "utf8")) as Figures;
    process.stdout.write(render(read(args[1]!), read(args[2]!)));
  } else {
    const out = args[0] === "--out" ? args[1] : undefined;
    const json = JSON.stringify(measure(), null, 1) + "\n";
    if (out) writeFileSync(out, json);
    else process.stdout.write(json);
  }
}

if (require.main === module) main();
