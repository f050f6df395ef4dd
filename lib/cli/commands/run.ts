import { formatDuration } from "../../util/format";
import { compareBaseline, type CompareResult, progressPart, runCompare, SAVING_MECHANISMS } from "../../run/compare";
import { SENSITIVITY_CASES, sensitivity } from "../../run/sensitivity";
import { EXIT_WINDOW_MS, exitAttribution, type ExitDiffRow, exitDiff } from "../../run/exit";
import { RUN_DEFAULTS, RUN_VALUES, type RunOptions, type RunResult, runWorkload } from "../../run/run";
import type { Adopted } from "../../changes/change";
import { ConfigError } from "../../util/errors";
import { exactJson } from "../../util/json";
import { isProfileFile, loadProfile } from "../../workload/load";
import { PROFILE_NAMES } from "../../workload/profiles";
import { CHANGE_OPTION, COMMON_OPTIONS, changesJson, commonOptions, helpText, noPositionals, num, oneOf, type OptionSpec, type ParsedArgs, parseArgs, withCostsNamed } from "../args";
import type { Command, CommandIO } from "../command";
import { formatTable } from "../format";
import { glossaryText } from "../glossary";
import { type Progress, staged } from "../progress";
import { type ConfigBlock, configBlock, configText } from "../config";

export const RUN_OPTIONS: readonly OptionSpec[] = [
  {
    name: "workload",
    kind: "value",
    value: { type: "name-or-file", values: PROFILE_NAMES, what: "a workload profile (FILE.json)", content: "workload" },
    help: "the leaf's workload profile; default io-heavy",
  },
  { name: "io-rate", kind: "value", value: RUN_VALUES.ioRate, help: "I/O exits per second of work time (overrides the profile's)" },
  { name: "timer-hz", kind: "value", value: RUN_VALUES.timerHz, help: "the leaf's timer tick (overrides the profile's; 0: tickless)" },
  { name: "hyp-hz", kind: "value", value: RUN_VALUES.hypHz, help: `every hypervisor kernel's tick (L0 and guest hypervisors); default ${RUN_DEFAULTS.guestHypHz.value}, 0: tickless (nohz_full)` },
  { name: "duration-ms", kind: "value", value: RUN_VALUES.durationMs, help: `length of the leaf's work stream in native work time; default ${RUN_DEFAULTS.durationMs.value}` },
  { name: "engine", kind: "value", value: { type: "enum", values: ["fast", "exact"] }, help: "fast (default): memoized trap handling; exact: every operation stepped" },
  ...COMMON_OPTIONS,
  CHANGE_OPTION,
];

const COMPARE_OPTIONS: readonly OptionSpec[] = [
  ...RUN_OPTIONS,
  { name: "sensitivity", kind: "bool", help: "also run the sensitivity band: unsourced unit costs x0.5 and x2 (each and all), clock 2.0/3.5 GHz" },
  {
    name: "exit-window-ms",
    kind: "value",
    value: { type: "number", min: 0, max: 1000, note: "ms; 0: off" },
    help: `the cost of one leaf event (an exit of the leaf's stream with the FP traps it causes), by the code that raised each trap: the first MS of the stream on the exact engine; default ${EXIT_WINDOW_MS}, 0: off`,
  },
];

export function runOptionsFrom(p: ParsedArgs, io: CommandIO, defaultMs: number = RUN_DEFAULTS.durationMs.value): RunOptions & { json: boolean; listed?: readonly Adopted[] } {
  const common = commonOptions(p);
  const engine = p.specs.has("engine") ? (oneOf(p, "engine", "fast") as "fast" | "exact") : "fast";
  return {
    model: common.model,
    profile: loadProfile(p.values.get("workload") ?? "io-heavy"),
    ...(p.values.has("io-rate") ? { ioRate: num(p, "io-rate", 0) } : {}),
    ...(p.values.has("timer-hz") ? { timerHz: num(p, "timer-hz", 0) } : {}),
    hypHz: num(p, "hyp-hz", RUN_DEFAULTS.guestHypHz.value),
    durationMs: num(p, "duration-ms", defaultMs),
    seed: common.seed,
    clockGhz: common.clockGhz,
    hostPreemptRate: common.hostPreemptRate,
    hostNeonRate: common.hostNeonRate,
    engine,
    ...(io.progress ? { progress: io.progress } : {}),
    json: common.json,
    ...(common.listed.length > 0 ? { compareBaseline: common.baseline, listed: common.listed } : {}),
  };
}

