// @ts-check
// Sessions with filters (charge point, running or ended, period). The filters live in the address
// (#/sessions?chargePointId=…), so a filtered list can be bookmarked; it refreshes as sessions
// start and stop.
import { api, query } from '../lib/api.js';
import { badge, formatEnergy, formatTime, h, replace, table } from '../lib/dom.js';
import * as live from '../lib/live.js';

/** datetime-local (the browser's local time) → ISO UTC, or undefined. @param {string} value */
const toIso = (value) => (value ? new Date(value).toISOString() : undefined);
/** ISO → datetime-local value. @param {string | null} iso */
function toLocalInput(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return new Date(d.getTime() - d.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}

/** @param {any} tx */
export function sessionRow(tx) {
  return [
    h('a', { href: `#/sessions/${tx.id}` }, String(tx.id)),
    h('a', { href: `#/charge-points/${encodeURIComponent(tx.chargePointId)}` }, tx.chargePointId),
    String(tx.connectorId),
    tx.idTag,
    formatTime(tx.startedAt),
    tx.stoppedAt ? formatTime(tx.stoppedAt) : badge('running'),
    formatEnergy(tx.energyWh),
    tx.energySource,
    tx.anomalies.length ? tx.anomalies.map((/** @type {string} */ a) => badge(a, 'bad')) : '',
    tx.signedMeterStatus === 'absent' ? '' : badge(tx.signedMeterStatus),
  ];
}
export const sessionHeaders = ['Session', 'Charge point', 'Conn.', 'Id tag', 'Started', 'Stopped', 'Energy', 'Source', 'Anomalies', 'Signed'];

/** @param {HTMLElement} main @param {{query: URLSearchParams}} params */
export function sessionsPage(main, { query: q }) {
  const input = (/** @type {string} */ name, /** @type {Record<string, any>} */ attrs) => h('label', null, h('span', null, attrs.label), h('input', { name, ...attrs, label: undefined }));
  const state = q.get('active') ?? '';
  const form = /** @type {HTMLFormElement} */ (
    h(
      'form.filters',
      {
        onsubmit: (/** @type {Event} */ event) => {
          event.preventDefault();
          const data = new FormData(form);
          const get = (/** @type {string} */ k) => String(data.get(k) ?? '');
          location.hash = `#/sessions${query({ chargePointId: get('chargePointId').trim(), active: get('active'), from: toIso(get('from')), to: toIso(get('to')) })}`;
        },
      },
      input('chargePointId', { label: 'Charge point', value: q.get('chargePointId') ?? '', list: 'cp-list' }),
      h('datalist', { id: 'cp-list' }, [...live.chargePoints.keys()].sort().map((cp) => h('option', { value: cp }))),
      h(
        'label',
        null,
        h('span', null, 'State'),
        h('select', { name: 'active' }, [['', 'all'], ['true', 'running'], ['false', 'ended']].map(([v, t]) => h('option', { value: v, selected: v === state }, t))),
      ),
      input('from', { label: 'Started from', type: 'datetime-local', value: toLocalInput(q.get('from')) }),
      input('to', { label: 'until', type: 'datetime-local', value: toLocalInput(q.get('to')) }),
      h('button', { type: 'submit' }, 'Filter'),
    )
  );
  const list = h('div', { id: 'sessions' }, h('p.empty', null, 'Loading…'));
  replace(main, h('h1', null, 'Sessions'), form, list);

  async function load() {
    try {
      const { items } = await api(`/transactions${query({ chargePointId: q.get('chargePointId'), active: q.get('active'), from: q.get('from'), to: q.get('to'), limit: 200 })}`);
      replace(list, table(sessionHeaders, items.map(sessionRow), 'No session matches.'), items.length === 200 ? h('p.muted.small', null, 'The newest 200; narrow the period to see older ones.') : null);
    } catch (error) {
      replace(list, h('p.error', null, /** @type {Error} */ (error).message));
    }
  }
  void load();
  let pending = /** @type {ReturnType<typeof setTimeout> | undefined} */ (undefined);
  const off = live.onChange((what) => {
    if (what.type !== 'transaction' || pending) return;
    // Several changes in one burst: one read.
    pending = setTimeout(() => {
      pending = undefined;
      void load();
    }, 500);
  });
  return () => {
    off();
    clearTimeout(pending);
  };
}
