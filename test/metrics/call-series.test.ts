// The calls' series are found once per (action, result) and kept: what they count must still be
// each call in its own series, ok apart from error, an unknown action under "unknown", and a
// histogram series only once a call of that pair was answered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ActivityFeed, answeredActivity, callActivity } from '../../src/domain/activity.js';
import { TomadaMetrics } from '../../src/metrics/tomada.js';

/** The exposition's lines of one metric, by their text before the value. */
async function samples(metrics: TomadaMetrics, name: string): Promise<Map<string, number>> {
  const lines = (await metrics.registry.render()).split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name}_`));
  return new Map(lines.map((line) => [line.slice(0, line.lastIndexOf(' ')), Number(line.slice(line.lastIndexOf(' ') + 1))]));
}

test('calls count in the series of their action and result, the same series every time', async () => {
  const metrics = new TomadaMetrics('test');
  const feed = new ActivityFeed();
  metrics.observe(feed);
  const call = (action: string, errorCode?: string) => feed.emit(callActivity('CP1', '1.6', action, {}, errorCode ? { errorCode } : { response: {} }));
  call('Heartbeat');
  call('Heartbeat');
  call('Heartbeat', 'FormationViolation');
  call('MeterValues');
  call('NoSuchAction');
  call('AnotherInvention');
  const messages = await samples(metrics, 'tomada_ocpp_messages_total');
  assert.deepEqual(
    messages,
    new Map([
      ['tomada_ocpp_messages_total{action="Heartbeat",result="ok"}', 2],
      ['tomada_ocpp_messages_total{action="Heartbeat",result="error"}', 1],
      ['tomada_ocpp_messages_total{action="MeterValues",result="ok"}', 1],
      ['tomada_ocpp_messages_total{action="unknown",result="ok"}', 2],
    ]),
  );
  // No call was answered yet: the answer times have no series at all.
  assert.deepEqual(await samples(metrics, 'tomada_ocpp_answer_duration_seconds'), new Map());

  feed.emit(answeredActivity('CP1', 'Heartbeat', 0.003));
  feed.emit(answeredActivity('CP1', 'Heartbeat', 0.2));
  feed.emit(answeredActivity('CP1', 'Heartbeat', 0.004, 'FormationViolation'));
  const answers = await samples(metrics, 'tomada_ocpp_answer_duration_seconds');
  assert.equal(answers.get('tomada_ocpp_answer_duration_seconds_count{action="Heartbeat",result="ok"}'), 2);
  assert.equal(answers.get('tomada_ocpp_answer_duration_seconds_bucket{action="Heartbeat",result="ok",le="0.005"}'), 1);
  assert.equal(answers.get('tomada_ocpp_answer_duration_seconds_bucket{action="Heartbeat",result="ok",le="0.25"}'), 2);
  assert.equal(answers.get('tomada_ocpp_answer_duration_seconds_sum{action="Heartbeat",result="ok"}'), 0.203);
  assert.equal(answers.get('tomada_ocpp_answer_duration_seconds_count{action="Heartbeat",result="error"}'), 1);
  assert.equal(answers.get('tomada_ocpp_answer_duration_seconds_bucket{action="Heartbeat",result="error",le="0.0025"}'), 0);
  assert.equal(answers.get('tomada_ocpp_answer_duration_seconds_bucket{action="Heartbeat",result="error",le="0.005"}'), 1);
  assert.equal([...answers.keys()].filter((key) => key.includes('MeterValues')).length, 0, 'MeterValues was never answered');
});
