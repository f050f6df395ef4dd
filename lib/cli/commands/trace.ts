import type { RunResult } from "../../run/run";
import { selectTracepoints } from "../../trace/bus";
import { ChromeTraceWriter, formatFtrace, FTRACE_HEADER } from "../../trace/export";
import { driveSteps, runTracedSteps, TRACE_DEFAULTS } from "../../trace/run";
import { AtomicFileSink, ChunkedWriter, RingBuffer } from "../../trace/sink";
import { TRACE_GROUPS, TRACEPOINT_NAMES, type TraceRecord } from "../../trace/tracepoints";
import { ConfigError } from "../../util/errors";
import { exactJson } from "../../util/json";
import { helpText, intOpt, type OptionSpec, parseArgs } from "../args";
import type { Command } from "../command";
import { tracedRunOptions, tracedRunOptionsFrom } from "./traced";

/** `stat` lives beside `trace` (both are traced runs): one import for the command table. */
export { statCommand } from "./stat";

const FORMATS = ["chrome", "text"] as const;

const OPTIONS: readonly OptionSpec[] = [
  { name: "out", kind: "value", accepted: "a file path", help: "write the trace to FILE (a temporary file beside it, renamed over it when complete; a character device or FIFO such as /dev/stdout is written into); default stdout" },
  { name: "format", kind: "value", accepted: FORMATS.join(", "), help: "chrome: Chrome trace-event JSON (Perfetto, chrome://tracing); text: ftrace-like lines (trace-cmd report); default chrome" },
  {
    name: "events",
    kind: "value",
    accepted: `a comma list of *, ${TRACE_GROUPS.map((g) => g + ":*").join(", ")} or tracepoint names`,
    help: `tracepoints to record; default * (all: ${TRACEPOINT_NAMES.join(", ")})`,
  },
  { name: "max-events", kind: "value", accepted: "an integer 1..100000000", help: "with --format text: keep only the last N records (bounded memory)" },
  ...tracedRunOptions(TRACE_DEFAULTS.traceDurationMs.value),
];

export const traceCommand: Command = {
  name: "trace",
  summary: "a run with tracing: Chrome trace-event JSON (--out FILE) or ftrace-like text (--format text)",
  help: () =>
    helpText(
      "nestlab trace [--out FILE] [--format chrome|text] [options]",
      "Runs the leaf's work stream with every operation stepped (the exact engine) and writes its tracepoints:\n" +
        "kvm:* (kvm_entry, kvm_exit, kvm_nested_eret, kvm_inject_nested_exception, kvm_fpu, ...) and nestlab:* (FP\n" +
        "save/restore/trap, sysreg traps, VNCR accesses, vcpu put/load, and the trap/handling slices that show each\n" +
        "exit's amplification tree, one track per level). Traces are large: the default run is short.",
      OPTIONS,
    ),
  async run(argv, io) {
    const p = parseArgs(argv, OPTIONS);
    if (p.flags.get("help")) {
      io.out(traceCommand.help());
      return 0;
    }
    if (p.positionals.length) throw new ConfigError("command", `trace ${p.positionals.join(" ")}`, "trace takes no positional arguments");
    const format = p.values.get("format") ?? "chrome";
    if (!(FORMATS as readonly string[]).includes(format)) throw new ConfigError("format", format, FORMATS.join(", "));
    const events = selectTracepoints((p.values.get("events") ?? "*").split(","));
    const maxEvents = p.values.has("max-events") ? intOpt(p, "max-events", 0, 1, 100_000_000) : undefined;
    if (maxEvents !== undefined && format !== "text") {
      throw new ConfigError("max-events", String(maxEvents), "only with --format text (a Chrome trace must keep every slice balanced)");
    }
    const out = p.values.get("out");
    const o = tracedRunOptionsFrom(p, io, TRACE_DEFAULTS.traceDurationMs.value);
    if (o.json && out === undefined) throw new ConfigError("json", "--json", "--json together with --out FILE (without --out the trace goes to stdout)");

    // every input is valid: only now open the output
    const file = out !== undefined ? new AtomicFileSink(out) : undefined;
    const stdout = new ChunkedWriter((c) => io.out(c));
    const write = file ? file.write : stdout.write;
    let records = 0;
    let chromeEvents = 0;
    try {
      let r: RunResult;
      // the run pauses now and then (driveSteps): a signal removes the temporary file, a closed stdout ends it
      const run = (cb: (rec: TraceRecord) => void): Promise<RunResult> => driveSteps(runTracedSteps(o, events, cb));
      if (format === "chrome") {
        const w = new ChromeTraceWriter(write, {
          clockGhz: o.clockGhz,
          depth: o.model.depth,
          metadata: { workload: o.profile.name, seed: o.seed, durationMs: o.durationMs },
        });
        r = await run((rec) => {
          records++;
          w.add(rec);
        });
        w.finish();
        chromeEvents = w.events;
      } else if (maxEvents !== undefined) {
        const ring = new RingBuffer<TraceRecord>(maxEvents);
        r = await run(ring.push);
        records = ring.pushed;
        write(FTRACE_HEADER);
        for (const rec of ring.toArray()) write(formatFtrace(rec, o.clockGhz) + "\n");
      } else {
        write(FTRACE_HEADER);
        r = await run((rec) => {
          records++;
          write(formatFtrace(rec, o.clockGhz) + "\n");
        });
      }
      stdout.flush();
      file?.commit();
      if (file && out !== undefined) {
        const kept = maxEvents !== undefined ? Math.min(records, maxEvents) : records;
        const summary = {
          out,
          format,
          records,
          written: kept,
          ...(format === "chrome" ? { traceEvents: chromeEvents } : {}),
          bytes: file.bytes,
          workload: r.workload,
          depth: r.depth,
          seed: r.seed,
          durationMs: o.durationMs,
          cycles: r.cycles,
          seconds: r.seconds,
          l0Traps: r.l0Traps,
          leafExits: r.leafExits,
        };
        io.out(
          o.json
            ? exactJson(summary) + "\n"
            : `trace: ${kept.toLocaleString("en-US")} records${kept < records ? ` (last of ${records.toLocaleString("en-US")})` : ""} written to ${out}` +
                (format === "chrome" ? " (Chrome trace-event JSON: open it in https://ui.perfetto.dev)" : "") +
                "\n",
        );
      }
      return 0;
    } catch (e) {
      file?.abort();
      throw e;
    }
  },
};