/** The configuration block (lib/cli/config.ts) of a command that ran the leaf's stream with these options. */
export function runConfig(p: ParsedArgs, o: RunOptions, workload?: { profile: RunOptions["profile"]; name: string; fromFile: boolean }): ConfigBlock {
  const arg = p.values.get("workload") ?? "io-heavy";
  return configBlock({
    model: o.model,
    clockGhz: o.clockGhz,
    seed: o.seed,
    run: {
      profile: workload?.profile ?? o.profile,
      workload: workload?.name ?? arg,
      fromFile: workload?.fromFile ?? isProfileFile(arg),
      durationMs: o.durationMs,
      ...(o.ioRate !== undefined ? { ioRate: o.ioRate } : {}),
      ...(o.timerHz !== undefined ? { timerHz: o.timerHz } : {}),
      ...(o.hypHz !== undefined ? { hypHz: o.hypHz } : {}),
      hostPreemptRate: o.hostPreemptRate,
      hostNeonRate: o.hostNeonRate,
    },
  });
}

/** the JSON form of a run: every field of the result (bigints printed exactly by exactJson) */
export function runJson(r: RunResult): unknown {
  return r;
}

const big = (v: bigint): string => v.toLocaleString("en-US");

function runText(r: RunResult, config: ConfigBlock): string {
  const fields = ["exits", "nestedExceptions", "nestedErets", "fpTraps", "fpSaves", "fpRestores", "cycles"] as const;
  const rows = r.byLevel.map((l) => [`L${l.level}`, ...fields.map((f) => big(l[f]))]);
  return [
    `run ${r.workload}  depth ${r.depth}  seed ${r.seed}`,
    ...configText(config),
    `  cycles ${big(r.cycles)}  (${formatDuration(r.seconds, 4)})  useful ${big(r.usefulCycles)}  overhead x${(Number(r.cycles) / Number(r.usefulCycles)).toFixed(3)}`,
    `  leaf exits ${big(r.leafExits)} (leaf FP traps ${big(r.leafFpTraps)})  L0 traps ${big(r.l0Traps)}  FP traps ${big(r.fpTraps)}  FP saves ${big(r.fpSaves)}  FP restores ${big(r.fpRestores)}`,
    "",
    formatTable(["level", ...fields], rows),
    ...leafExitsNote(r),
  ].join("\n");
}

/**
 * Why the leaf's hypervisor's exits differ from the leaf exits: a level's exits are the exceptions that entered its
 * hypervisor from its guest; the leaf exits that a lower level completed itself never reach L(d-1).
 */
function leafExitsNote(r: RunResult): string[] {
  const top = r.byLevel[r.depth - 1];
  if (r.depth < 2 || top === undefined) return [];
  const below = r.leafExits - top.exits;
  if (below < 0n) return [];
  return [
    `  L${top.level} exits ${big(top.exits)} of the leaf's ${big(r.leafExits)}: a level's exits are those that entered its hypervisor from its guest; ` +
      `the other ${big(below)} leaf exits were completed below L${top.level} (L0 or a guest hypervisor: its own timer tick interrupting the leaf, shadow stage-2 faults) without reaching it`,
  ];
}

export const runCommand: Command = {
  name: "run",
  summary: "a fixed-work run of a leaf workload",
  options: RUN_OPTIONS,
  help: () => helpText("nestlab run [options]", "Runs the leaf's seeded event stream (fixed work) and prints cycles, time, exits and FP work by level.", RUN_OPTIONS) + glossaryText("run"),
  run(argv, io) {
    const p = parseArgs(argv, RUN_OPTIONS, "run");
    if (p.flags.get("help")) {
      io.out(runCommand.help());
      return 0;
    }
    noPositionals(p);
    const o = runOptionsFrom(p, io);
    const r = withCostsNamed(p, () => runWorkload(o));
    const config = runConfig(p, o);
    io.out(o.json ? exactJson({ ...(runJson(r) as object), config }) + "\n" : runText(r, config) + "\n");
    return 0;
  },
};

