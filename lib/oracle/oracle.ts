import type { FpObserver } from "../engine/types";

/**
 * The FP/SVE correctness oracle: it tracks WHOSE values each FP/SVE register file and each saved buffer holds, as
 * the hypervisor model (the same code as the performance model) moves them. Every write by a context creates a new
 * version; a context that reads anything but its own latest version (or its version cut to a shorter vector length)
 * is a violation: state lost on a save, restored from a stale buffer, or leaked from another context.
 *
 * Contexts: the leaf's architectural FP state; each level's host task (its VMM thread's user state); kernel-mode
 * NEON and other tasks, which clobber the registers. Buffers: each level's vcpu FP buffer (ctxt.fp_regs/sve_state)
 * and each level's thread user state. Register files: one per physical CPU.
 */
export interface Tag {
  readonly ctx: string;
  readonly ver: number;
  /** vector length (bits) up to which the Z registers hold these values (FPSIMD-only: the same for all) */
  readonly vl: number;
}

export interface Violation {
  /** which context read wrong values */
  readonly reader: string;
  readonly level: number;
  readonly expected: Tag;
  readonly got: Tag;
  readonly cpu: number;
}

export const tagText = (t: Tag): string => `${t.ctx}#${t.ver}${t.vl ? `@${t.vl}b` : ""}`;

export class FpOracle implements FpObserver {
  readonly hw: Tag[];
  readonly vcpuBuf: Tag[];
  readonly hostBuf: Tag[];
  private readonly latest = new Map<string, Tag>();
  private ver = 0;
  private cpu = 0;
  /** the leaf's current SVE vector length (it may shorten it, e.g. with prctl(PR_SVE_SET_VL)) */
  leafVl: number;
  violations: Violation[] = [];

  constructor(
    readonly depth: number,
    readonly maxVl: number,
  ) {
    this.leafVl = maxVl;
    const init = (ctx: string): Tag => ({ ctx, ver: 0, vl: maxVl });
    this.hw = [init("cpu0-boot"), init("cpu1-boot")];
    const leaf = init("leaf");
    this.latest.set("leaf", leaf);
    // the leaf's state starts in its hypervisor's vcpu buffer; lower levels' vcpu buffers hold their guest
    // hypervisor's own (irrelevant) register contents
    this.vcpuBuf = Array.from({ length: depth }, (_, j) => (j === depth - 1 ? leaf : init(`L${j + 1}-regs`)));
    this.hostBuf = Array.from({ length: depth }, (_, j) => {
      const t = init(`vmm@L${j}`);
      this.latest.set(`vmm@L${j}`, t);
      return t;
    });
  }

  save(level: number, buffer: "vcpu" | "host", truncateToGuestVl: boolean): void {
    const t = this.hw[this.cpu]!;
    const saved = truncateToGuestVl && this.maxVl > 0 && this.leafVl < t.vl ? { ...t, vl: this.leafVl } : t;
    (buffer === "vcpu" ? this.vcpuBuf : this.hostBuf)[level] = saved;
  }

  restore(level: number, buffer: "vcpu" | "host"): void {
    this.hw[this.cpu] = (buffer === "vcpu" ? this.vcpuBuf : this.hostBuf)[level]!;
  }

  use(level: number, who: "leaf" | "vmm" | "neon" | "other"): void {
    if (who === "leaf" || who === "vmm") {
      const key = who === "leaf" ? "leaf" : `vmm@L${level}`;
      const expected = this.latest.get(key)!;
      const got = this.hw[this.cpu]!;
      if (got.ctx !== expected.ctx || got.ver !== expected.ver || got.vl < expected.vl) {
        this.violations.push({ reader: key, level, expected, got, cpu: this.cpu });
      }
      const t: Tag = { ctx: key, ver: ++this.ver, vl: who === "leaf" ? this.leafVl : this.maxVl };
      this.hw[this.cpu] = t;
      this.latest.set(key, t);
      return;
    }
    this.hw[this.cpu] = { ctx: `${who}@L${level}`, ver: ++this.ver, vl: this.maxVl };
  }

  switchCpu(cpu: number): void {
    this.cpu = cpu;
  }

  /** the leaf changes its vector length: its SVE state is discarded and rewritten at the new length */
  setLeafVl(vl: number): void {
    this.leafVl = vl;
  }
}
