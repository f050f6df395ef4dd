import { describe, expect, it } from "vitest";
import type { Machine } from "../../lib/engine/machine";
import { machine, record, summarize } from "../helpers";

/**
 * Golden sequences at depth 2 (L0 on hardware, L1 a VHE guest hypervisor, L2 the leaf), written by hand from the
 * kernel code (arch/arm64/kvm, 2025-26 mainline), not from the model's output:
 *
 *  (a) L2 -> L1 nested exception: L2's HVC traps to L0 (hyp/entry.S __guest_exit); hyp_exit_handlers has no HVC
 *      entry, so a full exit; handle_hvc sees a nested context and calls kvm_inject_nested_sync -> kvm_inject_nested:
 *      [IN_NESTED_EXCEPTION] kvm_arch_vcpu_put (put_fp saves the vcpu's FP if it owns the regs) ->
 *      kvm_inject_el2_exception -> kvm_arch_vcpu_load (load_fp: fp_owner = FREE) [clear]; ERET into L1's vEL2.
 *  (b) L1 handles its guest's HVC with its own __kvm_vcpu_run_vhe exit half and entry half. Under NV2 the only
 *      accesses that still trap are CPACR_EL1 (CPTR_EL2.TCPAC, kvm_hyp_handle_cpacr_el1) in __deactivate_cptr_traps
 *      and __activate_cptr_traps; everything else is EL1 hardware (ELR/SPSR/ESR/VBAR via E2H) or VNCR memory
 *      (TPIDR_EL2, HCR_EL2, MDSCR_EL1).
 *  (c) L1 -> L2 nested ERET: L1's ERET traps (HCR_EL2.NV); kvm_hyp_handle_eret declines (target EL1), full exit,
 *      kvm_handle_eret -> kvm_emulate_nested_eret: [IN_NESTED_ERET] put (hyp context) / load (nested context).
 *  With the leaf using FP/SIMD before each HVC: after the unpatched put/load L0's fp_owner is FREE, so the leaf's
 *  next FP use traps to L0 (kvm_hyp_handle_fpsimd restores L1's vcpu state: L1 already gave its regs to L2).
 */

function steadyState(nv2: boolean, patch: "none" | "all"): Machine {
  const m = machine({ depth: 2, nv2 }, patch);
  for (let i = 0; i < 3; i++) {
    m.leafFp();
    m.leafTrap({ ec: "HVC64", reason: "hvc" });
  }
  return m;
}

function iteration(m: Machine): string[] {
  return summarize(
    record(m, () => {
      m.leafFp();
      m.leafTrap({ ec: "HVC64", reason: "hvc" });
    }),
  );
}

const L1_CPTR_TRAPS_NV2 = [
  // exit half: __deactivate_traps -> __deactivate_cptr_traps_vhe writes CPACR_EL1 (trapped by TCPAC)
  "trap L1->L0 SYS64 CPACR_EL1",
  "L0 fast",
  // entry half: __activate_traps -> __activate_cptr_traps_vhe
  "trap L1->L0 SYS64 CPACR_EL1",
  "L0 fast",
];

describe("golden: nested exception and nested ERET at depth 2, NV2", () => {
  it("unpatched: FP saved on the nested exception, flushed, and trapped back", () => {
    expect(iteration(steadyState(true, "none"))).toEqual([
      // leaf FP use: L0 gave up the regs at the previous nested ERET's load_fp
      "trap L2->L0 FP_ASIMD",
      "L0 fast",
      "L0 fpTrap",
      "L0 fpRestore 512B",
      // (a) nested exception
      "trap L2->L1 HVC64",
      "L0 forward",
      "L0 nestedException",
      "L0 put nested",
      "L0 fpSave 512B",
      "L0 load hyp",
      // (b) L1 handles the HVC after a full exit of its own
      "L1 full",
      ...L1_CPTR_TRAPS_NV2,
      // (c) nested ERET: the regs were flushed by the previous load, nothing left to save
      "trap L1->L0 ERET",
      "L0 full",
      "L0 nestedEret",
      "L0 put hyp",
      "L0 load nested",
    ]);
  });

  it("patched: put_fp/load_fp return early, no FP save and no FP trap", () => {
    expect(iteration(steadyState(true, "all"))).toEqual([
      "trap L2->L1 HVC64",
      "L0 forward",
      "L0 nestedException",
      "L0 put nested fp-elided",
      "L0 load hyp fp-elided",
      "L1 full",
      ...L1_CPTR_TRAPS_NV2,
      "trap L1->L0 ERET",
      "L0 full",
      "L0 nestedEret",
      "L0 put hyp fp-elided",
      "L0 load nested fp-elided",
    ]);
  });
});

