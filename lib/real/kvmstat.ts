import { type ImportSummary, type ReasonRow, TraceLineError } from "./importer";

/**
 * `perf kvm stat report` tables (tools/perf/builtin-kvm.c print_result; arm64's events: tools/perf/arch/arm64/util/
 * kvm-stat.c, "VM-EXIT" keyed by kvm_exit's ret, "TRAP-EVENT" by its esr_ec):
 *
 *   Analyze events for all VMs, all VCPUs:
 *
 *                VM-EXIT    Samples  Samples%     Time%    Min Time    Max Time         Avg time
 *
 *               DABT_LOW     661867    98.91%    40.45%      2.19us   3364.65us      6.24us ( +-   0.34% )
 *
 *   Total Samples:669155, Total events handled time:10216387.86us.
 *
 * On arm64 a row's times are not L0's handling of the exit: perf kvm stat's VM-EXIT event begins at kvm_entry and
 * ends at the kvm_exit whose reason keys it (event_begin/event_end in kvm-stat.c), so it times the guest's run up to
 * that exit, both halves of the world switch included (ImportSummary.reasonTimes "entry-to-exit").
 *
 * The "+-" figure is the relative standard error of the mean (perf's stddev_stats / avg_stats), so the standard
 * deviation is that x mean x sqrt(samples). A table has no recording length: rates are unknown (null).
 */

const HEADER_RE = /^\s*(\S.*?)\s+Samples\s+Samples%\s+Time%/;
const ROW_RE = /^\s*(\S+)\s+(\d+)\s+([\d.]+)%\s+([\d.]+)%\s+(?:([\d.]+)us\s+([\d.]+)us\s+)?([\d.]+)us\s+\(\s*\+-\s*([\d.]+)%\s*\)\s*$/;
const TOTAL_RE = /^\s*Total Samples:\s*(\d+),\s*Total events handled time:\s*([\d.]+)us\.?\s*$/;
const INTRO_RE = /^\s*Analyze events for /;

/** true if the line can only come from a perf kvm stat report */
export function isKvmStatLine(line: string): boolean {
  return INTRO_RE.test(line) || HEADER_RE.test(line);
}

export class KvmStatImporter {
  private readonly rows: ReasonRow[] = [];
  private header = false;
  private totalSamples: number | undefined;
  private totalUs: number | undefined;
  private lines = 0;

  constructor(readonly source: string) {}

  line(text: string, n: number): void {
    this.lines = n;
    const t = text.trim();
    if (t === "" || INTRO_RE.test(text) || t.startsWith("#")) return;
    if (HEADER_RE.test(text)) {
      this.header = true;
      return;
    }
    const total = TOTAL_RE.exec(text);
    if (total) {
      this.totalSamples = Number(total[1]);
      this.totalUs = Number(total[2]);
      return;
    }
    const m = ROW_RE.exec(text);
    if (!m || !this.header) {
      throw new TraceLineError(n, `not a row of a perf kvm stat report table ("NAME Samples Samples% Time% [Min Time Max Time] Avg time ( +- x% )"): ${JSON.stringify(t.slice(0, 80))}`);
    }
    const count = Number(m[2]);
    const mean = Number(m[7]) * 1000;
    const rel = Number(m[8]) / 100;
    this.rows.push({
      reason: m[1]!,
      count,
      share: Number(m[3]) / 100,
      perSecond: null,
      meanNs: mean,
      sdNs: rel * mean * Math.sqrt(count),
      minNs: m[5] !== undefined ? Number(m[5]) * 1000 : mean,
      maxNs: m[6] !== undefined ? Number(m[6]) * 1000 : mean,
      p50Ns: null,
      p90Ns: null,
      p99Ns: null,
      quantiles: null,
    });
  }

  finish(truncated = false): ImportSummary {
    if (!this.header) throw new TraceLineError(this.lines, "a perf kvm stat report without its table header (\"... Samples  Samples%  Time% ...\")");
    const exits = this.rows.reduce((s, r) => s + r.count, 0);
    const warnings = ["a perf kvm stat table has exits by reason and their times only: no nested exceptions, ERETs, contexts or registers, and no rates (no recording length)"];
    if (truncated || this.totalSamples === undefined) warnings.push(`${this.source}: truncated: no "Total Samples" line`);
    else if (this.totalSamples !== exits) warnings.push(`${this.source}: the rows add up to ${exits} samples, the table's total says ${this.totalSamples}`);
    const rows = [...this.rows].sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : 1));
    return {
      source: this.source,
      format: "perf-kvm-stat",
      lines: this.lines,
      events: 0,
      seconds: 0,
      cpus: [],
      vcpus: [],
      exits,
      timedExits: exits,
      nestedExceptions: 0,
      directInjects: 0,
      nestedErets: 0,
      userspaceExits: 0,
      exitsByContext: { nested: 0, hyp: 0, unknown: exits },
      perNestedExit: null,
      reasons: rows,
      reasonTimes: "entry-to-exit",
      entryToExit: rows,
      kinds: [],
      windows: [],
      sysregs: [],
      unknownEvents: [],
      unusedKvmEvents: [],
      nestlabEvents: 0,
      lostEvents: 0,
      truncated: truncated || this.totalSamples === undefined,
      timestampDigits: 0,
      warnings,
      quantileNote: "none: a perf kvm stat table prints no quantiles",
      ...(this.totalUs !== undefined ? { totalTimeNs: this.totalUs * 1000 } : {}),
    };
  }
}
