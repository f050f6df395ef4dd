/**
 * The kernel the model pins: every level (L0 on the hardware and each guest hypervisor) runs the KVM/arm64 code of this
 * release, as read from its source (the reference tree's README says how to obtain it). Linux 7.3-rc7 already contains
 * the FP-elision change in its merged form (arch/arm64/kvm/fpsimd.c kvm_arch_vcpu_load_fp / kvm_arch_vcpu_put_fp return
 * early under IN_NESTED_ERET / IN_NESTED_EXCEPTION), so a level in `--patch` runs 7.3-rc7 as it is, and a level left out
 * runs 7.3-rc7 with that change reverted.
 */
export const KERNEL = {
  /** the release, as `uname -r` would print its version */
  release: "7.3-rc7",
  /** how outputs name it */
  name: "Linux 7.3-rc7",
  /** where the source was read */
  source: "Debian linux-source-7.3 7.3~rc7-1~exp1 (suite experimental, 2026-10-16), arm64 KVM unmodified",
} as const;

/** One line naming the pinned kernel and what --patch means against it. */
export function kernelLine(): string {
  return `${KERNEL.name} KVM/arm64 at every level; --patch levels run it as released, the others with the FP-elision change reverted`;
}