/**
 * NV-only what-if: every VNCR-backed access of L1 traps instead. Walking L1's per-exit path by hand
 * (hyp/entry.S __guest_exit, hyp/vhe/switch.c fixup_guest_exit, __kvm_vcpu_run_vhe, __guest_enter):
 *  __guest_exit: get_vcpu_ptr (TPIDR_EL2), adr_this_cpu (TPIDR_EL2), ptrauth_switch_to_hyp (HCR_EL2);
 *  fixup_guest_exit: HCR_EL2.NV check; exit half: MDSCR_EL1 save, HCR_EL2 write, CPACR_EL1, this_cpu (TPIDR_EL2),
 *  MDSCR_EL1 restore; entry half: host_data_ptr (TPIDR_EL2), MDSCR_EL1 save, HCR_EL2, CPACR_EL1, TPIDR_EL2 (vectors),
 *  MDSCR_EL1 restore; __guest_enter: TPIDR_EL2 x2, HCR_EL2 (ptrauth); then the ERET.
 */
const L1_TRAPS_NV1 = [
  "R TPIDR_EL2", "R TPIDR_EL2", "R HCR_EL2", "R HCR_EL2",
  "R MDSCR_EL1", "W HCR_EL2", "W CPACR_EL1", "R TPIDR_EL2", "W MDSCR_EL1",
  "R TPIDR_EL2", "R MDSCR_EL1", "W HCR_EL2", "W CPACR_EL1", "R TPIDR_EL2", "W MDSCR_EL1",
  "R TPIDR_EL2", "R TPIDR_EL2", "R HCR_EL2",
];

describe("golden: NV-only (no VNCR), depth 2", () => {
  for (const patch of ["none", "all"] as const) {
    it(`L1's handling of an HVC traps on every VNCR-class access (patch ${patch})`, () => {
      const m = steadyState(false, patch);
      const recs = record(m, () => m.leafTrap({ ec: "HVC64", reason: "hvc" }));
      // L1's trapped accesses in order: system registers (sysreg_trap) and its ERET (a trap of class ERET)
      const l1Traps = recs.flatMap((r) =>
        r.level !== 1 ? [] : r.name === "sysreg_trap" ? [`${r.fields.write ? "W" : "R"} ${r.fields.reg}`] : r.name === "trap_begin" && r.fields.ec === "ERET" ? ["eret"] : [],
      );
      expect(l1Traps).toEqual([...L1_TRAPS_NV1, "eret"]);
      const traps = recs.filter((r) => r.name === "trap_begin").length;
      expect(traps).toBe(1 + L1_TRAPS_NV1.length + 1);
      expect(m.counters[0]!.nestedExceptions).toBeGreaterThan(0);
    });
  }

  it("counts: one nested exception and one nested ERET per L2 HVC, whatever NV2", () => {
    for (const nv2 of [true, false]) {
      const m = steadyState(nv2, "none");
      const before = m.counters[0]!;
      m.leafTrap({ ec: "HVC64", reason: "hvc" });
      const after = m.counters[0]!;
      expect(after.nestedExceptions - before.nestedExceptions).toBe(1);
      expect(after.nestedErets - before.nestedErets).toBe(1);
      expect(after.vcpuPuts - before.vcpuPuts).toBe(2);
      expect(after.vcpuLoads - before.vcpuLoads).toBe(2);
    }
  });
});

/**
 * nVHE guest hypervisor at depth 2 (hyp/nvhe/switch.c __kvm_vcpu_run, hyp/nvhe/host.S): L0 sees L1's host kernel
 * at EL1 as L1's nested context, so one L2 HVC costs L0 two nested exceptions and two nested ERETs:
 *  L2 HVC -> forwarded into L1's vEL2 (nested exception) -> L1's hyp switches EL1 state (VNCR memory) and ERETs to
 *  its host kernel (nested ERET) -> the host handles the exit and calls __kvm_vcpu_run with an HVC (forwarded:
 *  nested exception) -> L1's hyp switches back and ERETs into L2 (nested ERET).
 */
describe("golden: nVHE guest hypervisor, depth 2", () => {
  it("one L2 HVC is two nested exceptions and two nested ERETs at L0", () => {
    const m = machine({ depth: 2, guestHyp: "nvhe" }, "none");
    m.leafTrap({ ec: "HVC64", reason: "hvc" });
    const evs = record(m, () => m.leafTrap({ ec: "HVC64", reason: "hvc" }));
    const s = summarize(evs).filter((x) => /nestedException|nestedEret|trap L\d->L\d (HVC64|ERET)/.test(x));
    expect(s).toEqual([
      "trap L2->L1 HVC64",
      "L0 nestedException",
      "trap L1->L0 ERET",
      "L0 nestedEret",
      "trap L1->L1 HVC64",
      "L0 nestedException",
      "trap L1->L0 ERET",
      "L0 nestedEret",
    ]);
    // the host kernel's own EL1 accesses never trap; the hyp's EL1 switch is VNCR memory
    const l1Vncr = evs.filter((r) => r.name === "vncr_access" && r.level === 1).length;
    expect(l1Vncr).toBeGreaterThan(70);
  });
});
