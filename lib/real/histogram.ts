/**
 * A duration distribution in bounded memory: count, sum, sum of squares, min and max exactly, and a log-scale
 * histogram (16 buckets per doubling, 1 ns to 2^44 ns) for quantiles, each within +-2.2% of the true value.
 * Deterministic: the same durations in the same order give the same figures.
 */
const PER_OCTAVE = 16;
const OCTAVES = 44;
const BUCKETS = PER_OCTAVE * OCTAVES;

export interface DistributionSummary {
  readonly count: number;
  readonly meanNs: number;
  /** sample standard deviation (0 for fewer than two samples) */
  readonly sdNs: number;
  readonly minNs: number;
  readonly maxNs: number;
  readonly p50Ns: number;
  readonly p90Ns: number;
  readonly p99Ns: number;
}

export class Distribution {
  count = 0;
  sum = 0;
  sumSq = 0;
  min = Infinity;
  max = -Infinity;
  private readonly buckets = new Float64Array(BUCKETS);

  add(ns: number): void {
    this.count++;
    this.sum += ns;
    this.sumSq += ns * ns;
    if (ns < this.min) this.min = ns;
    if (ns > this.max) this.max = ns;
    const b = ns < 1 ? 0 : Math.min(BUCKETS - 1, Math.floor(Math.log2(ns) * PER_OCTAVE));
    this.buckets[b]!++;
  }

  /** the q-quantile (0 < q < 1) from the histogram: the geometric middle of its bucket, clamped to [min, max] */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    const target = q * this.count;
    let seen = 0;
    for (let b = 0; b < BUCKETS; b++) {
      seen += this.buckets[b]!;
      if (seen >= target && this.buckets[b]! > 0) {
        const mid = Math.pow(2, (b + 0.5) / PER_OCTAVE);
        return Math.min(this.max, Math.max(this.min, mid));
      }
    }
    return this.max;
  }

  get mean(): number {
    return this.count > 0 ? this.sum / this.count : 0;
  }

  get sd(): number {
    if (this.count < 2) return 0;
    const v = (this.sumSq - (this.sum * this.sum) / this.count) / (this.count - 1);
    return v > 0 ? Math.sqrt(v) : 0;
  }

  summary(): DistributionSummary {
    const empty = this.count === 0;
    return {
      count: this.count,
      meanNs: this.mean,
      sdNs: this.sd,
      minNs: empty ? 0 : this.min,
      maxNs: empty ? 0 : this.max,
      p50Ns: this.quantile(0.5),
      p90Ns: this.quantile(0.9),
      p99Ns: this.quantile(0.99),
    };
  }
}
