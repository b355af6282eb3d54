// @ts-check
// One validation campaign, followed live (read again every second while it runs): each case with
// its status, the operator's part when a case waits for a manual step, and the report.
import { api, apiText } from '../lib/api.js';
import { badge, facts, formatTime, h, replace } from '../lib/dom.js';
import { validationError, verdictBadge } from './validations.js';

/** @param {HTMLElement} main @param {{id?: string}} params */
export function validationPage(main, { id = '' }) {
  const path = `/validations/${encodeURIComponent(id)}`;
  const head = h('div.page-head', null, h('h1', null, `Validation ${id}`));
  const summary = h('section.card');
  const cases = h('section.card.wide', { id: 'cases' });
  replace(main, head, summary, cases);
  let running = true;
  let timer = /** @type {ReturnType<typeof setTimeout> | undefined} */ (undefined);
  let left = false;

  /** @param {string} caseId @param {boolean} done */
  async function confirm(caseId, done) {
    await api(`${path}/cases/${encodeURIComponent(caseId)}/confirm`, { body: { done } }).catch((error) => alert(validationError(error)));
    await load();
  }

  async function download() {
    const html = await apiText(`${path}/report.html`);
    const a = h('a', { href: URL.createObjectURL(new Blob([html], { type: 'text/html' })), download: `validation-${id}.html` });
    a.click();
    setTimeout(() => URL.revokeObjectURL(/** @type {HTMLAnchorElement} */ (a).href), 10_000);
  }

  async function load() {
    let v;
    try {
      v = await api(path);
    } catch (error) {
      replace(summary, h('p.error', null, validationError(error)));
      running = false;
      return;
    }
    running = v.status === 'running';
    replace(
      head,
      h('h1', null, `Validation of ${v.chargePointId}`),
      verdictBadge(v),
      // Cancelled during its cases, it goes on stopping its sessions: a second cancel cuts that short.
      running
        ? h(
            'button.secondary',
            { type: 'button', title: v.cancelling ? 'Stop waiting for its sessions to stop: those still running are named' : '', onclick: () => api(`${path}/cancel`, { method: 'POST' }).then(load, (e) => alert(validationError(e))) },
            v.cancelling ? 'End the wrap-up now' : 'Cancel',
          )
        : null,
      running ? null : h('button.secondary', { type: 'button', id: 'report-download', onclick: () => void download().catch((e) => alert(validationError(e))) }, 'Download printable report'),
    );
    const s = v.software ?? {};
    replace(
      summary,
      facts([
        ['Campaign', v.id],
        ['Charge point', h('a', { href: `#/charge-points/${encodeURIComponent(v.chargePointId)}` }, v.chargePointId)],
        ['Software', [s.vendor, s.model, s.firmwareVersion].filter(Boolean).join(' · ') || '—'],
        ['OCPP', `${s.ocppVersion ?? '?'} ${String(s.transport ?? '').toUpperCase()}`],
        ['Connector · id tag', `${v.connectorId} · ${v.idTag}`],
        ['Started · finished', `${formatTime(v.startedAt)} · ${formatTime(v.finishedAt)}`],
        ['Verdict', h('span', { id: 'verdict' }, verdictBadge(v))],
        ['Cases', `${v.counts.pass} pass · ${v.counts.fail} fail · ${v.counts.skipped} skipped · ${v.counts.manual} not run · ${v.counts.pending} pending`],
        ...(v.cancelling
          ? [/** @type {[string, string]} */ (['Cancelling', `since ${formatTime(v.cancelling.at)} (${v.cancelling.reason}): stopping the sessions it started, up to about ${2 * v.timing.caseTimeoutS} s`])]
          : []),
        ['Registry', v.registry ? `${v.registry.validated ? 'Software validated' : 'Software not validated'}: ${v.registry.reason}` : running ? (v.trial ? `A trial run, it will validate no software: ${v.trial}` : 'decided when the campaign ends') : '—'],
        // Sessions the campaign could not stop at its end: the engineer must end them at the charge point.
        ...(v.leftRunning?.length
          ? [/** @type {[string, string]} */ (['Left running', `${v.leftRunning.map((/** @type {any} */ l) => `transaction ${l.transactionId} on connector ${l.connectorId} (${l.reason}${l.afterwards ? `; since the campaign ended: ${l.afterwards.reason}` : ''})`).join('; ')}${v.leftRunning.some((/** @type {any} */ l) => !l.afterwards?.ended) ? `: a remote stop is sent again at each return of the charge point, or end ${v.leftRunning.length === 1 ? 'it' : 'them'} there` : ''}`])]
          : []),
      ]),
    );
    replace(
      cases,
      h('h2', null, 'Cases'),
      h(
        'ol.cases',
        null,
        v.cases.map((/** @type {any} */ c) =>
          h(
            'li.case',
            { dataset: { case: c.id, status: c.status } },
            h('div.case-head', null, badge(c.status), h('strong', null, c.title), h('span.muted.small', null, ` ${c.id} · ${c.messages.join(', ')}`)),
            c.status === 'waiting' && c.prompt
              ? h(
                  'div.prompt',
                  null,
                  h('p', null, c.prompt),
                  h('button', { type: 'button', onclick: () => confirm(c.id, true) }, 'Done'),
                  h('button.secondary', { type: 'button', onclick: () => confirm(c.id, false) }, 'Cannot do it'),
                )
              : null,
            c.reason ? h('p.muted', null, c.reason) : null,
            h(
              'details',
              null,
              h('summary', null, 'Stimulus, expectation and frames'),
              facts([
                ['Stimulus', c.stimulus],
                ['Expected', c.expected],
              ]),
              c.frames.map((/** @type {any} */ f) => h('pre.frame', null, `${formatTime(f.at)} ${f.direction === 'in' ? '⬇' : '⬆'} ${f.action ?? ''}\n${f.frame}`)),
            ),
          ),
        ),
      ),
    );
  }

  async function follow() {
    await load();
    if (running && !left) timer = setTimeout(follow, 1000);
  }
  void follow();
  return () => {
    left = true;
    clearTimeout(timer);
  };
}