/** the cost of one leaf event before and after the change (compare's `exit`) */
export interface CompareExit {
  readonly windowMs: number;
  readonly leafEvents: number;
  readonly baseline: { readonly cycles: number; readonly l0Traps: number };
  readonly patched: { readonly cycles: number; readonly l0Traps: number };
  readonly rows: readonly ExitDiffRow[];
}

export function compareExit(o: RunOptions, windowMs: number): CompareExit {
  const b = exitAttribution({ ...o, model: compareBaseline(o), progress: progressPart(o.progress, 0, 2, "compare exit window") }, windowMs);
  const p = exitAttribution({ ...o, progress: progressPart(o.progress, 1, 2, "compare exit window") }, windowMs);
  return { windowMs: b.durationMs, leafEvents: b.leafEvents, baseline: b.perExit, patched: p.perExit, rows: exitDiff(b, p) };
}

/** a row's label: who raised the traps (or whose direct work it is), in which code, for what */
export function exitRowLabel(r: { kind: string; level: number; phase: string; part: string }): string {
  if (r.kind !== "raised") return `direct L${r.level} ${r.phase}`;
  return r.part === "eret" ? `L${r.level} eret${r.phase === "exception" ? "" : ` (${r.phase})`}` : `L${r.level} ${r.phase} ${r.part}`;
}

export function exitText(x: CompareExit): string {
  // a value that rounds to zero prints 0, not -0
  const n = (v: number, d = 0): string => (Number(v.toFixed(d)) === 0 ? 0 : v).toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
  // rows that print as zero in both runs (every cell rounds to 0) say nothing: the text omits them (the JSON keeps every row)
  const zero = (r: ExitDiffRow): boolean =>
    [r.baseline.l0Traps, r.patched.l0Traps].every((v) => n(v, 2) === "0.00") && [r.baseline.cycles, r.patched.cycles].every((v) => n(v) === "0");
  const rows = x.rows.filter((r) => !zero(r));
  const omitted = x.rows.length - rows.length;
  return [
    `one leaf event (one exit of the leaf's stream, with the FP traps it causes; ticks apart; mean over the ${x.leafEvents} leaf events of the first ${x.windowMs} ms, exact engine): ` +
      `baseline ${n(x.baseline.cycles)} cycles, ${n(x.baseline.l0Traps, 1)} L0 traps; patched ${n(x.patched.cycles)} cycles, ${n(x.patched.l0Traps, 1)} L0 traps`,
    "by the code that raised each trap (Lk phase part: traps guest hypervisor Lk raised; direct: the handling levels' own work; self cycles):",
    formatTable(
      ["raised by", "L0 traps before", "after", "cycles before", "after", "saved"],
      rows.map((r) => [
        exitRowLabel(r),
        n(r.baseline.l0Traps, 2),
        n(r.patched.l0Traps, 2),
        n(r.baseline.cycles),
        n(r.patched.cycles),
        n(r.baseline.cycles - r.patched.cycles),
      ]),
    ),
    ...(omitted > 0 ? [`(${omitted} row(s) omitted: zero in both runs at this precision, under 0.005 L0 traps and 0.5 cycles per leaf event; --json lists every row)`] : []),
  ].join("\n");
}

export function compareJson(c: CompareResult, config?: ConfigBlock): unknown {
  return {
    ...(config ? { config } : {}),
    baseline: runJson(c.baseline),
    patched: runJson(c.patched),
    speedup: c.speedup,
    wallReduction: c.wallReduction,
    attribution: c.attribution,
    saving: c.saving,
  };
}

/** the saving by mechanism and level, with each bucket's share of the total */
export function savingText(c: CompareResult): string {
  const total = c.attribution.totalSaved;
  const pct = (v: bigint): string => (total !== 0n ? `${((100 * Number(v)) / Number(total)).toFixed(2)}%` : "-");
  return [
    "the saving by mechanism (level: whose KVM acted; buckets sum to the total):",
    formatTable(
      ["mechanism", "level", "saved", "share"],
      [...c.saving.map((b) => [b.mechanism, b.level === null ? "-" : `L${b.level}`, big(b.saved), pct(b.saved)]), ["total", "", big(total), pct(total)]],
    ),
    ...Object.entries(SAVING_MECHANISMS)
      .filter(([m]) => c.saving.some((b) => b.mechanism === m))
      .map(([m, d]) => `  ${m}: ${d}`),
  ].join("\n");
}

