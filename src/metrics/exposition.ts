// A small Prometheus registry and text-format writer (exposition format 0.0.4): counters,
// histograms and gauges read at scrape time, with labels. It is all Tomada needs, and saves a
// dependency. Label values are escaped; every label set a metric has seen is kept, so callers must
// only use label values from bounded sets (never an id or anything a client chooses freely).

export type Labels = Record<string, string>;

const escapeLabel = (value: string) => value.replaceAll('\\', '\\\\').replaceAll('\n', '\\n').replaceAll('"', '\\"');
const escapeHelp = (text: string) => text.replaceAll('\\', '\\\\').replaceAll('\n', '\\n');

function labelText(labels: Labels, extra?: [string, string]): string {
  const pairs = Object.entries(labels);
  if (extra) pairs.push(extra);
  return pairs.length === 0 ? '' : `{${pairs.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',')}}`;
}

/** Numbers as Prometheus writes them: +Inf, -Inf, NaN, else the shortest exact decimal. */
const num = (value: number) => (value === Infinity ? '+Inf' : value === -Infinity ? '-Inf' : Number.isNaN(value) ? 'NaN' : String(value));

/**
 * One text per label set, whatever the order of its names. Every call counts a few series, so this
 * avoids JSON.stringify and sorting entries (1.7 % of a node's main thread in a reconnect storm):
 * names in sorted order, each with its value, split by characters no label value of ours holds;
 * a value that does hold them falls back to JSON, which cannot be mistaken for the plain form.
 */
function seriesKey(labels: Labels): string {
  const names = Object.keys(labels);
  if (names.length > 1) names.sort();
  let key = '';
  for (const name of names) {
    const value = labels[name]!;
    if (value.includes('\u0000') || value.includes('\u0001')) return JSON.stringify(names.map((n) => [n, labels[n]]));
    key += `${name}\u0000${value}\u0001`;
  }
  return key;
}

interface Metric {
  readonly name: string;
  render(): Promise<string[]> | string[];
}

abstract class Labelled<T> implements Metric {
  protected readonly series = new Map<string, { labels: Labels; value: T }>();

  constructor(
    readonly name: string,
    protected readonly help: string,
    private readonly type: string,
  ) {}

  protected get(labels: Labels, make: () => T): T {
    const key = seriesKey(labels);
    let entry = this.series.get(key);
    if (!entry) {
      entry = { labels, value: make() };
      this.series.set(key, entry);
    }
    return entry.value;
  }

  protected header(): string[] {
    return [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} ${this.type}`];
  }

  abstract render(): string[];
}

export class Counter extends Labelled<{ n: number }> {
  /**
   * `zeroes`: label sets shown at 0 before they first count. A series that appears only with its
   * first event cannot be rated or alerted on before it (an absent series is not a 0).
   */
  constructor(name: string, help: string, zeroes: readonly Labels[] = []) {
    super(name, help, 'counter');
    for (const labels of zeroes) this.get(labels, () => ({ n: 0 }));
  }

  inc(labels: Labels = {}, by = 1): void {
    this.get(labels, () => ({ n: 0 })).n += by;
  }

  /**
   * One series, found once: a caller counting the same label set on every OCPP call keeps it and
   * counts with no label object and no series key built each time.
   */
  handle(labels: Labels): { inc(by?: number): void } {
    const value = this.get(labels, () => ({ n: 0 }));
    return {
      inc: (by = 1) => {
        value.n += by;
      },
    };
  }

  value(labels: Labels = {}): number {
    return this.get(labels, () => ({ n: 0 })).n;
  }

  render(): string[] {
    return [...this.header(), ...[...this.series.values()].map(({ labels, value }) => `${this.name}${labelText(labels)} ${num(value.n)}`)];
  }
}

export class Histogram extends Labelled<{ counts: number[]; sum: number; count: number }> {
  constructor(
    name: string,
    help: string,
    private readonly buckets: readonly number[],
  ) {
    super(name, help, 'histogram');
  }

  observe(value: number, labels: Labels = {}): void {
    this.record(this.entry(labels), value);
  }

  /** One series, found once (as Counter.handle). */
  handle(labels: Labels): { observe(value: number): void } {
    const entry = this.entry(labels);
    return { observe: (value) => this.record(entry, value) };
  }

  private entry(labels: Labels): { counts: number[]; sum: number; count: number } {
    return this.get(labels, () => ({ counts: this.buckets.map(() => 0), sum: 0, count: 0 }));
  }

  private record(series: { counts: number[]; sum: number; count: number }, value: number): void {
    // A loop, not forEach: no closure per observation.
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) series.counts[i]!++;
    series.sum += value;
    series.count++;
  }

  render(): string[] {
    const lines = this.header();
    for (const { labels, value } of this.series.values()) {
      this.buckets.forEach((bound, i) => lines.push(`${this.name}_bucket${labelText(labels, ['le', num(bound)])} ${value.counts[i]}`));
      lines.push(`${this.name}_bucket${labelText(labels, ['le', '+Inf'])} ${value.count}`);
      lines.push(`${this.name}_sum${labelText(labels)} ${num(value.sum)}`);
      lines.push(`${this.name}_count${labelText(labels)} ${value.count}`);
    }
    return lines;
  }
}

/** A gauge whose values are read when scraped. */
export class CollectedGauge implements Metric {
  constructor(
    readonly name: string,
    private readonly help: string,
    private readonly collect: () => Promise<{ labels: Labels; value: number }[]> | { labels: Labels; value: number }[],
  ) {}

  async render(): Promise<string[]> {
    const values = await this.collect();
    return [`# HELP ${this.name} ${escapeHelp(this.help)}`, `# TYPE ${this.name} gauge`, ...values.map(({ labels, value }) => `${this.name}${labelText(labels)} ${num(value)}`)];
  }
}

export class Registry {
  private readonly metrics: Metric[] = [];
  private readonly collectTimeoutMs: number;

  /**
   * `collectTimeoutMs`: how long a metric read at scrape time may take. One that fails or takes
   * longer (a gauge read from the database while it is down) is left out of that scrape, with a
   * comment saying why, so that the others (the errors counted while the database is down among
   * them) can still be scraped, within the scraper's own timeout.
   */
  constructor({ collectTimeoutMs = 2_000 }: { collectTimeoutMs?: number } = {}) {
    this.collectTimeoutMs = collectTimeoutMs;
  }

  add<M extends Metric>(metric: M): M {
    if (this.metrics.some((m) => m.name === metric.name)) throw new Error(`metric ${metric.name} is registered twice`);
    this.metrics.push(metric);
    return metric;
  }

  /** The text exposition of every metric, in registration order. */
  async render(): Promise<string> {
    const blocks = await Promise.all(this.metrics.map((m) => this.renderOne(m)));
    return `${blocks.flat().join('\n')}\n`;
  }

  private async renderOne(metric: Metric): Promise<string[]> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no value within ${this.collectTimeoutMs} ms`)), this.collectTimeoutMs);
    });
    try {
      return await Promise.race([Promise.resolve().then(() => metric.render()), late]);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return [`# ${metric.name} not collected: ${reason.replaceAll('\n', ' ')}`];
    } finally {
      clearTimeout(timer);
    }
  }
}

export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
