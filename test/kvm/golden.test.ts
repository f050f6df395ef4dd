import { describe, expect, it } from "vitest";
import type { Machine } from "../../lib/engine/machine";
import { applyHostEvent } from "../../lib/engine/leaf";
import { machine, record, summarize } from "../helpers";

/**
 * Golden sequences at depth 2 (L0 on hardware, L1 a VHE guest hypervisor, L2 the leaf), written by hand from the
 * kernel code of Linux 7.3-rc7 (arch/arm64/kvm; docs/fidelity/ holds an independent reading of the same paths), not
 * from the model's output:
 *
 *  (a) L2 -> L1 nested exception: L2's HVC traps to L0 (hyp/entry.S __guest_exit); hyp_exit_handlers has no HVC
 *      entry, so a full exit; handle_hvc sees a nested context and calls kvm_inject_nested_sync -> kvm_inject_nested:
 *      [IN_NESTED_EXCEPTION] kvm_arch_vcpu_put (put_fp saves the vcpu's FP if it owns the regs) ->
 *      kvm_inject_el2_exception -> kvm_arch_vcpu_load (load_fp: fp_owner = FREE) [clear]; ERET into L1's vEL2.
 *  (b) L1 handles its guest's HVC with its own __kvm_vcpu_run_vhe exit half, run loop and entry half (no put/load
 *      in L1). Under NV2 these of its accesses still trap to L0, in this order:
 *      - exit half, sysreg_save_guest_state_vhe -> __sysreg_save_common_state: the MDSCR_EL1 read. L0's load (the
 *        nested exception's) left its debug_owner FREE (debug.c kvm_vcpu_load_debug: no KDE/MDE), so MDCR_EL2.TDA
 *        is set (kvm_arm_setup_mdcr_el2) and traps it: a full exit to sys_regs.c trap_debug_regs, which makes the
 *        debug registers the guest's (kvm_debug_set_guest_ownership: TDA cleared). Later reads are VNCR memory.
 *      - __deactivate_traps -> __deactivate_cptr_traps_vhe: the CPACR_EL1 write (CPTR_EL2.TCPAC): hyp fast path
 *        kvm_hyp_handle_cpacr_el1.
 *      - sysreg_restore_host_state_vhe: the MDSCR_EL1 write, trapped in hyp context by FEAT_FGT's
 *        HDFGWTR_EL2.MDSCR_EL1 (config.c __compute_hdfgwtr): a full exit to trap_debug_regs.
 *      - run loop, kvm_vgic_sync_hwstate -> __vgic_v3_save_state: the ICH_MISR_EL2 read ("Hack alert: On NV, this
 *        results in a trap"): a full exit to access_gic_misr. (ICH_VMCR/ICH_HCR are VNCR memory; no list register
 *        is in use for an HVC, so no ICH_ELRSR_EL2.)
 *      - entry half: __activate_cptr_traps_vhe's CPACR_EL1 write (fast path), then
 *        sysreg_restore_guest_state_vhe's MDSCR_EL1 write (full exit, HDFGWTR).
 *      Everything else is EL1 hardware (ELR/SPSR/ESR/VBAR via E2H, the explicit ESR_EL2 of the vector via NV2's
 *      redirection) or VNCR memory (TPIDR_EL2, HCR_EL2, the ICH_* state, MDSCR_EL1 reads once TDA is clear).
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

/**
 * L1's own exit, as its run loop sees it: the exit half and the vgic sync trap first, then L1's trace_kvm_exit ("L1
 * full": arm.c kvm_arch_vcpu_ioctl_run calls it after kvm_arm_vcpu_enter_exit and the syncs), its handler, its
 * trace_kvm_entry, then the entry half (after trace_kvm_entry, inside kvm_arm_vcpu_enter_exit).
 */
