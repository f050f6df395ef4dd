import type { RunResult } from "../../run/run";
import { selectTracepoints } from "../../trace/bus";
import { ChromeTraceWriter, formatFtrace, FTRACE_HEADER } from "../../trace/export";
import { kernelTraceSelection, KernelTraceWriter, TRACE_CMD_HEADER } from "../../trace/kernel";
import { driveSteps, runTracedSteps, TRACE_DEFAULTS } from "../../trace/run";
import { ChunkedWriter, RingBuffer } from "../../trace/sink";
import { TRACE_GROUPS, TRACEPOINT_NAMES, type TraceRecord } from "../../trace/tracepoints";
import { ConfigError } from "../../util/errors";
import { checkOutputFile, openOutputFile, type OutputFile } from "../../util/files";
import { exactJson } from "../../util/json";
import { costsNamed, helpText, noPositionals, num, oneOf, type OptionSpec, parseArgs } from "../args";
import type { Command } from "../command";
import { tracedRunOptions, tracedRunOptionsFrom } from "./traced";
import { runConfig } from "./run";

/** `stat` lives beside `trace` (both are traced runs): one import for the command table. */
export { statCommand } from "./stat";

const FORMATS = ["chrome", "text", "kernel"] as const;

const OPTIONS: readonly OptionSpec[] = [
  {
    name: "out",
    kind: "value",
    value: { type: "output-file" },
    help: "write the trace to FILE (a temporary file beside it, renamed over it when complete; a character device or FIFO such as /dev/stdout is written into); default stdout",
  },
  { name: "format", kind: "value", value: { type: "enum", values: FORMATS }, help: "chrome: Chrome trace-event JSON (Perfetto, chrome://tracing); text: ftrace-like lines (trace-cmd report); kernel: L0's own " +
      "tracepoints in the kernel's exact formats as `trace-cmd report -t` prints them, the model's other records as nestlab:<name> lines; default chrome" },
  { name: "kernel-only", kind: "bool", help: "with --format kernel: only the lines L0's own tracing would record (no nestlab: lines)" },
  {
    name: "events",
    kind: "value",
    value: {
      type: "syntax",
      accepted: `a comma list of *, ${TRACE_GROUPS.map((g) => g + ":*").join(", ")} or tracepoint names`,
      examples: ["*", "kvm:*", "nestlab:*", "kvm_exit", "kvm:kvm_entry,kvm_exit"],
    },
    help: `tracepoints to record; default * (all: ${TRACEPOINT_NAMES.join(", ")})`,
  },
  { name: "max-events", kind: "value", value: { type: "integer", min: 1, max: 100_000_000 }, help: "with --format text or kernel: keep only the last N records (lines for kernel; bounded memory)" },
  ...tracedRunOptions(TRACE_DEFAULTS.traceDurationMs.value),
];

export const traceCommand: Command = {
  name: "trace",
  summary: "a run with tracing: Chrome trace-event JSON (--out FILE), ftrace-like text (--format text) or L0's kernel-exact trace (--format kernel)",
  options: OPTIONS,
  help: () =>
    helpText(
      "nestlab trace [--out FILE] [--format chrome|text|kernel] [--kernel-only] [options]",
      "Runs the leaf's work stream with every operation stepped (the exact engine) and writes its tracepoints:\n" +
        "kvm:* (kvm_entry, kvm_exit, kvm_nested_eret, kvm_inject_nested_exception, kvm_fpu, ...) and nestlab:* (FP\n" +
        "save/restore/trap, sysreg traps, VNCR accesses, vcpu put/load, and the trap/handling slices that show each\n" +
        "exit's amplification tree, one track per level). Traces are large: the default run is short.",
      OPTIONS,
    ),
  async run(argv, io) {
    const p = parseArgs(argv, OPTIONS, "trace");
    if (p.flags.get("help")) {
      io.out(traceCommand.help());
      return 0;
    }
    noPositionals(p);
    const format = oneOf(p, "format", "chrome");
    const events = selectTracepoints((p.values.get("events") ?? "*").split(","));
    const maxEvents = p.values.has("max-events") ? num(p, "max-events", 1) : undefined;
    if (maxEvents !== undefined && format === "chrome") {
      throw new ConfigError("max-events", p.values.get("max-events")!, "only with --format text or kernel (a Chrome trace must keep every slice balanced)");
    }
    const kernelOnly = p.flags.get("kernel-only") ?? false;
    if (kernelOnly && format !== "kernel") throw new ConfigError("kernel-only", "--kernel-only", "only with --format kernel");
    const out = p.values.get("out");
    const o = tracedRunOptionsFrom(p, io, TRACE_DEFAULTS.traceDurationMs.value);
    if (o.json && out === undefined) throw new ConfigError("json", "--json", "--json together with --out FILE (without --out the trace goes to stdout)");
    const target = out !== undefined ? checkOutputFile(out, "out") : undefined;

    // every input is valid: only now open the output
    const file: OutputFile | undefined = out !== undefined ? openOutputFile(out, "out", target) : undefined;
    const stdout = new ChunkedWriter((c) => io.out(c));
    const write = file ? (s: string): void => file.write(s) : stdout.write;
    let records = 0;
    let chromeEvents = 0;
    try {
      let r: RunResult;
      // the run pauses now and then (driveSteps): a signal removes the temporary file, a closed stdout ends it
      const run = async (cb: (rec: TraceRecord) => void, listen: readonly string[] = events): Promise<RunResult> => {
        try {
          return await driveSteps(runTracedSteps(o, listen, cb));
        } catch (e) {
          throw costsNamed(p, e);
        }
      };
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
      } else if (format === "kernel") {
        // L0's kernel events (lib/trace/kernel.ts): the writer also reads the records it needs for state
        const ring = maxEvents !== undefined ? new RingBuffer<string>(maxEvents) : undefined;
        if (!ring) write(TRACE_CMD_HEADER);
        const w = new KernelTraceWriter(ring ? ring.push : write, { clockGhz: o.clockGhz, depth: o.model.depth, nv2: o.model.nv2, nestlab: !kernelOnly });
        const { listen, printed } = kernelTraceSelection(events);
        r = await run((rec) => w.add(rec, printed.has(rec.name)), listen);
        records = ring ? ring.pushed : w.lines;
        if (ring) {
          write(TRACE_CMD_HEADER);
          for (const line of ring.toArray()) write(line);
        }
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
          config: runConfig(p, o),
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
