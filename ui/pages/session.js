// @ts-check
// One session: what it was, its energy over time, and every meter value as received.
import { api, ApiError } from '../lib/api.js';
import { energyChart } from '../lib/chart.js';
import { badge, facts, formatDuration, formatEnergy, formatTime, h, replace, table } from '../lib/dom.js';
import * as live from '../lib/live.js';

/** @param {HTMLElement} main @param {{id?: string}} params */
export function sessionPage(main, { id = '' }) {
  const head = h('div.page-head', null, h('h1', null, `Session ${id}`));
  const summary = h('section.card');
  const chart = h('section.card.wide', { id: 'energy-chart' });
  const samples = h('section.card.wide');
  replace(main, head, summary, chart, samples);
  let active = true;

  async function load() {
    let tx, series;
    try {
      [tx, series] = await Promise.all([api(`/transactions/${id}`), api(`/transactions/${id}/energy`)]);
    } catch (error) {
      replace(summary, h('p.error', null, error instanceof ApiError && error.status === 404 ? 'No such session.' : /** @type {Error} */ (error).message));
      return;
    }
    active = tx.stoppedAt === null;
    const last = series.points[series.points.length - 1];
    const end = tx.stoppedAt ? Date.parse(tx.stoppedAt) : Date.now();
    replace(head, h('h1', null, `Session ${tx.id}`), badge(active ? 'running' : 'ended', active ? 'busy' : 'ok'));
    replace(
      summary,
      facts([
        ['Charge point', h('a', { href: `#/charge-points/${encodeURIComponent(tx.chargePointId)}` }, tx.chargePointId)],
        ['Connector', String(tx.connectorId)],
        ['Id tag', [tx.idTag, ' ', badge(tx.idTagStatus)]],
        ['Started', formatTime(tx.startedAt)],
        ['Stopped', tx.stoppedAt ? `${formatTime(tx.stoppedAt)}${tx.stopReason ? ` (${tx.stopReason})` : ''}` : 'still running'],
        ['Duration', formatDuration(end - Date.parse(tx.startedAt))],
        ['Energy', h('strong', { id: 'session-energy' }, active ? `${formatEnergy(last?.energyWh ?? 0)} so far` : formatEnergy(tx.energyWh))],
        ['Energy source', tx.energySource],
        ['Meter start · stop', `${tx.meterStartWh} Wh · ${tx.meterStopWh ?? '—'} Wh`],
        ['Anomalies', tx.anomalies.length ? tx.anomalies.map((/** @type {string} */ a) => badge(a, 'bad')) : 'none'],
        ['Signed meter values', [badge(tx.signedMeterStatus), tx.signedMeterReason ? ` ${tx.signedMeterReason}` : '']],
      ]),
    );
    replace(chart, h('h2', null, 'Energy over time'), energyChart(series.points));
    replace(
      samples,
      h(
        'details',
        null,
        h('summary', null, `${tx.meterValues.length} meter values as received`),
        table(
          ['Time', 'Measurand', 'Value', 'Unit', 'Context', 'Phase', 'Location'],
          tx.meterValues.map((/** @type {any} */ s) => [formatTime(s.timestamp), s.measurand, s.format === 'SignedData' ? 'signed data' : s.value, s.unit, s.context, s.phase ?? '', s.location]),
        ),
      ),
    );
  }
  void load();
  // A running session grows: read again when its stop is reported, and every few seconds.
  const timer = setInterval(() => {
    if (active && !samples.querySelector('details[open]')) void load();
  }, 5000);
  const off = live.onChange((what) => {
    if (what.type === 'transaction' && String(what.data.id) === id) void load();
  });
  return () => {
    clearInterval(timer);
    off();
  };
}
