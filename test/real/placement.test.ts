import { describe, expect, it } from "vitest";
import { KernelTraceWriter, kernelTraceSelection } from "../../lib/trace/kernel";
import type { TraceRecord } from "../../lib/trace/tracepoints";
import { machine, record } from "../helpers";

/**
 * Where the kernel's tracepoints fall in the model's phases (docs/traces.md "Where each event is"), pinned on one
 * depth-1 HVC (a plain VM: L0 handles the leaf's null hypercall after a full exit), with the sums derived by hand
 * from lib/costs/table.ts's defaults and Linux 7.3-rc7's arch/arm64/kvm/arm.c kvm_arch_vcpu_ioctl_run:
 *
 *   exception entry (excEntry 70), el1_sync and __guest_exit (guestExitSync), the exit half (exitHalf), the syncs
 *   (vgicSync, ctxsyncFp)                                     -- inside kvm_arm_vcpu_enter_exit or before the trace
 *   trace_kvm_exit                                            -- arm.c:1413
 *   handle_exit_early ... handle_exit (handleExitCode 40)
 *   handle_hvc: trace_kvm_hvc_arm64, kvm_smccc_call_handler (hvcHandler 60)
 *   next iteration: loop body (runLoopCode 56), kvm_vgic_flush_hwstate (ICH_HCR_EL2 write: sysregWrite 8; no list
 *   register in use), kvm_arch_vcpu_ctxflush_fp (memory only: 0)
 *   trace_kvm_entry                                           -- arm.c:1354
 *   the entry half (guestEnter, __guest_enter) and the ERET (excReturn 65)
 *
 * So kvm_exit -> kvm_entry is 40 + 60 + 56 + 8 = 164 cycles: the handler and the run loop between the two trace
 * calls, without either half of the world switch. kvm_hvc_arm64 is 40 cycles after kvm_exit.
 */

const HANDLE_EXIT = 40;
const HVC_HANDLER = 60;
const RUN_LOOP = 56;
const ICH_HCR_WRITE = 8;

function oneHvc(): TraceRecord[] {
  const m = machine({ depth: 1 }, "none");
  for (let i = 0; i < 3; i++) m.leafTrap({ ec: "HVC64", reason: "hvc" }); // steady state
  return record(m, () => m.leafTrap({ ec: "HVC64", reason: "hvc" }));
}

describe("kernel tracepoint placement (one depth-1 HVC)", () => {
  const recs = oneHvc();
  const at = (name: TraceRecord["name"]): number => {
    const r = recs.filter((x) => x.name === name && x.level === 0);
    expect(r, name).toHaveLength(1);
    return r[0]!.ts;
  };

  it("kvm_exit -> kvm_entry is the handler and the run loop between the trace calls: 164 cycles", () => {
    expect(at("kvm_entry") - at("kvm_exit")).toBe(HANDLE_EXIT + HVC_HANDLER + RUN_LOOP + ICH_HCR_WRITE);
    expect(at("exit_handler") - at("kvm_exit")).toBe(HANDLE_EXIT);
  });

  it("the halves of the world switch fall outside: before kvm_exit and after kvm_entry", () => {
    const leaf = (name: "trap_begin" | "trap_end"): number => recs.find((x) => x.name === name && x.level === 1)!.ts;
    // before: the exception entry (excEntry 70) and the exit half's glue (hypExitCode 40), besides its registers
    expect(at("kvm_exit") - leaf("trap_begin")).toBeGreaterThan(70 + 40);
    // after: the entry half's glue (hypExitCode 40) and the ERET (excReturn 65), besides its registers
    expect(leaf("trap_end") - at("kvm_entry")).toBeGreaterThan(40 + 65);
  });

  it("the kernel-format text: kvm_hvc_arm64 at the handler's start, kvm_entry 164 cycles after kvm_exit (1 GHz: ns)", () => {
    const lines: string[] = [];
    const w = new KernelTraceWriter((l) => void lines.push(l), { clockGhz: 1, depth: 1, nv2: true, nestlab: false });
    const { printed } = kernelTraceSelection(["kvm_entry", "kvm_exit"]);
    for (const r of recs) w.add(r, printed.has(r.name));
    const ns = (event: string): number => {
      const l = lines.find((x) => x.includes(` ${event}: `));
      expect(l, event).toBeDefined();
      const m = / (\d+)\.(\d{9}): /.exec(l!)!;
      return Number(m[1]) * 1e9 + Number(m[2]);
    };
    expect(lines.map((l) => /: (\w+): /.exec(l)![1])).toEqual(["kvm_exit", "kvm_hvc_arm64", "kvm_entry"]);
    expect(ns("kvm_hvc_arm64") - ns("kvm_exit")).toBe(HANDLE_EXIT);
    expect(ns("kvm_entry") - ns("kvm_exit")).toBe(HANDLE_EXIT + HVC_HANDLER + RUN_LOOP + ICH_HCR_WRITE);
  });
});
