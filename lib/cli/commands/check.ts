import { FP_POLICIES, type FpPolicy } from "../../kvm/policy";
import { checkExhaustive, checkRandom, stepAlphabet } from "../../oracle/check";
import { ConfigError } from "../../util/errors";
import { COMMON_OPTIONS, commonOptions, helpText, intOpt, type OptionSpec, parseArgs } from "../args";
import type { Command } from "../command";

const OPTIONS: readonly OptionSpec[] = [
  { name: "policy", kind: "value", accepted: FP_POLICIES.join(", "), help: "FP save/restore policy run by the levels in --patch; default nv-fp-elision" },
  { name: "steps", kind: "value", accepted: "an integer 1..100000000", help: "random mode: total scheduled events (schedules of 48 from a fresh system); default 100000" },
  { name: "exhaustive", kind: "bool", help: "every schedule up to --max-len instead of random ones" },
  { name: "max-len", kind: "value", accepted: "an integer 0..6", help: "exhaustive mode: longest schedule; default 4" },
  { name: "engine", kind: "value", accepted: "fast, exact", help: "fast (default): memoized handling replaying the FP observer calls it recorded; exact: every operation stepped (up to 3 million L0 traps per schedule)" },
  ...COMMON_OPTIONS,
];

export const checkCommand: Command = {
  name: "check",
  summary: "FP/SVE integrity: run schedules with the correctness oracle and report state lost or leaked",
  help: () =>
    helpText(
      "nestlab check [--policy P] [--steps N | --exhaustive --max-len L] [options]",
      "Runs random (or all bounded) schedules of leaf FP use, leaf exits (nested exceptions/ERETs at every level),\n" +
        "host preemption, kernel-mode NEON (also inside the IN_NESTED windows), vcpu migration and VL changes on the\n" +
        "hypervisor model with the FP oracle, and prints violations with a shrunk, minimal counterexample.",
      OPTIONS,
    ),
  run(argv, io) {
    const p = parseArgs(argv, OPTIONS);
    if (p.flags.get("help")) {
      io.out(checkCommand.help());
      return 0;
    }
    if (p.positionals.length) throw new ConfigError("command", `check ${p.positionals.join(" ")}`, "check takes no positional arguments");
    const policy = (p.values.get("policy") ?? "nv-fp-elision") as FpPolicy;
    if (!FP_POLICIES.includes(policy)) throw new ConfigError("policy", policy, FP_POLICIES.join(", "));
    const common = commonOptions(p);
    const exhaustive = p.flags.get("exhaustive") ?? false;
    if (exhaustive && p.values.has("steps")) throw new ConfigError("steps", p.values.get("steps")!, "no --steps with --exhaustive (use --max-len)");
    if (!exhaustive && p.values.has("max-len")) throw new ConfigError("max-len", p.values.get("max-len")!, "--max-len only with --exhaustive");
    const engine = p.values.get("engine") ?? "fast";
    if (engine !== "fast" && engine !== "exact") throw new ConfigError("engine", engine, "fast, exact");
    const cfg = { model: common.model, policy, engine } as const;
    const r = exhaustive
      ? checkExhaustive(cfg, intOpt(p, "max-len", 4, 0, 6), io.progress)
      : checkRandom(cfg, { steps: intOpt(p, "steps", 100_000, 1, 100_000_000), seed: common.seed, ...(io.progress ? { progress: io.progress } : {}) });
    if (common.json) {
      io.out(JSON.stringify(r) + "\n");
      return 0;
    }
    const lines = [
      `check ${r.policy}  depth ${r.depth}  patch ${r.patch.length ? r.patch.join(",") : "none"}  sve-vl ${r.sveVl}  ${r.mode}  engine ${r.engine}` +
        (r.maxLen !== undefined ? ` up to ${r.maxLen} steps` : ""),
      `  ${r.schedules.toLocaleString("en-US")} schedules, ${r.steps.toLocaleString("en-US")} steps over ${stepAlphabet(r.depth, r.sveVl).length} kinds of event`,
      `  violations: ${r.violations}`,
    ];
    if (r.firstViolation) {
      lines.push("  first violation (shrunk):", `    ${r.firstViolation.text}`);
    }
    io.out(lines.join("\n") + "\n");
    return 0;
  },
};
