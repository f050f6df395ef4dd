import { candidates, type CandidatesResult } from "../../changes/candidates";
import { EXIT_WINDOW_MS } from "../../run/exit";
import { helpText, noPositionals, num, type OptionSpec, parseArgs, withCostsNamed } from "../args";
import type { Command } from "../command";
import { formatTable } from "../format";
import { RUN_OPTIONS, runConfig, runOptionsFrom } from "./run";
import { type ConfigBlock, configText } from "../config";
import { glossaryText } from "../glossary";

const OPTIONS: readonly OptionSpec[] = [
  ...RUN_OPTIONS,
  {
    name: "exit-window-ms",
    kind: "value",
    value: { type: "number", min: 0.1, max: 1000, note: "ms" },
    help: `per-exit trap groups: the first MS of the stream, attributed on the exact engine; default ${EXIT_WINDOW_MS}`,
  },
];

const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;
const n = (x: number, d = 0): string => x.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });

function text(r: CandidatesResult, config: ConfigBlock): string {
  return [
    `candidates ${r.workload}  depth ${r.depth}  seed ${r.seed}: what eliding each part of the nested transitions' work would save`,
    ...configText(config),
    `  ${r.upperBound}`,
    `  as configured (patch ${config.patch.length > 0 ? config.patch.join(",") : "none"}${config.changes ? " and the changes named" : ""}: what each elision is measured against; JSON baseline) ${n(r.baseline.cycles)} cycles, ${n(r.baseline.leafExits)} leaf exits, ${n(r.baseline.l0Traps)} L0 traps; per-exit groups from the first ${r.exitWindowMs} ms`,
    "  cycles/leaf exit, L0 traps/leaf exit: saved per leaf exit (FP traps and ticks included) of the run each figure comes from: the configured run (put/load), the exit window's run (per-exit traps)",
    "",
    formatTable(
      ["rank", "kind", "component", "wall saving", "cycles/leaf exit", "L0 traps/leaf exit"],
      r.candidates.map((c) => [String(c.rank), c.kind, c.component, pct(c.wallSaving), n(c.cyclesPerLeafExit), n(c.l0TrapsPerLeafExit, 2)]),
    ),
    "",
    "what each elision would have to argue:",
    ...r.candidates.map((c) => `  ${c.rank}. ${c.component} (${c.kind}): ${c.note}`),
  ].join("\n");
}

export const candidatesCommand: Command = {
  name: "candidates",
  summary: "rank the parts of a nested transition's work by what eliding each would save (upper bounds)",
  options: OPTIONS,
  help: () =>
    helpText(
      "nestlab candidates [options]",
      "For a configuration, ranks each put/load component (FP, timer, vgic, debug, PMU, FGT, system registers, stage-2/MMU:\n" +
        "dropped under IN_NESTED_ERET / IN_NESTED_EXCEPTION at every level, the run repeated) and each per-exit trap group\n" +
        "of the guest hypervisors (by what the trapping access was for) by the wall-clock saving its elision would give,\n" +
        "with cycles and L0 traps per leaf exit and the correctness argument it needs. Upper bounds. docs/changes.md.",
      OPTIONS,
    ) + glossaryText("candidates"),
  run(argv, io) {
    const p = parseArgs(argv, OPTIONS, "candidates");
    if (p.flags.get("help")) {
      io.out(candidatesCommand.help());
      return 0;
    }
    noPositionals(p);
    const o = runOptionsFrom(p, io);
    const windowMs = num(p, "exit-window-ms", EXIT_WINDOW_MS);
    const r = withCostsNamed(p, () => candidates(o, windowMs, io.progress));
    const config = runConfig(p, o);
    io.out(o.json ? JSON.stringify({ ...r, config }) + "\n" : text(r, config) + "\n");
    return 0;
  },
};