/**
 * Levels whose FP saves and restores the change does not avoid, yet whose FP work got cheaper: the table above shows 0
 * for them while the mechanism table credits them; say why (the FP access a save or restore needs traps less often).
 */
function fpCheaperText(c: CompareResult): string[] {
  const out: string[] = [];
  for (const l of c.attribution.fpByLevel) {
    if (l.fpSavesAvoided !== 0n || l.fpRestoresAvoided !== 0n) continue;
    const mine = c.saving.filter((b) => b.level === l.level && (b.mechanism === "fp-save" || b.mechanism === "fp-restore" || b.mechanism === "fp-moves"));
    const saved = mine.reduce((t, b) => t + b.saved, 0n);
    if (saved <= 0n) continue;
    const b = c.baseline.byLevel[l.level]!;
    out.push(
      `L${l.level}: none of its FP saves or restores is avoided (${big(b.fpSaves)} saves, ${big(b.fpRestores)} restores in both runs), yet they cost ${big(saved)} cycles less ` +
        `(${mine.map((x) => x.mechanism).join(", ")} below): the FP access they need traps less often, as the levels below keep the FP state live across their nested transitions`,
    );
  }
  return out;
}

function compareText(c: CompareResult, patch: readonly number[], config: ConfigBlock): string {
  const a = c.attribution;
  const lines = [
    `compare ${c.baseline.workload}  depth ${c.baseline.depth}  patch none vs ${patch.length ? patch.join(",") : "none"}  seed ${c.baseline.seed}`,
    ...configText(config),
    `  baseline ${big(c.baseline.cycles)} cycles (${formatDuration(c.baseline.seconds, 4)})   patched ${big(c.patched.cycles)} cycles (${formatDuration(c.patched.seconds, 4)})`,
    `  speedup ${c.speedup.toFixed(4)}   wall-clock reduction ${(100 * c.wallReduction).toFixed(2)}%`,
    `  leaf exits: baseline ${big(c.baseline.leafExits)} (FP traps ${big(c.baseline.leafFpTraps)}), patched ${big(c.patched.leafExits)} (FP traps ${big(c.patched.leafFpTraps)})`,
    `  the leaf's other exits: ${big(c.baseline.leafExits - c.baseline.leafFpTraps)} and ${big(c.patched.leafExits - c.patched.leafFpTraps)} ` +
      `(for its stream's events, identical in both runs, and for the ticks that interrupt it, which follow wall time)`,
    `  L0 traps avoided ${big(a.l0TrapsAvoided)}`,
    `  outermost FP traps avoided ${big(a.fpTrapsAvoided)} (raised outside other FP work; each cost ${Math.round(a.cyclesPerFpTrap).toLocaleString("en-US")} cycles inclusive in the baseline)`,
    `  FP traps handled avoided, all levels ${big(a.fpTrapsHandledAvoided)} (every FP trap a level's KVM handled, those raised inside other FP work included: the table's total)`,
    `  inclusive cycles saved: FP traps ${big(a.fpTrapCyclesSaved)}, FP saves ${big(a.fpSaveCyclesSaved)}, FP restores ${big(a.fpRestoreCyclesSaved)}, ZCR ${big(a.zcrCyclesSaved)}`,
    "",
    "FP work avoided by the level whose KVM did it (FP traps handled: every lazy FP restore that level performed, the traps raised inside other FP work included;",
    "nested transitions: the patched run's nested exceptions + nested ERETs at that level):",
    formatTable(
      ["level", "FP saves avoided", "FP restores avoided", "FP traps handled avoided", "bytes avoided", "nested transitions"],
      [
        ...a.fpByLevel.map((l) => [`L${l.level}`, big(l.fpSavesAvoided), big(l.fpRestoresAvoided), big(l.fpTrapsAvoided), big(l.fpBytesAvoided), big(l.nestedTransitions)]),
        [
          "total",
          big(a.fpByLevel.reduce((t, l) => t + l.fpSavesAvoided, 0n)),
          big(a.fpByLevel.reduce((t, l) => t + l.fpRestoresAvoided, 0n)),
          big(a.fpTrapsHandledAvoided),
          big(a.fpByLevel.reduce((t, l) => t + l.fpBytesAvoided, 0n)),
          big(a.fpByLevel.reduce((t, l) => t + l.nestedTransitions, 0n)),
        ],
      ],
    ),
    ...fpCheaperText(c),
    "",
    "cycles saved by the level whose software ran, and mechanism:",
    formatTable(["level", "mechanism", "saved"], a.byLevelMechanism.map((x) => [x.level === c.baseline.depth ? `L${x.level} (leaf)` : `L${x.level}`, x.mechanism, big(x.saved)])),
    "",
    savingText(c),
  ];
  return lines.join("\n");
}

