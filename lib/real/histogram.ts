/**
 * A duration distribution in bounded memory: count, sum, sum of squares, min and max exactly, and quantiles exact
 * while the sample is small (up to EXACT_QUANTILES_UP_TO values, kept; linear interpolation between the two nearest
 * order statistics, so the median of 800 and 1,000 is 900), then from a log-scale histogram (16 buckets per doubling,
 * 1 ns to 2^44 ns), each within +-QUANTILE_ERROR of the true value. Deterministic: the same durations in the same
 * order give the same figures.
 */
export const EXACT_QUANTILES_UP_TO = 4096;
/** the histogram quantiles' relative error bound: half a bucket, 2^(1/32) - 1 */
export const QUANTILE_ERROR = 0.022;
/** how a summary's quantiles were computed */
export type QuantileMethod = "exact" | "histogram";
/** one line for headers and docs: how the quantiles are computed */
export const QUANTILE_NOTE = `median, p90 and p99 exact up to ${EXACT_QUANTILES_UP_TO.toLocaleString("en-US")} exits per row, beyond that from a log histogram within +-${(100 * QUANTILE_ERROR).toFixed(1)}% (marked ~)`;
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
  /** exact (the sample was small enough to keep) or histogram (within +-QUANTILE_ERROR) */
  readonly quantiles: QuantileMethod;
}

export class Distribution {
  count = 0;
  sum = 0;
  sumSq = 0;
  min = Infinity;
  max = -Infinity;
  private readonly buckets = new Float64Array(BUCKETS);
  /** every value while count <= EXACT_QUANTILES_UP_TO; undefined after */
  private exact: number[] | undefined = [];
  /** `exact` sorted, kept while no value is added (summary asks for three quantiles; `exact` only grows) */
  private sorted: Float64Array | undefined;

  add(ns: number): void {
    this.count++;
    if (this.exact !== undefined) {
      if (this.count <= EXACT_QUANTILES_UP_TO) this.exact.push(ns);
      else this.exact = undefined;
    }
    this.sum += ns;
    this.sumSq += ns * ns;
    if (ns < this.min) this.min = ns;
    if (ns > this.max) this.max = ns;
    const b = ns < 1 ? 0 : Math.min(BUCKETS - 1, Math.floor(Math.log2(ns) * PER_OCTAVE));
    this.buckets[b]!++;
  }

  /** whether quantile() is exact */
  get quantilesExact(): boolean {
    return this.exact !== undefined;
  }

  /**
   * the q-quantile (0 < q < 1): exact while the values are kept (linear interpolation between order statistics),
   * otherwise from the histogram: the geometric middle of its bucket, clamped to [min, max]
   */
  quantile(q: number): number {
    if (this.count === 0) return 0;
    if (this.exact !== undefined) {
      if (this.sorted?.length !== this.exact.length) this.sorted = Float64Array.from(this.exact).sort();
      const v = this.sorted;
      const h = (v.length - 1) * q;
      const lo = Math.floor(h);
      const hi = Math.min(v.length - 1, lo + 1);
      return v[lo]! + (h - lo) * (v[hi]! - v[lo]!);
    }
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
      quantiles: this.exact !== undefined ? "exact" : "histogram",
    };
  }
}
