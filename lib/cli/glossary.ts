/**
 * What every figure and column of the commands' text output counts, declared once: each command's `--help` prints its
 * entries (helpText), and docs/cli.md "Glossary of output columns" is generated from them (`glossaryMarkdown`; a
 * test keeps the two equal). Counter fields are defined in full in docs/counters.md; these are the short forms.
 */
import { EXACT_QUANTILES_UP_TO, QUANTILE_ERROR } from "../real/histogram";
import { RATE_MIN_EXITS, RATE_MIN_SECONDS } from "../real/importer";

export type Entry = readonly [label: string, definition: string];

/** Definitions shared by several commands. */
const D = {
  level: "Lj, the hypervisor level whose KVM acted (took the exit, did the put/load, saved or restored FP state); L0 is the host",
  exits: "exceptions that entered this level's hypervisor from its guest, handled there or forwarded up",
  fullExits: "of those exits, the ones through a full exit (run loop, or forwarded up)",
  fastExits: "of those exits, the ones completed on a hyp fast path",
  nestedExceptions: "exceptions this level delivered into the vEL2 of the guest hypervisor above it, with a put/load pair",
  nestedErets: "ERETs of the guest hypervisor above, from its vEL2 into its guest, that this level emulated with a put/load pair",
  fpTraps: "FP/SIMD and SVE access traps this level's KVM handled (each a lazy FP restore), wherever they were raised, inside other FP work included",
  fpSaves: "saves of a vcpu's FP/SVE state by this level's put_fp (or load_fp)",
  fpRestores: "restores of a vcpu's FP/SVE state by this level's lazy FP trap (equal to fpTraps)",
  putFpSkipped: "put_fp calls the FP-elision change skipped under IN_NESTED_ERET / IN_NESTED_EXCEPTION, one per nested transition at a patched level, whether or not the vcpu owned the FP registers: a save was avoided only where it did (compare's FP saves avoided); under the unsound elide-save-only policy, the saves it skipped; JSON key fpSavesElided",
  levelCycles: "cycles executed by this level's software (its hypervisor code; at L0 also exception entries and ERETs)",
  cycles: "simulated cycles of the whole run: the leaf's work plus every level's overhead",
  l0Traps: "hardware exceptions taken to L0 from any guest context (fast path or full exit, trapped ERETs included)",
  leafExits: "exceptions the leaf took out of its own context: for its stream's events, the ticks that interrupt it, and its FP/SVE access traps",
  leafFpTraps: "of the leaf exits, the leaf's FP/SIMD and SVE access traps (the change avoids some, so leaf exits differ between the two runs of compare)",
  fpTrapsTotal: "FP traps handled, summed over the levels (the level table's column summed)",
} as const;

const RUN_LEVEL: readonly Entry[] = [
  ["level", D.level],
  ["exits", D.exits],
  ["nestedExceptions", D.nestedExceptions],
  ["nestedErets", D.nestedErets],
  ["fpTraps", D.fpTraps],
  ["fpSaves", D.fpSaves],
  ["fpRestores", D.fpRestores],
  ["cycles (level table)", D.levelCycles],
];

