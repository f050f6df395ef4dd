import { formatDuration } from "../../util/format";
import { QUIET_OPTION } from "../progress";
import { type ImportSummary, L0_VIEW, type Timing } from "../../real/importer";
import { importTraceFile } from "../../real/read";
import { ConfigError } from "../../util/errors";
import { exactJson } from "../../util/json";
import { echo } from "../../util/text";
import { helpText, type OptionSpec, parseArgs } from "../args";
import { TRACE_OPTION } from "./traced";
import type { Command } from "../command";
import { formatTable } from "../format";
import { glossaryText } from "../glossary";

const OPTIONS: readonly OptionSpec[] = [
  { name: "json", kind: "bool", help: "print exactly one JSON object on stdout" },
  QUIET_OPTION,
  { name: "help", kind: "bool", help: "show help" },
];

const int = (v: number): string => Math.round(v).toLocaleString("en-US");
const num = (v: number | null, digits = 1): string => (v === null ? "-" : v.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits }));
const pct = (v: number): string => (100 * v).toFixed(2) + "%";
/** a quantile: exact, or marked ~ when it came from the histogram (within +-2.2%: QUANTILE_NOTE) */
const q = (t: Timing, v: number | null): string => (v !== null && t.quantiles === "histogram" ? "~" : "") + num(v);

/** import's JSON: the summary and what L0 can and cannot identify */
export function importJson(s: ImportSummary): unknown {
  return { ...s, identifiable: L0_VIEW.identifiable, notIdentifiable: L0_VIEW.notIdentifiable };
}

export function importText(s: ImportSummary): string {
  const out: string[] = [];
  const kvmstat = s.format === "perf-kvm-stat";
  out.push(
    kvmstat
      ? `import ${s.source} (perf kvm stat report table)`
      : `import ${s.source} (${s.format}, ${formatDuration(s.seconds, 4)}, ${s.vcpus.length} vcpu thread(s), CPUs ${s.cpus.join(",") || "-"})`,
  );
  out.push(`  lines ${int(s.lines)}  events ${int(s.events)}  kvm exits ${int(s.exits)} (timed ${int(s.timedExits)})`);
  if (!kvmstat) {
    out.push(`  nested exceptions ${int(s.nestedExceptions)}  direct injects ${int(s.directInjects)}  nested ERETs ${int(s.nestedErets)}  userspace exits ${int(s.userspaceExits)}`);
    const c = s.exitsByContext;
    out.push(`  exits by the guest hypervisor's context: nested ${int(c.nested)}, hyp ${int(c.hyp)}, unknown ${int(c.unknown)}`);
    if (s.perNestedExit !== null) {
      const p = s.perNestedExit;
      out.push(`  per nested-context exit: ${num(p.nestedExceptions, 3)} nested exceptions, ${num(p.nestedErets, 3)} nested ERETs, ${num(p.hypExits, 2)} exits in the hyp context`);
    }
  }
  out.push("", `quantiles: ${s.quantileNote}`);
  out.push("", s.reasonTimes === "entry-to-exit" ? "exits by reason (time: kvm_entry to kvm_exit, as arm64's perf kvm stat times them: the guest's run up to the exit, not L0's handling; ns)" : "exits by reason (time: kvm_exit to kvm_entry, L0's handling, ns)");
  out.push(
    formatTable(
      ["reason", "count", "exits/s", "share", "mean", "median", "p90", "p99", "min", "max"],
      s.reasons.map((r) => [r.reason, int(r.count), num(r.perSecond, 0), pct(r.share), num(r.meanNs), q(r, r.p50Ns), q(r, r.p90Ns), q(r, r.p99Ns), num(r.minNs), num(r.maxNs)]),
    ),
  );
  if (s.kinds.length > 0) {
    out.push("", "exits by kind (the guest hypervisor's context, reason, detail, how L0 completed it)");
    out.push(
      formatTable(
        ["kind", "count", "exits/s", "mean", "median", "p90", "p99"],
        s.kinds.map((k) => [k.kind, int(k.count), num(k.perSecond, 0), num(k.meanNs), q(k, k.p50Ns), q(k, k.p90Ns), q(k, k.p99Ns)]),
      ),
    );
  }
  if (s.windows.length > 0) {
    out.push("", "forwarded exits, whole handling (from the exit L0 forwards to the entry after the nested ERET, ns)");
    out.push(
      formatTable(
        ["forwarded", "count", "per s", "mean", "median", "p90", "p99", "hyp exits inside"],
        s.windows.map((w) => [w.reason, int(w.count), num(w.perSecond, 0), num(w.meanNs), q(w, w.p50Ns), q(w, w.p90Ns), q(w, w.p99Ns), num(w.hypExitsPerWindow, 2)]),
      ),
    );
  }
  if (s.sysregs.length > 0) {
    out.push("", "system register traps");
    out.push(formatTable(["register", "encoding", "access", "L0", "context", "count", "per s"], s.sysregs.map((r) => [r.reg, r.encoding, r.access, r.handling, r.ctx, int(r.count), num(r.perSecond, 0)])));
  }
  if (s.unknownEvents.length > 0) out.push("", `unknown events (counted, not read): ${s.unknownEvents.map((e) => `${e.name} ${int(e.count)}`).join(", ")}`);
  if (s.unusedKvmEvents.length > 0) out.push(`kvm events not used: ${s.unusedKvmEvents.map((e) => `${e.name} ${int(e.count)}`).join(", ")}`);
  if (s.nestlabEvents > 0) out.push(`nestlab: lines skipped: ${int(s.nestlabEvents)}`);
  if (s.warnings.length > 0) out.push("", "warnings:", ...s.warnings.map((w) => `  - ${w}`));
  out.push("", "what an L0 trace cannot show:", ...L0_VIEW.notIdentifiable.map((w) => `  - ${w}`));
  return out.join("\n") + "\n";
}

