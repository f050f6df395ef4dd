import { Machine } from "../lib/engine/machine";
import { defaultModelConfig, type ModelConfig } from "../lib/kvm/config";
import { subscribe } from "../lib/trace/bus";
import type { TraceRecord } from "../lib/trace/tracepoints";

export function machine(over: Partial<ModelConfig> & { depth: number }, patch: "none" | "all" | number[] = "all"): Machine {
  const p = patch === "all" ? Array.from({ length: over.depth }, (_, i) => i) : patch === "none" ? [] : patch;
  return new Machine(defaultModelConfig({ ...over, patch: p }));
}

/** Runs f with every tracepoint on and returns the records the engine emitted. */
export function record(m: Machine, f: () => void): TraceRecord[] {
  const recs: TraceRecord[] = [];
  const off = subscribe(m, "*", (r) => recs.push(r));
  try {
    f();
  } finally {
    off();
  }
  return recs;
}

/**
 * A compact, readable form of the records that matter for golden sequences: each trap (with the register of a
 * trapped system register access), each level's exit and how, put/load, nested exception/ERET, FP traps, saves and
 * restores.
 */
export function summarize(recs: readonly TraceRecord[]): string[] {
  const out: string[] = [];
  let reg: { level: number; name: string } | undefined;
  for (const r of recs) {
    switch (r.name) {
      case "sysreg_trap":
        reg = { level: r.level, name: r.fields.reg };
        continue;
      case "trap_begin": {
        const detail = reg !== undefined && reg.level === r.level ? " " + reg.name : "";
        out.push(`trap L${r.level}->L${r.fields.owner} ${r.fields.ec}${detail}`);
        break;
      }
      case "kvm_exit":
        out.push(`L${r.level} ${r.fields.how}`);
        break;
      case "vcpu_put":
      case "vcpu_load":
        out.push(`L${r.level} ${r.name === "vcpu_put" ? "put" : "load"} ${r.fields.ctx}${r.fields.fp_elided ? " fp-elided" : ""}`);
        break;
      case "fp_save":
      case "fp_restore": {
        const what = r.name === "fp_save" ? "Save" : "Restore";
        out.push(`L${r.level} ${r.fields.state === "host" ? "hostFp" : "fp"}${what} ${r.fields.bytes}B`);
        break;
      }
      case "fp_trap":
        out.push(`L${r.level} fpTrap`);
        break;
      case "kvm_inject_nested_exception":
        out.push(`L${r.level} nestedException`);
        break;
      case "kvm_nested_eret":
        out.push(`L${r.level} nestedEret`);
        break;
      default:
        break;
    }
    reg = undefined;
  }
  return out;
}
