import type { EngineEvent } from "../lib/engine/engine";
import { Machine } from "../lib/engine/machine";
import { defaultModelConfig, type ModelConfig } from "../lib/kvm/config";

export function machine(over: Partial<ModelConfig> & { depth: number }, patch: "none" | "all" | number[] = "all"): Machine {
  const p = patch === "all" ? Array.from({ length: over.depth }, (_, i) => i) : patch === "none" ? [] : patch;
  return new Machine(defaultModelConfig({ ...over, patch: p }));
}

/** Runs f with a listener attached and returns everything the engine reported. */
export function record(m: Machine, f: () => void): EngineEvent[] {
  const evs: EngineEvent[] = [];
  m.listener = (e) => evs.push(e);
  try {
    f();
  } finally {
    m.listener = undefined;
  }
  return evs;
}

/** A compact, readable form of the events that matter for golden sequences (ops are omitted unless they trap). */
export function summarize(evs: readonly EngineEvent[]): string[] {
  const out: string[] = [];
  for (const e of evs) {
    switch (e.type) {
      case "op":
        break;
      case "trap":
        out.push(`trap L${e.from}->L${e.owner} ${e.ec}${e.detail ? " " + e.detail : ""}`);
        break;
      case "exit":
        out.push(`L${e.level} ${e.how}`);
        break;
      case "put":
      case "load":
        out.push(`L${e.level} ${e.type} ${e.ctx}${e.fpElided ? " fp-elided" : ""}`);
        break;
      case "fpSave":
      case "fpRestore":
      case "hostFpSave":
      case "hostFpRestore":
        out.push(`L${e.level} ${e.type} ${e.bytes}B`);
        break;
      case "trapDone":
        break;
      case "fpTrap":
        out.push(`L${e.level} fpTrap`);
        break;
      default:
        out.push(`L${e.level} ${e.type}`);
    }
  }
  return out;
}
