import { FP_POLICIES, type FpPolicy } from "../../kvm/policy";
import { checkExhaustive, checkRandom, stepAlphabet } from "../../oracle/check";
import { ConfigError } from "../../util/errors";
import { touchesFp } from "../../changes/change";
import { CHANGE_OPTION, COMMON_OPTIONS, changesText, commonOptions, helpText, noPositionals, num, oneOf, type OptionSpec, parseArgs, withCostsNamed } from "../args";
import { configBlock, configText } from "../config";
import { glossaryText } from "../glossary";
import type { Command } from "../command";

const OPTIONS: readonly OptionSpec[] = [
  { name: "policy", kind: "value", value: { type: "enum", values: FP_POLICIES }, help: "FP save/restore policy run by the levels in --patch; default nv-fp-elision" },
  { name: "steps", kind: "value", value: { type: "integer", min: 1, max: 100_000_000 }, help: "random mode: total scheduled events (schedules of 48 from a fresh system); default 100000" },
  { name: "exhaustive", kind: "bool", help: "every schedule up to --max-len instead of random ones" },
  { name: "max-len", kind: "value", value: { type: "integer", min: 0, max: 6 }, help: "exhaustive mode: longest schedule; default 4" },
  { name: "engine", kind: "value", value: { type: "enum", values: ["fast", "exact"] }, help: "fast (default): memoized handling replaying the FP observer calls it recorded; exact: every operation stepped (up to 3 million L0 traps per schedule)" },
  ...COMMON_OPTIONS,
  CHANGE_OPTION,
];

export const checkCommand: Command = {
  name: "check",
  summary: "FP/SVE integrity: run schedules with the correctness oracle and report state lost or leaked (exit 3 on a violation)",
  options: OPTIONS,
  help: () =>
    helpText(
      "nestlab check [--policy P] [--steps N | --exhaustive --max-len L] [options]",
      "Runs random (or all bounded) schedules of leaf FP use, leaf exits (nested exceptions/ERETs at every level),\n" +
        "host preemption, kernel-mode NEON (also inside the IN_NESTED windows), vcpu migration and VL changes on the\n" +
        "hypervisor model with the FP oracle, and prints violations with a shrunk, minimal counterexample.\n" +
        "Every schedule starts from a fresh system and, after its own steps, ends with a final leaf-fp (the leaf uses\n" +
        "FP/SIMD once more), so a schedule printed as [] is that final step alone. violations counts schedules, not reads.\n" +
        "Exit status: 0 no violation, 3 a violation found, 2 bad input, 1 internal error.",
      OPTIONS,
    ) + glossaryText("check"),
  run(argv, io) {
    const p = parseArgs(argv, OPTIONS, "check");
    if (p.flags.get("help")) {
      io.out(checkCommand.help());
      return 0;
    }
    noPositionals(p);
    const policy = oneOf(p, "policy", "nv-fp-elision") as FpPolicy;
    const common = commonOptions(p);
    const exhaustive = p.flags.get("exhaustive") ?? false;
    if (exhaustive && p.values.has("steps")) throw new ConfigError("steps", p.values.get("steps")!, "no --steps with --exhaustive (use --max-len)");
    if (!exhaustive && p.values.has("max-len")) throw new ConfigError("max-len", p.values.get("max-len")!, "--max-len only with --exhaustive");
    const engine = oneOf(p, "engine", "fast") as "fast" | "exact";
    const cfg = { model: common.model, policy, engine } as const;
    const maxLen = num(p, "max-len", 4);
    const steps = num(p, "steps", 100_000);
    const r = withCostsNamed(p, () =>
      exhaustive
        ? checkExhaustive(cfg, maxLen, io.progress)
        : checkRandom(cfg, { steps, seed: common.seed, ...(io.progress ? { progress: io.progress } : {}) }),
    );
    // exit 3: a violation was found (docs/cli.md "Exit codes"), so scripts and CI can gate on the status
    const status = r.violations > 0 ? 3 : 0;
    // the oracle follows FP/SVE register contents: it judges a change that alters FP state handling, and says so of one it cannot
    const judged = common.listed.map((a) => {
      const fp = touchesFp(a.change);
      return {
        name: a.change.name,
        levels: [...a.levels],
        judged: fp,
        note: fp
          ? "alters FP/SVE state handling: judged by the FP/SVE oracle (the violations above count for it)"
          : "not judged: it alters no FP/SVE state handling, and the oracle checks FP/SVE state only (its correctness needs an argument of its own: docs/changes.md)",
      };
    });
    const config = configBlock({ model: common.model, clockGhz: common.clockGhz, seed: common.seed });
    if (common.json) {
      io.out(JSON.stringify({ ...r, config, ...(judged.length > 0 ? { changes: judged } : {}) }) + "\n");
      return status;
    }
    const lines = [
      `check ${r.policy}  depth ${r.depth}  patch ${r.patch.length ? r.patch.join(",") : "none"}  sve-vl ${r.sveVl}  ${r.mode}  engine ${r.engine}` +
        (r.maxLen !== undefined ? ` up to ${r.maxLen} steps` : "") +
        changesText(common.listed),
      `  ${r.schedules.toLocaleString("en-US")} schedules, ${r.steps.toLocaleString("en-US")} steps over ${stepAlphabet(r.depth, r.sveVl).length} kinds of event`,
      ...configText(config),
      `  every schedule starts from a fresh system and ends with a final ${r.finalStep} (the leaf uses FP/SIMD once more), so state lost by its last step is read`,
      `  violations: ${r.violations.toLocaleString("en-US")} of ${r.schedules.toLocaleString("en-US")} schedules` +
        (r.violations > 0
          ? ` (counted per schedule: a violating schedule counts once, stopped at its first wrong read` +
            (r.mode === "exhaustive" ? "; its longer extensions are not run" : "") +
            ")"
          : ""),
    ];
    if (r.firstViolation) {
      lines.push("  first violation (shrunk):", `    ${r.firstViolation.text}`);
      if (r.firstViolation.schedule.length === 0) {
        lines.push(`    the final ${r.finalStep} alone already violates, so (almost) every schedule does: the count then follows the number of schedules, not the seed`);
      }
    }
    for (const c of judged) lines.push(`  change ${c.name}: ${c.note}`);
    io.out(lines.join("\n") + "\n");
    return status;
  },
};
