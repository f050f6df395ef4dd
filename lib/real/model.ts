import { ConfigError } from "../util/errors";
import { type RunOptions, type RunResult } from "../run/run";
import { KernelTraceWriter, kernelTraceSelection, TRACE_CMD_HEADER } from "../trace/kernel";
import { runTraced } from "../trace/run";
import { type ImportSummary, TraceImporter } from "./importer";

/**
 * The model seen the way a real L0 recording sees the machine: a traced run whose records become L0's kernel events
 * (lib/trace/kernel.ts, the same text `trace --format kernel --kernel-only` writes), read back by the same importer
 * that reads a machine's file. So the model's figures and the machine's are computed by one piece of code from one
 * kind of input, and only what L0 can see is compared.
 */
export interface ModelView {
  readonly summary: ImportSummary;
  readonly run: RunResult;
}

export function modelL0View(o: RunOptions): ModelView {
  const imp = new TraceImporter("model");
  let n = 0;
  const w = new KernelTraceWriter(
    (line) => {
      // the writer hands over whole lines ending in "\n"
      imp.line(line.slice(0, -1), ++n);
    },
    { clockGhz: o.clockGhz, depth: o.model.depth, nv2: o.model.nv2, nestlab: false },
  );
  const { listen, printed } = kernelTraceSelection(["kvm_entry", "kvm_exit", "kvm_userspace_exit", "kvm_inject_nested_exception", "kvm_nested_eret"]);
  const run = runTraced(o, listen, (rec) => w.add(rec, printed.has(rec.name)));
  if (n === 0) {
    // the model's run was too short for L0 to see anything: nothing to compare with the machine
    throw new ConfigError("duration-ms", String(o.durationMs), "", `invalid --duration-ms '${o.durationMs}': the model's run of ${o.durationMs} ms of leaf work raised no exit L0 would trace; give a longer one`);
  }
  return { summary: imp.finish(false), run };
}

/**
 * A model run written as L0's kernel-format trace, in memory (as `nestlab trace --format kernel --kernel-only`
 * writes it): for tests, notebooks and synthetic "machine" traces generated with known costs.
 */
export function modelKernelText(o: RunOptions): { readonly text: string; readonly run: RunResult } {
  const parts: string[] = [TRACE_CMD_HEADER];
  const w = new KernelTraceWriter((line) => void parts.push(line), { clockGhz: o.clockGhz, depth: o.model.depth, nv2: o.model.nv2, nestlab: false });
  const { listen, printed } = kernelTraceSelection(["kvm_entry", "kvm_exit", "kvm_userspace_exit", "kvm_inject_nested_exception", "kvm_nested_eret"]);
  const run = runTraced(o, listen, (rec) => w.add(rec, printed.has(rec.name)));
  return { text: parts.join(""), run };
}