const L1_EXIT_NV2 = [
  // exit half: MDSCR_EL1 read (MDCR_EL2.TDA, L0's debug_owner FREE), CPACR_EL1 write (TCPAC, fast path), MDSCR_EL1
  // write (HDFGWTR_EL2.MDSCR_EL1)
  "trap L1->L0 SYS64 MDSCR_EL1",
  "L0 full",
  "trap L1->L0 SYS64 CPACR_EL1",
  "L0 fast",
  "trap L1->L0 SYS64 MDSCR_EL1",
  "L0 full",
  // run loop: __vgic_v3_save_state's ICH_MISR_EL2 read
  "trap L1->L0 SYS64 ICH_MISR_EL2",
  "L0 full",
  // L1's trace_kvm_exit: arch/arm64/kvm/arm.c kvm_arch_vcpu_ioctl_run calls it after kvm_arm_vcpu_enter_exit
  // returned (the exit half above) and after kvm_vgic_sync_hwstate (the ICH_MISR_EL2 read above)
  "L1 full",
  // L1's handler, then its trace_kvm_entry (arm.c, just before kvm_arm_vcpu_enter_exit): no record in this summary
  // entry half: CPACR_EL1 write (fast path), MDSCR_EL1 write (full exit)
  "trap L1->L0 SYS64 CPACR_EL1",
  "L0 fast",
  "trap L1->L0 SYS64 MDSCR_EL1",
  "L0 full",
];

describe("golden: nested exception and nested ERET at depth 2, NV2", () => {
  it("unpatched: FP saved on the nested exception, flushed, and trapped back", () => {
    expect(iteration(steadyState(true, "none"))).toEqual([
      // leaf FP use: L0 gave up the regs at the previous nested ERET's load_fp
      "trap L2->L0 FP_ASIMD",
      "L0 fast",
      "L0 fpTrap",
      "L0 fpRestore 512B",
      // (a) nested exception. Its trace comes between put and load: emulate-nested.c kvm_inject_nested calls
      // kvm_arch_vcpu_put, then kvm_inject_el2_exception (trace_kvm_inject_nested_exception), then kvm_arch_vcpu_load
      "trap L2->L1 HVC64",
      "L0 forward",
      "L0 put nested",
      "L0 fpSave 512B",
      "L0 nestedException",
      "L0 load hyp",
      // (b) L1 handles the HVC after a full exit of its own
      ...L1_EXIT_NV2,
      // (c) nested ERET: the regs were flushed by the previous load, nothing left to save. Its trace comes between
      // put and load: emulate-nested.c kvm_emulate_nested_eret calls kvm_arch_vcpu_put, trace_kvm_nested_eret,
      // kvm_arch_vcpu_load
      "trap L1->L0 ERET",
      "L0 full",
      "L0 put hyp",
      "L0 nestedEret",
      "L0 load nested",
    ]);
  });

  it("patched: put_fp/load_fp return early, no FP save and no FP trap", () => {
    expect(iteration(steadyState(true, "all"))).toEqual([
      "trap L2->L1 HVC64",
      "L0 forward",
      "L0 put nested fp-elided",
      "L0 nestedException",
      "L0 load hyp fp-elided",
      ...L1_EXIT_NV2,
      "trap L1->L0 ERET",
      "L0 full",
      "L0 put hyp fp-elided",
      "L0 nestedEret",
      "L0 load nested fp-elided",
    ]);
  });
});

/**
 * NV-only what-if: every VNCR-backed or redirected access of L1 traps instead. Walking L1's per-exit path by hand
 * (Linux 7.3-rc7):
 *  vector (hyp/hyp-entry.S el1_sync): the ESR_EL2 read (redirected with NV2), get_vcpu_ptr (TPIDR_EL2);
 *  __guest_exit (hyp/entry.S): adr_this_cpu (TPIDR_EL2), ptrauth_switch_to_hyp (HCR_EL2), set_loaded_vcpu (TPIDR_EL2);
 *  exit half (hyp/vhe/switch.c __kvm_vcpu_run_vhe): MDSCR_EL1 save, HCR_EL2 write (__deactivate_traps), CPACR_EL1,
 *  this_cpu_vector (TPIDR_EL2), MDSCR_EL1 restore;
 *  run loop: __vgic_v3_save_state (ICH_VMCR_EL2 read, ICH_HCR_EL2 cleared, ICH_MISR_EL2 read), then
 *  __vgic_v3_restore_state (ICH_HCR_EL2 write);
 *  entry half: host_data_ptr (TPIDR_EL2), MDSCR_EL1 save, HCR_EL2 (__compute_hcr), CPACR_EL1, kvm_hyp_vector
 *  (TPIDR_EL2), MDSCR_EL1 restore; __guest_enter: adr_this_cpu and set_loaded_vcpu (TPIDR_EL2 x2), HCR_EL2
 *  (ptrauth_switch_to_guest); then the ERET.
 */
