import { formatDuration } from "../../util/format";
import { isMicroOp, MICRO_DEFAULT_ITERATIONS, MICRO_OPS, MICRO_WARMUP, runMicro } from "../../micro/micro";
import { ConfigError } from "../../util/errors";
import { didYouMean, echo, nearest } from "../../util/text";
import { CHANGE_OPTION, COMMON_OPTIONS, changesJson, changesText, commonOptions, helpText, num, oneOf, type OptionSpec, parseArgs, withCostsNamed } from "../args";
import type { Command, CommandIO } from "../command";
import { formatTable } from "../format";
import { glossaryText } from "../glossary";
import { configBlock, configText } from "../config";

const OPTIONS: readonly OptionSpec[] = [
  { name: "iterations", kind: "value", value: { type: "integer", min: 1, max: 1_000_000 }, help: `measured iterations after ${MICRO_WARMUP} warm-up ones; default ${MICRO_DEFAULT_ITERATIONS}` },
  { name: "leaf-fp", kind: "bool", help: "the leaf uses FP/SIMD between iterations (where the FP-elision patch shows)" },
  { name: "engine", kind: "value", value: { type: "enum", values: ["fast", "exact"] }, help: "fast (default): memoized trap handling, any depth; exact: every operation stepped" },
  ...COMMON_OPTIONS,
  CHANGE_OPTION,
];

export const microCommand: Command = {
  name: "micro",
  summary: "per-iteration cost of one leaf operation (kvm-unit-tests micro-bench style)",
  options: OPTIONS,
  positionals: { field: "op", min: 1, max: 1, value: { type: "enum", values: MICRO_OPS } },
  help: () =>
    helpText(
      `nestlab micro <${MICRO_OPS.join("|")}> [options]`,
      "Runs one leaf operation in a loop and prints the average per iteration: cycles, time, L0 traps, FP traps,\n" +
        "FP saves/restores, nested exceptions/ERETs, and the same by level.",
      OPTIONS,
    ) + glossaryText("micro"),
  run(argv: readonly string[], io: CommandIO): number {
    const p = parseArgs(argv, OPTIONS, "micro");
    if (p.flags.get("help")) {
      io.out(microCommand.help());
      return 0;
    }
    const op = p.positionals[0];
    if (op === undefined) throw new ConfigError("op", "", "", `micro needs an op: nestlab micro <${MICRO_OPS.join("|")}> [options]`);
    if (!isMicroOp(op)) throw new ConfigError("op", op, `${MICRO_OPS.join(", ")}${didYouMean(nearest(op, MICRO_OPS))}`);
    if (p.positionals.length > 1) throw new ConfigError("op", p.positionals.slice(1).join(" "), "", `unexpected argument '${echo(p.positionals[1]!)}': micro takes one op`);
    const common = commonOptions(p);
    const iterations = num(p, "iterations", MICRO_DEFAULT_ITERATIONS);
    const engine = oneOf(p, "engine", "fast") as "fast" | "exact";
    const r = withCostsNamed(p, () => runMicro(common.model, { op, iterations, leafFp: p.flags.get("leaf-fp") ?? false, engine }, io.progress));
    const ns = r.cycles / common.clockGhz;
    const result = {
      ...r,
      ns,
      // the shared configuration block (lib/cli/config.ts): micro uses no seed, duration or workload
      config: configBlock({ model: common.model, clockGhz: common.clockGhz }),
      ...(common.listed.length > 0 ? { changes: changesJson(common.listed) } : {}),
    };
    if (common.json) {
      io.out(JSON.stringify(result) + "\n");
      return 0;
    }
    const head = `micro ${r.op}  depth ${r.depth}  ${common.model.nv2 ? "NV2" : "NV only"}  patch ${
      common.model.patch.length ? common.model.patch.join(",") : "none"
    }  sve-vl ${common.model.sveVl}${r.leafFp ? "  leaf-fp" : ""}${changesText(common.listed)}  (${r.iterations} iterations)`;
    const fields = ["exits", "fullExits", "fastExits", "nestedExceptions", "nestedErets", "fpTraps", "fpSaves", "fpRestores", "fpSavesElided", "cycles"] as const;
    // the columns are named for what they count: fpSavesElided counts put_fp calls the change skipped (glossary), not saves
    const headers: Partial<Record<(typeof fields)[number], string>> = { fpSavesElided: "putFpSkipped" };
    const rows = r.byLevel.map((l) => [`L${l.level}`, ...fields.map((f) => fmt(l[f]))]);
    io.out(
      [
        head,
        ...configText(result.config),
        `  cycles/iteration  ${fmt(r.cycles)}  (${formatDuration(ns / 1e9, 4)} at ${common.clockGhz} GHz)`,
        `  L0 traps ${fmt(r.l0Traps)}  FP traps ${fmt(r.fpTraps)}  FP saves ${fmt(r.fpSaves)}  FP restores ${fmt(r.fpRestores)}`,
        `  nested exceptions ${fmt(r.nestedExceptions)}  nested ERETs ${fmt(r.nestedErets)}`,
        "",
        formatTable(["level", ...fields.map((f) => headers[f] ?? f)], rows),
      ].join("\n") + "\n",
    );
    return 0;
  },
};

function fmt(v: number): string {
  return Number.isInteger(v) ? v.toLocaleString("en-US") : v.toLocaleString("en-US", { maximumFractionDigits: 2 });
}