/** the warnings on stderr, one line each (with --json, where the text report is not printed) */
export function warn(io: { err(t: string): void }, s: ImportSummary): void {
  for (const w of s.warnings) io.err(`nestlab: warning: ${w}\n`);
}

export const importCommand: Command = {
  name: "import",
  summary: "read an L0 recording (trace-cmd report, perf script, perf kvm stat report): exits, nested transitions, times",
  options: OPTIONS,
  positionals: { field: "file", min: 1, max: 1, value: TRACE_OPTION.value! },
  help: () =>
    helpText(
      "nestlab import FILE [--json]",
      "Reads what L0's own tracing recorded while a nested guest ran: `trace-cmd report` text, `perf script` output of\n" +
        "the kvm events, or a `perf kvm stat report` table (streaming: any size). Prints exits per reason and per\n" +
        "second, their exit-to-entry times (distribution), the guest hypervisor's context at each exit, nested\n" +
        "exceptions and ERETs, forwarded exits' whole handling, sysreg traps by register, unknown events, and what\n" +
        "an L0 trace cannot show (docs/traces.md).",
      OPTIONS,
    ) + glossaryText("import"),
  run(argv, io) {
    const p = parseArgs(argv, OPTIONS, "import");
    if (p.flags.get("help")) {
      io.out(importCommand.help());
      return 0;
    }
    const [file, ...extra] = p.positionals;
    if (file === undefined) throw new ConfigError("file", "", "", "import needs a FILE: an L0 recording (trace-cmd report text, perf script output or a perf kvm stat report)");
    const more = extra[0];
    if (more !== undefined) throw new ConfigError("command", more, "", `unexpected argument '${echo(more)}': nestlab import takes one FILE`);
    const s = importTraceFile(file, io.progress ? { progress: io.progress } : {});
    if (p.flags.get("json")) warn(io, s);
    io.out(p.flags.get("json") ? exactJson(importJson(s)) + "\n" : importText(s));
    return 0;
  },
};