const L1_TRAPS_NV1 = [
  "R ESR_EL2", "R TPIDR_EL2", "R TPIDR_EL2", "R HCR_EL2", "R TPIDR_EL2",
  "R MDSCR_EL1", "W HCR_EL2", "W CPACR_EL1", "R TPIDR_EL2", "W MDSCR_EL1",
  "R ICH_VMCR_EL2", "W ICH_HCR_EL2", "R ICH_MISR_EL2", "W ICH_HCR_EL2",
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

/**
 * One put+load pair inside a guest hypervisor: at depth 3, L1 forwards the leaf's HVC to L2 (kvm_inject_nested), so
 * L1's kvm_arch_vcpu_put runs for its vcpu in nested context and kvm_arch_vcpu_load in hyp context. Its accesses that
 * trap to L0, in order, by hand from Linux 7.3-rc7 (arch/arm64/kvm/arm.c kvm_arch_vcpu_put/kvm_arch_vcpu_load; the
 * change applied, so put_fp/load_fp return early):
 *  put: kvm_vcpu_put_debug's MDCR_EL2 write (not in the VNCR page: access_mdcr); __deactivate_traps_common's
 *  PMUSERENR_EL0 write (MDCR_EL2.TPM) and cpu_has_amu()'s ID_AA64PFR0_EL1 read (HCR_EL2.TID3), the HSTR/HCRX/FGT
 *  writes being VNCR memory; __sysreg_save_el1_state's CNTKCTL_EL12 read (not in the VNCR page); kvm_timer_vcpu_put
 *  (timer_save_state x2): the EL02 CTL/CVAL reads complete on L0's fast path (kvm_hyp_handle_timer), the CTL
 *  writes are full exits (access_arch_timer); the vgic's APRs are VNCR memory.
 *  load: kvm_timer_vcpu_load: the two GIC redistributor MMIO writes of kvm_timer_vcpu_load_gic (the in-kernel vGIC
 *  at L0), the four EL02 CVAL/CTL writes (full exits), timer_set_traps' CNTHCTL_EL2 read and write (the value changes
 *  between the hyp and nested contexts with FEAT_ECV); kvm_vcpu_load_debug's MDCR_EL2 read and write;
 *  __sysreg_restore_vel2_state's CNTKCTL_EL12 write; __activate_traps_common's PMSELR_EL0 write and PMUSERENR_EL0
 *  read and write (MDCR_EL2.TPM) and ID_AA64PFR0_EL1 read (TID3).
 */
describe("golden: one put+load pair inside a guest hypervisor (depth 3, NV2, ECV, FGT)", () => {
  it("lists the accesses of L1's put and load that trap to L0, in order", () => {
    const m = machine({ depth: 3 }, "all");
    for (let i = 0; i < 3; i++) m.leafTrap({ ec: "HVC64", reason: "hvc" });
    const recs = record(m, () => m.leafTrap({ ec: "HVC64", reason: "hvc" }));
    const put = recs.findIndex((r) => r.name === "vcpu_put" && r.level === 1);
    const load = recs.findIndex((r, i) => i > put && r.name === "vcpu_load" && r.level === 1);
    // the load ends where L1's entry half begins: its first trap there is __activate_cptr_traps' CPACR_EL1 write
    const entry = recs.findIndex((r, i) => i > load && r.name === "sysreg_trap" && r.level === 1 && r.fields.reg === "CPACR_EL1");
    expect(put).toBeGreaterThan(0);
    const traps: string[] = [];
    let reg = "";
    for (const r of recs.slice(put, entry)) {
      if (r.name === "sysreg_trap" && r.level === 1) reg = `${r.fields.write ? "W" : "R"} ${r.fields.reg}`;
      else if (r.name === "trap_begin" && r.level === 1) {
        traps.push(r.fields.reason === "sysreg" ? reg : r.fields.reason);
        reg = "";
      }
    }
    expect(traps).toEqual([
      // put
      "W MDCR_EL2",
      "W PMUSERENR_EL0_TRAPPED",
      "R ID_AA64PFR0_EL1",
      "R CNTKCTL_EL12",
      "R CNTV_CTL_EL02",
      "R CNTV_CVAL_EL02",
      "W CNTV_CTL_EL02",
      "R CNTP_CTL_EL02",
      "R CNTP_CVAL_EL02",
      "W CNTP_CTL_EL02",
      // load
      "mmio-kernel",
      "mmio-kernel",
      "W CNTV_CVAL_EL02",
      "W CNTV_CTL_EL02",
      "W CNTP_CVAL_EL02",
      "W CNTP_CTL_EL02",
      "R CNTHCTL_EL2",
      "W CNTHCTL_EL2",
      "R MDCR_EL2",
      "W MDCR_EL2",
      "W CNTKCTL_EL12",
      "W PMSELR_EL0",
      "R PMUSERENR_EL0_TRAPPED",
      "W PMUSERENR_EL0_TRAPPED",
      "R ID_AA64PFR0_EL1",
    ]);
  });
});

/**
 * A guest hypervisor's own tick at depth 2 (its EL2 timer fires while L2 runs: L0 forwards the interrupt, L1 takes
 * a full exit and its kernel runs the tick), written from 7.3-rc7:
 *  - drivers/clocksource/arm_arch_timer.c: on the EL2 physical timer (ARCH_TIMER_HYP_PPI) arch_timer_handler_phys ->
 *    timer_handler reads CNTP_CTL_EL0 (CNTHP_CTL_EL2 with E2H) and writes it masked; the tick's work reads the clock
 *    (three reads assumed: ktime_get, sched_clock); the re-arm set_next_event(ARCH_TIMER_PHYS_ACCESS) reads CTL and
 *    the counter (__arch_counter_get_cntpct), writes CVAL and CTL.
 *  - arch/arm64/kvm/arch_timer.c timer_set_traps at L0 for L1's vcpu in hyp context: with a physical counter offset
 *    and no CNTPOFF (no FEAT_ECV) tpt and tpc are set, so every one of those accesses traps; hyp/vhe/switch.c
 *    kvm_hyp_handle_timer completes the reads (SYS_CNTP_CTL_EL0 with E2H, SYS_CNTPCT_EL0), the writes take a full exit
 *    (sys_regs.c access_arch_timer).
 *  - On the EL2 virtual timer (ARCH_TIMER_HYP_VIRT_PPI) L0 runs L1's hvtimer directly with its offset in CNTVOFF_EL2
 *    (get_timer_map, timer_restore_state): none of them traps. With FEAT_ECV L0 has CNTPOFF: none traps either.
 */
describe("golden: a guest hypervisor's tick on its EL2 timers, depth 2", () => {
  const timerTraps = (ecv: boolean, physOffset: boolean, el2Vtimer: boolean): string[] => {
    const m = machine({ depth: 2, ecv, physOffset, el2Vtimer }, "all");
    applyHostEvent(m, "tick", 1);
    const s = summarize(record(m, () => applyHostEvent(m, "tick", 1)));
    const out: string[] = [];
    s.forEach((line, i) => {
      if (/ CNT/.test(line)) out.push(`${line.replace(/^trap L1->L0 SYS64 /, "")}: ${s[i + 1]}`);
    });
    return out;
  };

  it("physical timer, a counter offset, no FEAT_ECV: reads on L0's fast path, writes full exits", () => {
    expect(timerTraps(false, true, false)).toEqual([
      "CNTP_CTL_EL0_TRAPPED: L0 fast", // timer_handler: read CTL
      "CNTP_CTL_EL0_TRAPPED: L0 full", // ... write it masked
      "CNTPCT_EL0_TRAPPED: L0 fast", // the tick's clock reads
      "CNTPCT_EL0_TRAPPED: L0 fast",
      "CNTPCT_EL0_TRAPPED: L0 fast",
      "CNTP_CTL_EL0_TRAPPED: L0 fast", // set_next_event: read CTL
      "CNTPCT_EL0_TRAPPED: L0 fast", // ... the counter
      "CNTP_CVAL_EL0_TRAPPED: L0 full", // ... write CVAL
      "CNTP_CTL_EL0_TRAPPED: L0 full", // ... write CTL
    ]);
  });

  it("virtual timer, or FEAT_ECV's CNTPOFF, or no offset: nothing of the timer traps", () => {
    expect(timerTraps(false, true, true)).toEqual([]);
    expect(timerTraps(true, true, false)).toEqual([]);
    expect(timerTraps(false, false, false)).toEqual([]);
  });
});
