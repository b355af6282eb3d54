// @ts-check
// Events the network cares about (new software, version changes and mismatches, validations…),
// newest first, filtered by charge point and type.
import { api, describeError, query } from '../lib/api.js';
import { formatTime, h, replace, table } from '../lib/dom.js';

/** @param {HTMLElement} main @param {{query: URLSearchParams}} params */
export function eventsPage(main, { query: q }) {
  const form = /** @type {HTMLFormElement} */ (
    h(
      'form.filters',
      {
        onsubmit: (/** @type {Event} */ event) => {
          event.preventDefault();
          const data = new FormData(form);
          location.hash = `#/events${query({ chargePointId: String(data.get('chargePointId') ?? '').trim(), type: String(data.get('type') ?? '').trim() })}`;
        },
      },
      h('label', null, h('span', null, 'Charge point'), h('input', { name: 'chargePointId', value: q.get('chargePointId') ?? '' })),
      h('label', null, h('span', null, 'Type'), h('input', { name: 'type', value: q.get('type') ?? '', placeholder: 'e.g. firmwareChanged' })),
      h('button', { type: 'submit' }, 'Filter'),
    )
  );
  const list = h('div', { id: 'events' }, h('p.empty', null, 'Loading…'));
  replace(main, h('h1', null, 'Events'), form, list);

  async function load() {
    try {
      const { items } = await api(`/events${query({ chargePointId: q.get('chargePointId'), type: q.get('type'), limit: 200 })}`);
      replace(
        list,
        table(
          ['Time', 'Charge point', 'Type', 'Details'],
          items.map((/** @type {any} */ e) => [
            formatTime(e.at),
            e.chargePointId ? h('a', { href: `#/charge-points/${encodeURIComponent(e.chargePointId)}` }, e.chargePointId) : '—',
            e.type,
            h('code.small', null, JSON.stringify(e.data)),
          ]),
          'No event matches.',
        ),
      );
    } catch (error) {
      replace(list, h('p.error', null, describeError(error, 'the events API (/api/v1/events)')));
    }
  }
  void load();
  const timer = setInterval(load, 5000);
  return () => clearInterval(timer);
}