export const compareCommand: Command = {
  name: "compare",
  summary: "the same run with --patch none and with the given --patch: speedup and where it comes from",
  options: COMPARE_OPTIONS,
  help: () =>
    helpText(
      "nestlab compare [options]",
      "Runs the identical leaf stream twice (same seed): without the FP-elision patch and with --patch (default all).",
      COMPARE_OPTIONS,
    ) + glossaryText("compare"),
  run(argv, io) {
    const p = parseArgs(argv, COMPARE_OPTIONS, "compare");
    if (p.flags.get("help")) {
      io.out(compareCommand.help());
      return 0;
    }
    noPositionals(p);
    const o = runOptionsFrom(p, io);
    if (o.model.patch.length === 0 && o.listed === undefined) {
      // the baseline is --patch none: comparing it with itself says nothing
      throw new ConfigError("patch", p.values.get("patch") ?? "none", `all, or a comma list of levels 0..${o.model.depth - 1}: compare runs --patch none as its baseline, so --patch none would compare the baseline with itself`);
    }
    const windowMs = num(p, "exit-window-ms", EXIT_WINDOW_MS);
    const config = runConfig(p, o);
    // one progress over the stages, weighted by their runs (the band: its base and every case, two runs each)
    const withBand = p.flags.get("sensitivity") ?? false;
    const weights = [2, ...(windowMs > 0 ? [2] : []), ...(withBand ? [2 * (SENSITIVITY_CASES + 1)] : [])];
    const stage = staged(io.progress, "compare", weights);
    const at = (i: number, label: string): { progress?: Progress } => {
      const pr = stage(i, label);
      return pr ? { progress: pr } : {};
    };
    const { progress: _own, ...quiet } = o;
    const c = withCostsNamed(p, () => runCompare({ ...quiet, ...at(0, "runs") }));
    const exit = windowMs > 0 ? withCostsNamed(p, () => compareExit({ ...quiet, ...at(1, "exit window, exact engine") }, windowMs)) : undefined;
    const band = withBand ? withCostsNamed(p, () => sensitivity(o, stage(weights.length - 1, "sensitivity band"))) : undefined;
    if (o.json) {
      const changes = o.listed ? { changes: changesJson(o.listed) } : {};
      io.out(exactJson({ ...(compareJson(c, config) as object), ...changes, ...(exit ? { exit } : {}), ...(band ? { sensitivity: band } : {}) }) + "\n");
      return 0;
    }
    let text = (o.listed ? `baseline: without --change ${o.listed.map((a) => `${a.change.name}@${a.levels.join(",") || "none"}`).join(" ")}\n` : "") + compareText(c, o.model.patch, config) + "\n";
    if (exit) text += "\n" + exitText(exit) + "\n";
    if (band) {
      const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;
      text +=
        `\nsensitivity band of the wall-clock reduction: ${pct(band.min.wallReduction)} (${band.min.name}) .. ` +
        `${pct(band.max.wallReduction)} (${band.max.name}); base ${pct(band.base.wallReduction)}\n` +
        formatTable(["case", "wall reduction", "speedup"], band.cases.map((x) => [x.name, pct(x.wallReduction), x.speedup.toFixed(4)])) +
        "\n";
    }
    io.out(text);
    return 0;
  },
};

