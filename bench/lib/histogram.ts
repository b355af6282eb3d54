// Latency histogram in microseconds: exact below 1 ms, then 64 buckets per power of two (about
// 1.5 % resolution), so p999 of millions of samples costs a few kilobytes, merges across worker
// processes by adding counts, and crosses IPC as a plain object.

const LINEAR_LIMIT = 1024;
const SUB_BUCKETS = 64;

function bucketOf(us: number): number {
  const v = Math.max(0, Math.round(us));
  if (v < LINEAR_LIMIT) return v;
  const exponent = Math.floor(Math.log2(v)); // ≥ 10
  const fraction = Math.floor(((v / 2 ** exponent) - 1) * SUB_BUCKETS);
  return LINEAR_LIMIT + (exponent - 10) * SUB_BUCKETS + fraction;
}

/** The upper bound of a bucket, in microseconds (what a percentile reports: never optimistic). */
function bucketValue(bucket: number): number {
  if (bucket < LINEAR_LIMIT) return bucket;
  const offset = bucket - LINEAR_LIMIT;
  const exponent = 10 + Math.floor(offset / SUB_BUCKETS);
  const fraction = (offset % SUB_BUCKETS) + 1;
  return 2 ** exponent * (1 + fraction / SUB_BUCKETS);
}

export type HistogramData = Record<string, number>;

export class Histogram {
  private readonly counts = new Map<number, number>();
  count = 0;
  max = 0;

  recordMs(ms: number): void {
    const us = ms * 1000;
    const bucket = bucketOf(us);
    this.counts.set(bucket, (this.counts.get(bucket) ?? 0) + 1);
    this.count++;
    if (us > this.max) this.max = us;
  }

  toJSON(): HistogramData {
    const data: HistogramData = { max: this.max };
    for (const [bucket, count] of this.counts) data[bucket] = count;
    return data;
  }

  merge(data: HistogramData): void {
    for (const [key, count] of Object.entries(data)) {
      if (key === 'max') {
        this.max = Math.max(this.max, count);
        continue;
      }
      const bucket = Number(key);
      this.counts.set(bucket, (this.counts.get(bucket) ?? 0) + count);
      this.count += count;
    }
  }

  /** The latency (ms) that `q` (0..1) of the samples do not exceed. */
  percentileMs(q: number): number {
    if (this.count === 0) return NaN;
    const target = Math.ceil(q * this.count);
    let seen = 0;
    for (const bucket of [...this.counts.keys()].sort((a, b) => a - b)) {
      seen += this.counts.get(bucket)!;
      if (seen >= target) return Math.min(bucketValue(bucket), this.max) / 1000;
    }
    return this.max / 1000;
  }
}
