/**
 * The worked example of docs/model.md "A worked example: a null hypercall at depth 2": one null hypercall from an L2
 * leaf, after the two warm-up iterations `nestlab micro hvc --depth 2` runs, with the kernel-named tracepoints and
 * nestlab's trap slices printed as ftrace-like text. Run it from the project root:
 *
 *   npx tsx docs/examples/hvc-trace.ts
 *
 * test/docs/model.test.ts checks that its output is the one docs/model.md shows.
 */
import { applyLeafEvent, defaultModelConfig, formatFtrace, Machine, subscribe } from "../../lib/index";

const SELECTED = ["kvm:*", "nestlab:trap_begin", "nestlab:trap_end", "nestlab:sysreg_trap", "nestlab:vcpu_put", "nestlab:vcpu_load"] as const;

export function hvcTraceLines(): string[] {
  const m = new Machine(defaultModelConfig({ depth: 2 })); // NV2, ECV, VHE, every level patched, no SVE
  applyLeafEvent(m, "hvc"); // the two warm-up iterations of `micro`
  applyLeafEvent(m, "hvc");
  const lines: string[] = [];
  const off = subscribe(m, SELECTED, (rec) => lines.push(formatFtrace(rec, 3.0)));
  try {
    applyLeafEvent(m, "hvc"); // the traced iteration
  } finally {
    off();
  }
  return lines;
}

if (require.main === module) console.log(hvcTraceLines().join("\n"));
