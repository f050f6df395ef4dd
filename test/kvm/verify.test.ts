import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PATH_DEFS } from "../../lib/kvm/paths";
import { type PathSource, isKernelTree, verifyKernel } from "../../lib/kvm/verify";
import { projectRoot } from "../../lib/util/root";

/**
 * The model's citations against the pinned kernel tree (../shared/reference/linux-7.3-rc7 beside the project). The
 * tree is reference data, not part of the repository: without it these tests are skipped and say so.
 */
const ROOT = join(projectRoot(), "..", "shared", "reference", "linux-7.3-rc7");
const present = existsSync(ROOT) && isKernelTree(ROOT);
if (!present) console.warn(`verify:kernel tests skipped: no kernel tree at ${ROOT}`);

describe.skipIf(!present)("verify:kernel against Linux 7.3-rc7", () => {
  it("finds every cited function and verifies every access, or has a stated reason", () => {
    const r = verifyKernel(ROOT);
    expect(r.missingCitations).toEqual([]);
    expect(r.unknownRegisters).toEqual([]);
    expect(r.registerNames).toBeGreaterThan(80);
    expect(r.findings.filter((f) => f.status === "failed").map((f) => `${f.path}: ${f.op}`)).toEqual([]);
    // every path with a system-register access was checked
    const withSysregs = Object.entries(PATH_DEFS).filter(([, d]) => (d as PathSource).ops.some((o) => /^[RW] /.test(o)));
    expect(new Set(r.findings.map((f) => f.path)).size).toBe(withSysregs.length);
    for (const f of r.findings.filter((x) => x.status === "unverified")) expect(f.detail.length).toBeGreaterThan(40);
  });

  it("reports a function that is not in the cited file", () => {
    const r = verifyKernel(ROOT, 3, {
      bogus: { src: [{ file: "arch/arm64/kvm/hyp/vhe/switch.c", fn: "kvm_vcpu_run_nonexistent" }], ops: ["R HCR_EL2"] },
      moved: { src: [{ file: "arch/arm64/kvm/arm.c", fn: "__kvm_vcpu_run_vhe" }], ops: [] },
    });
    expect(r.missingCitations).toEqual([
      "bogus: arch/arm64/kvm/hyp/vhe/switch.c kvm_vcpu_run_nonexistent",
      "moved: arch/arm64/kvm/arm.c __kvm_vcpu_run_vhe",
    ]);
  });

  it("rejects an access the cited code does not make, in either direction", () => {
    const at = (name: keyof typeof PATH_DEFS, ops: string[]): PathSource => ({ src: (PATH_DEFS[name] as PathSource).src, ops });
    const r = verifyKernel(ROOT, 3, {
      // __guest_exit reads ISR_EL1; it never writes it, nor touches the list registers
      exitW: at("guestExitCommon", ["W ISR_EL1", "R ICH_LR0_EL2", "R ISR_EL1"]),
      // the fast timer path reads the counter; it writes no compare value
      timer: at("fastTimer", ["W CNTV_CVAL_EL0", "R CNTPCT_EL0"]),
    });
    const status = Object.fromEntries(r.findings.map((f) => [`${f.path} ${f.op}`, f.status]));
    expect(status).toEqual({
      "exitW W ISR_EL1": "failed",
      "exitW R ICH_LR0_EL2": "failed",
      "exitW R ISR_EL1": "literal",
      "timer W CNTV_CVAL_EL0": "failed",
      "timer R CNTPCT_EL0": "literal",
    });
  });

  it("derives aliases from the tree's own macros: accessors, token pasting, direct users", () => {
    const r = verifyKernel(ROOT);
    const detail = (path: string, op: string): string => r.findings.find((f) => f.path === path && f.op === op)?.detail ?? "";
    expect(detail("putSysregsVel2", "R TTBR0_EL12")).toMatch(/read_sysreg_el1\(SYS_TTBR0\).*VHE hyp code/);
    expect(detail("nvheExitHalf", "R TTBR0_EL12")).toMatch(/read_sysreg_el1\(SYS_TTBR0\).*TTBR0_EL1 in nVHE hyp code/);
    expect(detail("fgtActivate", "R HFGRTR_EL2")).toMatch(/__activate_fgt\(\.\.\., HFGRTR_EL2\)/);
    expect(detail("guestExitIrq", "R TPIDR_EL2")).toMatch(/get_this_cpu_offset/);
  });
});