export const GLOSSARY: Readonly<Record<string, readonly Entry[]>> = {
  run: [
    ["cycles", D.cycles],
    ["useful", "the native work of the leaf's stream: --duration-ms at the clock"],
    ["overhead", "cycles / useful"],
    ["leaf exits", D.leafExits],
    ["leaf FP traps", D.leafFpTraps],
    ["L0 traps", D.l0Traps],
    ["FP traps, FP saves, FP restores", "the level table's fpTraps, fpSaves, fpRestores summed over the levels"],
    ...RUN_LEVEL,
    ["leaf exits vs L(d-1) exits", "the level table counts the exits each level's hypervisor handled (from its own guest), the leaf exits count the exceptions the leaf took: L(d-1)'s exits are the leaf exits forwarded to the leaf's hypervisor, and the rest (printed under the table) were completed by a lower level without reaching it: L0's or a guest hypervisor's own timer tick interrupting the leaf, shadow stage-2 faults"],
  ],
  compare: [
    ["baseline, patched", "the same run (same seed, same leaf stream) with --patch none and with --patch"],
    ["speedup", "baseline cycles / patched cycles"],
    ["wall-clock reduction", "1 - patched cycles / baseline cycles"],
    ["leaf exits (FP traps)", `per run: ${D.leafExits}; in parentheses ${D.leafFpTraps.replace(/^of the leaf exits, /, "")}`],
    ["the leaf's other exits", "leaf exits minus the leaf's FP traps: its stream's events (identical in both runs) and the ticks that interrupt it (they follow wall time, so a faster run takes fewer)"],
    ["L0 traps avoided", "baseline l0Traps - patched l0Traps"],
    ["outermost FP traps avoided", "FP traps raised outside any other FP work (a first FP use by the leaf, a VMM or a guest hypervisor's kernel), baseline - patched; JSON attribution.fpTrapsAvoided"],
    ["each cost N cycles", "the mean inclusive cycles of one outermost FP trap in the baseline, every level's handling included"],
    ["FP traps handled avoided, all levels", `${D.fpTrapsTotal}, baseline - patched; at least the outermost count, since one outermost trap can cause more below it; JSON attribution.fpTrapsHandledAvoided`],
    ["inclusive cycles saved", "baseline - patched inclusive cycles of FP traps, FP saves, FP restores and ZCR switching (docs/counters.md \"Inclusive FP figures\")"],
    ["level (FP table)", D.level],
    ["FP saves avoided", "baseline - patched fpSaves at that level"],
    ["FP restores avoided", "baseline - patched fpRestores at that level"],
    ["FP traps handled avoided", `baseline - patched fpTraps at that level: ${D.fpTraps}`],
    ["bytes avoided", "baseline - patched FP/SVE bytes moved by that level's saves and restores"],
    ["nested transitions", "the patched run's nested exceptions + nested ERETs at that level"],
    ["total (FP table)", "the column summed over the levels"],
    ["level, mechanism, saved", "cycles saved (baseline - patched) by the level whose software ran them (Ld is the leaf) and the kind of code (docs/counters.md \"Attribution by mechanism\")"],
    ["mechanism, level, saved, share", "the saving split into disjoint mechanisms by the level whose KVM acted; the buckets sum exactly to the total saved (docs/runs.md \"compare\")"],
    ["one leaf event", "--exit-window-ms: the mean cycles and L0 traps per leaf event over the first MS of the stream, exact engine, before and after; a leaf event is one exit of the leaf's stream (I/O, IPI, stage-2 fault, WFI: the same events in both runs) with everything it causes, the FP traps that follow it included, ticks apart (so it is not the count of leaf exits above, which counts each FP trap and tick as an exit)"],
    ["raised by, L0 traps before/after, cycles before/after, saved", "per leaf event: the L0 traps raised by each level's code (Lk phase part) and the handling levels' own work (direct), with their self cycles; rows that print as zero in both runs (under 0.005 L0 traps and 0.5 cycles) are omitted from the text (JSON exit.rows keeps them)"],
    ["Lk eret", "the ERETs guest hypervisor Lk raised returning into its guest at the end of the exits it handled (each trapped, and emulated below it as a nested ERET)"],
    ["Lk eret (handler)", "the ERETs Lk raised from inside a handler, into its own host context rather than its guest (InHost: e.g. to its userspace VMM for an MMIO exit emulated there); Lk eret (P) in general: raised while running code of phase P"],
    ["case, wall reduction, speedup", "--sensitivity: the comparison with unsourced unit costs x0.5 and x2 (each, and all) and the clock at 2.0 and 3.5 GHz"],
  ],
  micro: [
    ["cycles/iteration", "mean simulated cycles of one iteration (after the warm-up ones), and the same in ns at the clock"],
    ["L0 traps", `${D.l0Traps}, per iteration`],
    ["FP traps, FP saves, FP restores", "the level table's columns summed, per iteration"],
    ["nested exceptions, nested ERETs", "the level table's columns summed, per iteration"],
    ["level", D.level],
    ["exits", D.exits],
    ["fullExits", D.fullExits],
    ["fastExits", D.fastExits],
    ["nestedExceptions", D.nestedExceptions],
    ["nestedErets", D.nestedErets],
    ["fpTraps", D.fpTraps],
    ["fpSaves", D.fpSaves],
    ["fpRestores", D.fpRestores],
    ["putFpSkipped (JSON fpSavesElided)", D.putFpSkipped],
    ["cycles (level table)", D.levelCycles],
  ],
  stat: [
    ["cycles", D.cycles],
    ["leaf exits", D.leafExits],
    ["leaf FP traps", D.leafFpTraps],
    ["L0 traps", D.l0Traps],
    ["level, ec, reason", "the level that took the exit, its exception class (ESR EC name; IRQ for physical interrupts) and the model's reason"],
    ["count, count%", "exits of that kind at that level, and their share of the level's exits"],
    ["cycles (exit table)", "cycles from the level's exit until its guest runs again, nested traps included"],
    ["time%", "those cycles' share of the level's exit-handling cycles"],
    ["min, max, avg", "the cycles of one such exit: smallest, largest, mean"],
    ["event, L0..Ld", "every tracepoint's count by the level it was recorded at"],
  ],
  check: [
    ["schedules, steps", "the schedules run and the steps (events) they held"],
    ["kinds of event", "the steps a schedule is drawn from at this depth and vector length"],
    ["violations", "schedules (not reads) in which a use found anything but its context's own latest FP/SVE values, each counted once: a schedule stops at its first wrong read (exit status 3 when > 0); JSON violationUnit says \"schedules\""],
    ["schedule [...], final leaf-fp", "a counterexample: its steps in order; every schedule ends, after them, with a final leaf-fp (the leaf uses FP/SIMD once more, so state lost by the last step is read): [] is that final step alone; JSON firstViolation.finalStep, firstViolation.atStep (schedule length + 1: the final step)"],
  ],
  explain: [
    ["#, change, inputs", "rank, the change (inputs and their values) and how many inputs it changes; 0 is the model as it stands"],
    ["sum |log2|", "the size of the change: the sum over its scaled inputs of |log2 of the scale| (x4 and x1/4 count 2, x1/16 counts 4); a switch (a structural value such as sveVl 2048) counts 0; entries rank by inputs, then by this, smaller first"],
    ["= #N (reduction)", "an equivalent spelling: the same reduction, speedup and implications as entry N, so the figures are not repeated; its inputs cancel (e.g. sveVl 1024 + fpBytesPerCycle x1/8 moves the same cycles per FP save as sveVl 2048 + x1/4); JSON entries[].equivalentTo"],
    ["reduction", "compare's wall-clock reduction with the change"],
    ["L0 FP trap ns", "mean inclusive ns of an FP trap handled on L0's fast path (baseline); - when none"],
    ["fwd FP trap ns", "mean inclusive ns of an FP trap forwarded to a guest hypervisor, nested round trips included (baseline); - when none"],
    ["FP traps/event", "outermost FP traps per leaf event (baseline): a leaf event is one exit of the leaf's stream (I/O, IPI, stage-2 fault, WFI), ticks and FP traps not counted as events"],
    ["L0 traps/event", "L0 traps per leaf event (baseline): every L0 trap of the run (ticks' and FP traps' included) over the leaf events; compare's one leaf event leaves the ticks' traps out (and covers a window), so it is lower"],
    ["hvc L0 traps", "L0 traps of one null hypercall from the leaf (micro hvc, baseline)"],
    ["L0 put+load cyc", "L0's own cycles per vcpu put+load pair (baseline); - when the run had none"],
    ["FP share", "share of the baseline's cycles spent in FP work (inclusive FP traps, saves, restores, ZCR)"],
    ["input, value, reduction", "the single changes that move the reduction most"],
  ],
  diff: [
    ["section, key", "what is compared: exits per second by reason, time per exit, per nested-context exit, forwarded exits' whole handling, time per exit kind"],
    ["unit", "the unit of both columns"],
    ["machine, model", "the figure from the trace, and from the model run for the configuration given"],
    ["model/machine", "the ratio; - when either is missing or the machine's is 0"],
  ],
  candidates: [
    ["as configured", "the configuration's run, with the changes it adopts in place (by default the FP-elision change at every level, as 7.3-rc7 has it; so not compare's baseline, which reverts it): its cycles, leaf exits (the leaf's FP traps included) and L0 traps; JSON baseline"],
    ["rank, kind, component", "the rank by wall saving; put/load (a component of kvm_arch_vcpu_put/load dropped under IN_NESTED_* at every level, the run repeated) or per-exit traps (the guest hypervisors' trapping accesses of one purpose in their exit and handler code)"],
    ["wall saving", "an upper bound of the wall-clock reduction eliding it would give: 1 - cycles without it / cycles with it (per-exit traps: their self cycles' share of the exit window's run)"],
    ["cycles/leaf exit, L0 traps/leaf exit", "cycles and L0 traps saved per leaf exit (FP traps and ticks included) of the run the figure comes from: the configured run for put/load rows, the exit window's run for per-exit traps rows; one denominator, so rows compare; JSON cyclesPerLeafExit, l0TrapsPerLeafExit"],
    ["JSON cyclesPerExit, l0TrapsPerExit", "the earlier figures, kept: two denominators, named by each row's perExitDenominator: baseline leaf exits (put/load rows), exit window leaf events, I/O, IPIs, stage-2 faults and WFIs without FP traps or ticks (per-exit traps rows)"],
  ],
  import: [
    ["kvm exits (timed)", "kvm_exit events in the recording (those with a following kvm_entry, whose time is known)"],
    ["nested exceptions, direct injects, nested ERETs, userspace exits", "kvm_inject_nested_exception (into a nested context / into the hyp context), kvm_nested_eret and kvm_userspace_exit events"],
    ["exits by the guest hypervisor's context", "exits taken while the guest hypervisor ran its nested guest (nested), its own hyp code (hyp), or could not be told (unknown)"],
    ["per nested-context exit", "nested exceptions, nested ERETs and hyp-context exits per exit from the nested context"],
    ["reason, count, exits/s, share", "exits by reason: how many, per second per vcpu thread, and their share of all exits"],
    ["mean, median, p90, p99, min, max", "the time of one exit in ns: kvm_exit to kvm_entry (L0's handling), or for a perf kvm stat table entry to exit, as its header says"],
    ["quantiles, ~", `median, p90 and p99 are exact (linear interpolation between the nearest order statistics) while a row has at most ${EXACT_QUANTILES_UP_TO.toLocaleString("en-US")} timed exits; beyond that they come from a log histogram (16 buckets per doubling) and are within +-${(100 * QUANTILE_ERROR).toFixed(1)}% of the true value, marked ~; JSON: each row's quantiles (exact, histogram, or null when there are none), the summary's quantileNote`],
    ["warning: the recording spans", `a recording shorter than ${RATE_MIN_SECONDS} s or with fewer than ${RATE_MIN_EXITS.toLocaleString("en-US")} kvm exits: its per-second rates (exits/s, per s) extrapolate a short sample to a second, and mean little`],
    ["kind", "the guest hypervisor's context, the reason, its detail (register, ESR) and how L0 completed the exit"],
    ["forwarded, per s, hyp exits inside", "exits L0 forwarded to a guest hypervisor: their whole handling, from the exit to the entry after the nested ERET, and the hyp-context exits inside it"],
    ["register, encoding, access, L0, context, count, per s", "system register traps: the register, its encoding, read or write, how L0 handled it, the guest hypervisor's context, how many and how often"],
  ],
  fit: [
    ["observables", "the machine's mean time per exit kind and per forwarded exit that the fit matches"],
    ["chi-square", "the sum of squared standardized residuals, with the default and the fitted costs"],
    ["cost, basis, default, fitted", "the unit cost, where its default comes from (docs/calibration.md), its default and its fitted value (cycles)"],
    ["sd, shrink", "the posterior standard deviation, and its ratio to the prior's (small: the trace determines the cost)"],
    ["status, note", "identified, combination (only a combination with other costs is determined) or unidentifiable, and why"],
    ["observable, machine, defaults, fitted, se, z", "each observable in ns: the machine's, the model's with the defaults and with the fitted costs, the standard error, and z = (fitted - machine) / se"],
  ],
  profile: [
    ["profile, description", "the named profile and what it stands for"],
    ["ioRate", "I/O exits per second of work time"],
    ["ioUserFraction", "fraction of I/O exits emulated by the userspace VMM (the rest in the hypervisor's kernel)"],
    ["ioIrqFraction", "fraction of I/O exits followed by a completion interrupt"],
    ["ipiRate, s2FaultRate, wfiRate", "IPIs sent, stage-2 faults and WFI idle entries per second of work time"],
    ["fpUse", "probability that a compute slice between two leaf events uses FP/SIMD"],
    ["timerHz", "the leaf kernel's timer tick (wall time)"],
  ],
};

/** A command's entries as `--help` prints them: `output:` then a label and its definition per entry. */
export function glossaryText(command: string): string {
  const entries = GLOSSARY[command];
  if (!entries || entries.length === 0) return "";
  const lines = ["", "output (what each figure and column counts):"];
  for (const [label, def] of entries) lines.push(`  ${label}`, `      ${def}`);
  return lines.join("\n") + "\n";
}

/** docs/cli.md's glossary block: a table per command. */
export function glossaryMarkdown(): string {
  const out: string[] = [];
  for (const [command, entries] of Object.entries(GLOSSARY)) {
    out.push(`**${command}**`, "", "| column | counts |", "|---|---|");
    for (const [label, def] of entries) out.push(`| ${label} | ${def.replace(/\|/g, "\\|")} |`);
    out.push("");
  }
  return out.join("\n");
}
