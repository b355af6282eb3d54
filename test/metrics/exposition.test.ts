// The Prometheus text writer: escaping, histogram buckets (cumulative, +Inf), series by label set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CollectedGauge, Counter, Histogram, Registry } from '../../src/metrics/exposition.js';

test('counters, histograms and gauges in the text format', async () => {
  const registry = new Registry();
  const counter = registry.add(new Counter('t_messages_total', 'Messages\nwith a line break and a \\ backslash'));
  const histogram = registry.add(new Histogram('t_seconds', 'Durations', [0.1, 1]));
  registry.add(new CollectedGauge('t_up', 'Up', () => [{ labels: { path: 'a"b\\c\nd' }, value: Infinity }]));
  counter.inc({ action: 'Heartbeat', result: 'ok' });
  counter.inc({ result: 'ok', action: 'Heartbeat' }, 2); // the same series, whatever the key order
  counter.inc({ action: 'Authorize', result: 'error' });
  for (const v of [0.05, 0.1, 0.5, 3]) histogram.observe(v);

  assert.equal(
    await registry.render(),
    [
      '# HELP t_messages_total Messages\\nwith a line break and a \\\\ backslash',
      '# TYPE t_messages_total counter',
      't_messages_total{action="Heartbeat",result="ok"} 3',
      't_messages_total{action="Authorize",result="error"} 1',
      '# HELP t_seconds Durations',
      '# TYPE t_seconds histogram',
      't_seconds_bucket{le="0.1"} 2',
      't_seconds_bucket{le="1"} 3',
      't_seconds_bucket{le="+Inf"} 4',
      't_seconds_sum 3.65',
      't_seconds_count 4',
      '# HELP t_up Up',
      '# TYPE t_up gauge',
      't_up{path="a\\"b\\\\c\\nd"} +Inf',
      '',
    ].join('\n'),
  );
  assert.throws(() => registry.add(new Counter('t_up', 'again')), /registered twice/);
});

test('a counter shows its expected series at 0 before their first count', async () => {
  const registry = new Registry();
  registry.add(new Counter('t_failures_total', 'Failures', [{}]));
  const errors = registry.add(new Counter('t_errors_total', 'Errors', [{ code: 'A' }, { code: 'B' }]));
  errors.inc({ code: 'B' });
  errors.inc({ code: 'C' });
  assert.equal(
    await registry.render(),
    [
      '# HELP t_failures_total Failures',
      '# TYPE t_failures_total counter',
      't_failures_total 0',
      '# HELP t_errors_total Errors',
      '# TYPE t_errors_total counter',
      't_errors_total{code="A"} 0',
      't_errors_total{code="B"} 1',
      't_errors_total{code="C"} 1',
      '',
    ].join('\n'),
  );
});

test('a gauge that cannot be read (its store is down, or slow) leaves the other metrics scrapable', async () => {
  const registry = new Registry({ collectTimeoutMs: 100 });
  const counter = registry.add(new Counter('t_errors_total', 'Errors'));
  registry.add(new CollectedGauge('t_failing', 'Read from a store that is down', async () => { throw new Error('Connection terminated unexpectedly'); }));
  registry.add(new CollectedGauge('t_hanging', 'Read from a store that does not answer', () => new Promise(() => {})));
  counter.inc({ code: 'InternalError' });
  const started = Date.now();
  const text = await registry.render();
  assert.ok(Date.now() - started < 2_000, 'the scrape does not wait for the hanging gauge');
  assert.equal(
    text,
    [
      '# HELP t_errors_total Errors',
      '# TYPE t_errors_total counter',
      't_errors_total{code="InternalError"} 1',
      '# t_failing not collected: Connection terminated unexpectedly',
      '# t_hanging not collected: no value within 100 ms',
      '',
    ].join('\n'),
  );
});

test('a label set is one series whatever the order of its names, and values never run into each other', async () => {
  const registry = new Registry();
  const counter = registry.add(new Counter('t_calls_total', 'Calls'));
  counter.inc({ action: 'Heartbeat', code: 'none' });
  counter.inc({ code: 'none', action: 'Heartbeat' });
  // Values that would read alike if names and values were merely strung together.
  counter.inc({ action: 'a\u0000code', code: 'b' });
  counter.inc({ action: 'a', code: 'code\u0000b' });
  counter.inc({ action: 'a\u0001', code: 'b' });
  counter.inc({ action: 'a', code: '\u0001b' });
  assert.equal(counter.value({ action: 'Heartbeat', code: 'none' }), 2);
  const series = (await registry.render()).split('\n').filter((line) => line.startsWith('t_calls_total{'));
  assert.equal(series.length, 5, series.join('\n'));
});
