// @ts-check
// Validation campaigns of charge point software: start one on a connected charge point, and the
// list of campaigns run so far.
import { api, describeError, query } from '../lib/api.js';
import { badge, formatTime, h, replace, table } from '../lib/dom.js';
import * as live from '../lib/live.js';

/** The server may predate the validation API: say so instead of showing a bare 404. @param {unknown} error */
export const validationError = (error) => describeError(error, 'the validation API (/api/v1/validations)');

/** @param {any} v */
export function verdictBadge(v) {
  return v.status === 'running' ? badge('running') : badge(v.verdict ?? v.status);
}

/** @param {HTMLElement} main @param {{query: URLSearchParams}} params */
export function validationsPage(main, { query: q }) {
  const preselected = q.get('chargePointId') ?? '';
  const online = [...live.chargePoints.values()].filter((cp) => live.presence(cp) === 'online').map((cp) => cp.id).sort();
  const message = h('p.error', { role: 'alert' });
  const caseList = h('div.case-list');
  const form = /** @type {HTMLFormElement} */ (
    h(
      'form.filters',
      {
        onsubmit: async (/** @type {Event} */ event) => {
          event.preventDefault();
          const data = new FormData(form);
          message.textContent = '';
          try {
            const chosen = data.getAll('case').map(String);
            const all = caseList.querySelectorAll('input[name="case"]').length;
            if (all > 0 && chosen.length === 0) throw new Error('Choose at least one case.');
            const v = await api('/validations', {
              body: {
                chargePointId: String(data.get('chargePointId')),
                connectorId: Number(data.get('connectorId')),
                idTag: String(data.get('idTag')),
                // Every case unless the operator left some out (a partial campaign validates no software).
                ...(chosen.length < all ? { cases: chosen } : {}),
              },
            });
            location.hash = `#/validations/${encodeURIComponent(v.id)}`;
          } catch (error) {
            message.textContent = validationError(error);
          }
        },
      },
      h(
        'label',
        null,
        h('span', null, 'Charge point'),
        h('input', { name: 'chargePointId', required: true, list: 'online-cps', value: preselected }),
        h('datalist', { id: 'online-cps' }, online.map((id) => h('option', { value: id }))),
      ),
      h('label', null, h('span', null, 'Connector'), h('input', { name: 'connectorId', type: 'number', min: 1, value: 1, required: true })),
      h('label', null, h('span', null, 'Id tag'), h('input', { name: 'idTag', required: true, maxlength: 20 })),
      h('details.case-choice', null, h('summary', null, 'Cases (all by default; a campaign of some cases validates no software)'), caseList),
      h('button', { type: 'submit' }, 'Start validation'),
    )
  );
  api('/validations/cases')
    .then(({ items }) =>
      replace(
        caseList,
        items.map((/** @type {any} */ c) => h('label.check', null, h('input', { type: 'checkbox', name: 'case', value: c.id, checked: true }), h('span', null, `${c.title} (${c.id})`))),
      ),
    )
    .catch(() => replace(caseList, h('p.muted', null, 'The case list is not available.')));
  const list = h('div', { id: 'validations' }, h('p.empty', null, 'Loading…'));
  const start = h('section.card', { id: 'validation-start' }, h('h2', null, 'Validate a charge point'));
  replace(main, h('h1', null, 'Validations'), start, list);
  // Only administrators start campaigns (a passed one approves software for the whole network):
  // an operator was offered the form, and told so only once it had filled it in.
  api('/me')
    .then((/** @type {any} */ me) =>
      me.role === 'admin'
        ? start.append(h('p.muted', null, "Runs the network's test cases against the charge point's software; some ask you to act at the charge point."), form, message)
        : start.append(h('p.muted', null, "Campaigns are started by the network's administrators: a passed campaign approves the software for the whole network. Ask them to validate a charge point's software; its reports appear below.")),
    )
    .catch((error) => start.append(h('p.error', null, describeError(error, 'who this token is (/api/v1/me)'))));

  async function load() {
    try {
      const { items } = await api(`/validations${query({ chargePointId: preselected || undefined, limit: 100 })}`);
      replace(
        list,
        table(
          ['Campaign', 'Charge point', 'Software', 'Started', 'Verdict', 'Pass · fail · other'],
          items.map((/** @type {any} */ v) => [
            h('a', { href: `#/validations/${encodeURIComponent(v.id)}` }, v.id),
            v.chargePointId,
            [v.software?.vendor, v.software?.model, v.software?.firmwareVersion].filter(Boolean).join(' · '),
            formatTime(v.startedAt),
            verdictBadge(v),
            `${v.counts.pass} · ${v.counts.fail} · ${v.counts.skipped + v.counts.manual + v.counts.pending}`,
          ]),
          'No validation has run yet.',
        ),
      );
    } catch (error) {
      replace(list, h('p.error', null, validationError(error)));
    }
  }
  void load();
  const timer = setInterval(load, 5000);
  return () => clearInterval(timer);
}
