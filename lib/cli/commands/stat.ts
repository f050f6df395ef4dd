import { formatDuration } from "../../util/format";
import type { RunResult } from "../../run/run";
import { StatCollector, type StatSummary } from "../../trace/collectors";
import { runTraced, TRACE_DEFAULTS } from "../../trace/run";
import { TRACEPOINT_NAMES } from "../../trace/tracepoints";
import { exactJson } from "../../util/json";
import { helpText, noPositionals, type OptionSpec, parseArgs, withCostsNamed } from "../args";
import type { Command } from "../command";
import { formatTable } from "../format";
import { glossaryText } from "../glossary";
import { type ConfigBlock, configText } from "../config";
import { runConfig } from "./run";
import { tracedRunOptions, tracedRunOptionsFrom } from "./traced";

const OPTIONS: readonly OptionSpec[] = tracedRunOptions(TRACE_DEFAULTS.statDurationMs.value);

export function statJson(r: RunResult, s: StatSummary, durationMs: number, config?: ConfigBlock): unknown {
  return {
    ...(config ? { config } : {}),
    workload: r.workload,
    depth: r.depth,
    seed: r.seed,
    durationMs,
    cycles: r.cycles,
    seconds: r.seconds,
    leafExits: r.leafExits,
    leafFpTraps: r.leafFpTraps,
    l0Traps: r.l0Traps,
    levels: s.levels,
    exits: s.exits,
    events: s.events,
  };
}

const big = (v: bigint | number): string => v.toLocaleString("en-US");
const pct = (x: number): string => (100 * x).toFixed(2) + "%";

function statText(r: RunResult, s: StatSummary, durationMs: number, config: ConfigBlock): string {
  const exitRows = s.exits.map((x) => [
    `L${x.level}`,
    x.ec,
    x.reason,
    big(x.count),
    pct(x.share),
    big(x.cycles),
    pct(x.cycleShare),
    big(x.minCycles),
    big(x.maxCycles),
    big(Math.round(x.avgCycles)),
  ]);
  const levels = Array.from({ length: r.depth + 1 }, (_, l) => l);
  const counts = new Map(s.events.map((e) => [`${e.level}:${e.event}`, e.count]));
  const eventRows = TRACEPOINT_NAMES.filter((n) => levels.some((l) => counts.has(`${l}:${n}`))).map((n) => [
    n,
    ...levels.map((l) => big(counts.get(`${l}:${n}`) ?? 0)),
  ]);
  return [
    `stat ${r.workload}  depth ${r.depth}  seed ${r.seed}  work ${durationMs} ms`,
    ...configText(config),
    `  cycles ${big(r.cycles)} (${formatDuration(r.seconds, 4)})  leaf exits ${big(r.leafExits)} (leaf FP traps ${big(r.leafFpTraps)})  L0 traps ${big(r.l0Traps)}`,
    "",
    "exits by level and reason (cycles: from the level's exit until its guest runs again, nested traps included)",
    formatTable(["level", "ec", "reason", "count", "count%", "cycles", "time%", "min", "max", "avg"], exitRows),
    "",
    "events by level",
    formatTable(["event", ...levels.map((l) => `L${l}`)], eventRows),
  ].join("\n");
}

export const statCommand: Command = {
  name: "stat",
  summary: "a run summarized like kvm_stat / perf kvm stat: exits and events by level and reason",
  options: OPTIONS,
  help: () =>
    helpText(
      "nestlab stat [options]",
      "Runs the leaf's work stream with tracing (the exact engine) and prints exits by level and reason (count,\n" +
        "share, cycles, min/max/avg) and every tracepoint's count by level, as kvm_stat and `perf kvm stat` do.",
      OPTIONS,
    ) + glossaryText("stat"),
  run(argv, io) {
    const p = parseArgs(argv, OPTIONS, "stat");
    if (p.flags.get("help")) {
      io.out(statCommand.help());
      return 0;
    }
    noPositionals(p);
    const o = tracedRunOptionsFrom(p, io, TRACE_DEFAULTS.statDurationMs.value);
    const c = new StatCollector();
    const r = withCostsNamed(p, () => runTraced(o, "*", c.add));
    const s = c.summary();
    const config = runConfig(p, o);
    io.out(o.json ? exactJson(statJson(r, s, o.durationMs, config)) + "\n" : statText(r, s, o.durationMs, config) + "\n");
    return 0;
  },
};
