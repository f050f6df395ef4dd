import { defaultWorkers, WORKERS } from "../../sweep/pool";
import { EXPLAIN_DEFAULTS, type ExplainResult, explain, parseTarget } from "../../explain/explain";
import type { Implications } from "../../explain/evaluate";
import { ConfigError } from "../../util/errors";
import { exactJson } from "../../util/json";
import { helpText, noPositionals, num as numArg, type OptionSpec, parseArgs } from "../args";
import type { Command } from "../command";
import { formatTable } from "../format";
import { glossaryText } from "../glossary";
import { RUN_OPTIONS, runConfig, runOptionsFrom } from "./run";
import { type ConfigBlock, configText } from "../config";

const EXPLAIN_OPTIONS: readonly OptionSpec[] = [
  {
    name: "target",
    kind: "value",
    value: { type: "syntax", accepted: "a fraction in (0, 1) such as 0.10, or a percentage such as 10%", examples: ["0.10", "10%", "0.05", "2.5%"] },
    help: "the wall-clock reduction to reach (required)" },
  { name: "top", kind: "value", value: { type: "integer", min: 1, max: 1000 }, help: `how many of the smallest changes to list; default ${EXPLAIN_DEFAULTS.top}` },
  { name: "pair-inputs", kind: "value", value: { type: "integer", min: 0, max: 100 }, help: `how many inputs to pair (those whose single change helps most); default ${EXPLAIN_DEFAULTS.pairInputs}, 0: singles only` },
  { name: "workers", kind: "value", value: WORKERS, help: `worker threads; default the core count (${defaultWorkers()} here); 0 runs in the main thread` },
  ...RUN_OPTIONS.filter((o) => o.name !== "engine" && o.name !== "change"),
];

const pct = (v: number | null): string => (v === null ? "-" : `${(100 * v).toFixed(2)}%`);
const num = (v: number | null, d = 0): string => (v === null ? "-" : v.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d }));

function implicationCells(i: Implications): string[] {
  return [num(i.l0FpTrapNs), num(i.forwardedFpTrapNs), num(i.fpTrapsPerExit, 2), num(i.l0TrapsPerExit, 1), num(i.hvcL0Traps, 0), num(i.l0PutLoadCycles), pct(i.fpShare)];
}

/** ", 1 distinct among the 3 listed (...)" when listed entries are other spellings of one change, else "" */
function distinctText(r: ExplainResult): string {
  const twins = r.entries.filter((e) => e.equivalentTo !== undefined).length;
  if (twins === 0) return "";
  const distinct = r.entries.length - twins;
  return ` (${distinct} distinct among the ${r.entries.length} listed; = #N marks a change spelled another way)`;
}

export function explainText(r: ExplainResult, config?: ConfigBlock): string {
  const header = ["#", "change", "inputs", "sum |log2|", "reduction", "L0 FP trap ns", "fwd FP trap ns", "FP traps/event", "L0 traps/event", "hvc L0 traps", "L0 put+load cyc", "FP share"];
  const rows = [
    ["0", "(as modelled)", "0", "0", pct(r.base.wallReduction), ...implicationCells(r.base.implications)],
    ...r.entries.map((e) => [
      String(e.rank),
      e.changes.map((c) => `${c.input} ${c.label}`).join(" + "),
      String(e.inputs),
      String(e.log2Sum),
      // another spelling of a change above: its figures are that entry's, not repeated
      ...(e.equivalentTo !== undefined ? [`= #${e.equivalentTo}`, ...implicationCells(e.implications).map(() => "")] : [pct(e.wallReduction), ...implicationCells(e.implications)]),
    ]),
  ];
  const lines = [
    `explain ${r.workload}  depth ${r.depth}  target ${pct(r.target)}  as modelled ${pct(r.base.wallReduction)}`,
    ...(config ? configText(config) : []),
    `  ${r.reaching} change(s) reach the target${distinctText(r)}; ${r.evaluations} configurations evaluated; ${r.inputs.length} inputs; paired: ${r.paired.join(", ") || "none"}`,
    "",
    // an equivalent entry's empty figure cells would leave trailing blanks
    formatTable(header, rows).replace(/ +$/gm, ""),
  ];
  if (r.entries.length === 0) lines.push("", "no single change and no pair among the paired inputs reaches the target");
  const twins = r.entries.filter((e) => e.equivalentTo !== undefined);
  if (twins.length > 0) {
    // each group: its first entry, then its other spellings
    const groups = [...new Set(twins.map((e) => e.equivalentTo!))].map((first) =>
      r.entries
        .filter((e) => e.rank === first || e.equivalentTo === first)
        .map((e) => `#${e.rank}`)
        .join(" = "),
    );
    lines.push(
      "",
      `equivalent spellings (= #N: the same reduction and implications as entry N, one change written another way; its inputs cancel, e.g. a longer SVE vector at a proportionally faster FP transfer rate moves the same cycles): ${groups.join("; ")}`,
    );
  }
  const best = [...r.singles].filter((s) => s.wallReduction !== null).sort((a, b) => b.wallReduction! - a.wallReduction! || (a.input < b.input ? -1 : 1)).slice(0, 8);
  lines.push("", "the single changes that move it most:", formatTable(["input", "value", "reduction"], best.map((s) => [s.input, s.label, pct(s.wallReduction)])));
  return lines.join("\n");
}

export const explainCommand: Command = {
  name: "explain",
  options: EXPLAIN_OPTIONS,
  summary: "what would have to change (costs, hardware, kernel, workload) for the change to reach a target reduction",
  help: () =>
    helpText(
      "nestlab explain --target 0.10|10% [options]",
      "Searches single inputs and pairs (every unit cost x1/16..x16, every structural input) for the smallest changes that make the wall-clock reduction reach the target, with what each implies at the micro level. Analysis only: no default changes.",
      EXPLAIN_OPTIONS,
    ) + glossaryText("explain"),
  async run(argv, io) {
    const p = parseArgs(argv, EXPLAIN_OPTIONS, "explain");
    if (p.flags.get("help")) {
      io.out(explainCommand.help());
      return 0;
    }
    noPositionals(p);
    const raw = p.values.get("target");
    if (raw === undefined) throw new ConfigError("target", "", "", "explain needs --target: a fraction in (0, 1) such as 0.10, or a percentage such as 10%");
    const target = parseTarget(raw);
    const top = numArg(p, "top", EXPLAIN_DEFAULTS.top);
    const pairInputs = numArg(p, "pair-inputs", EXPLAIN_DEFAULTS.pairInputs);
    const workers = numArg(p, "workers", Math.min(defaultWorkers(), WORKERS.max));
    const o = runOptionsFrom(p, io);
    const r = await explain(o, { target, top, pairInputs, workers, ...(io.progress ? { progress: io.progress } : {}) });
    const config = runConfig(p, o);
    io.out(o.json ? exactJson({ ...r, config }) + "\n" : explainText(r, config) + "\n");
    return 0;
  },
};
