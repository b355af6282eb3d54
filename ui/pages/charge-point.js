// @ts-check
// One charge point: identity, OCPP version declared and observed, validation state of its
// software, connectors with their sessions, the four commands, recent sessions, the connectors'
// status history, its latest meter readings outside sessions (a grid meter on connector 0, an idle
// connector) and the frames it exchanged (from the journal).
import { api, ApiError, query } from '../lib/api.js';
import { commandForm, field } from '../lib/commands.js';
import { ago, badge, facts, formatEnergy, formatTime, h, replace, table } from '../lib/dom.js';
import { frameNames } from '../lib/frames.js';
import * as live from '../lib/live.js';
import { protocolLabel } from './charge-points.js';

/**
 * A charge point's free text (info, vendor codes: up to 50 characters each in OCPP 1.6, more from
 * a lenient one) cut to fit its table cell; the whole of it on hover.
 * @param {string} text
 */
function clipped(text) {
  // By code point, so that a character outside the BMP is never cut in half.
  const characters = Array.from(text);
  return characters.length > 80 ? h('span', { title: text }, `${characters.slice(0, 80).join('')}…`) : text;
}

/** @param {HTMLElement} main @param {{id?: string}} params */
export async function chargePointPage(main, { id = '' }) {
  const path = `/charge-points/${encodeURIComponent(id)}`;
  let cp;
  try {
    cp = live.chargePoints.get(id) ?? (await api(path));
  } catch (error) {
    replace(main, h('h1', null, id), h('p.error', null, error instanceof ApiError && error.status === 404 ? 'No such charge point.' : /** @type {Error} */ (error).message));
    return;
  }
  const head = h('div.page-head');
  const identity = h('section.card');
  const connectors = h('section.card');
  const commands = h('section.card', null, h('h2', null, 'Commands'));
  const sessions = h('section.card');
  const history = h('section.card.wide', { id: 'status-history' });
  const readings = h('section.card.wide', { id: 'sessionless-readings' });
  const frames = h('section.card.wide');
  replace(main, head, h('div.columns', null, identity, connectors, commands, sessions), history, readings, frames);

  /** @param {any} c */
  function drawState(c) {
    const presence = live.presence(c);
    replace(head, h('h1', null, c.id), badge(presence), h('span.muted', null, protocolLabel(c)));
    const mismatch = c.declaredOcppVersion && c.ocppVersion && c.declaredOcppVersion !== c.ocppVersion;
    const validated =
      c.softwareValidated === undefined
        ? h('span.muted', null, 'not known (this server keeps no validated software registry)')
        : c.softwareValidated === null
          ? h('span.muted', null, 'not known until it boots')
          : c.softwareValidated
          ? badge('validated', 'ok')
          : [badge('not validated', 'bad'), ' ', h('a', { href: `#/validations${query({ chargePointId: c.id })}` }, 'run a validation')];
    replace(
      identity,
      h('h2', null, 'Identity'),
      facts([
        ['Vendor · model', [c.vendor, c.model].filter(Boolean).join(' · ') || '—'],
        ['Serial number', c.serialNumber ?? c.chargeBoxSerialNumber ?? '—'],
        ['Firmware', c.firmwareVersion ?? '—'],
        ['Software', validated],
        ['OCPP declared', [c.declaredOcppVersion ? `${c.declaredOcppVersion}${c.declaredTransport ? ` ${c.declaredTransport.toUpperCase()}` : ''}` : 'not declared', mismatch ? [' ', badge('differs from observed', 'bad')] : null]],
        ['OCPP observed', protocolLabel(c)],
        ['Registration', badge(c.registrationStatus)],
        ['Operator', c.operator ?? '—'],
        ['Security profile', String(c.securityProfile)],
        ['Meter', [c.meterType, c.meterSerialNumber].filter(Boolean).join(' · ') || '—'],
        ['Last seen', `${ago(c.lastSeenAt)} (${formatTime(c.lastSeenAt)})`],
        ['Last boot', formatTime(c.lastBootAt)],
      ]),
    );
    const rows = c.connectors.map((/** @type {any} */ k) => {
      const tx = k.connectorId > 0 ? live.runningOn(c.id, k.connectorId) : undefined;
      return [
        k.connectorId === 0 ? '0 (whole charge point)' : String(k.connectorId),
        badge(k.status),
        k.errorCode === 'NoError' ? '' : k.errorCode,
        tx ? h('a', { href: `#/sessions/${tx.id}` }, `session ${tx.id} · ${tx.idTag}`) : '',
        ago(k.updatedAt),
      ];
    });
    replace(connectors, h('h2', null, 'Connectors'), table(['Connector', 'Status', 'Error', 'Session', 'Since'], rows, 'No connector reported yet.'));
    drawCommandChoices(c);
  }

  // Commands: built once (typing must not be lost to a live update); their choices follow the state.
  const connectorSelects = /** @type {HTMLSelectElement[]} */ ([]);
  const stopSelect = /** @type {HTMLSelectElement} */ (h('select', { name: 'transactionId', required: true, 'aria-label': 'Session to stop' }));
  const connectorSelect = (/** @type {boolean} */ optional) => {
    const select = /** @type {HTMLSelectElement} */ (h('select', { name: 'connectorId', 'aria-label': 'Connector', dataset: { optional: optional ? 'yes' : '' } }));
    connectorSelects.push(select);
    return select;
  };
  commands.append(
    commandForm(
      id,
      'Remote start',
      'remote-start',
      [h('input', { name: 'idTag', required: true, maxlength: 20, placeholder: 'id tag', 'aria-label': 'Id tag', list: 'id-tag-list' }), connectorSelect(true), h('datalist', { id: 'id-tag-list' })],
      (form) => {
        const connector = field(form, 'connectorId');
        return { idTag: field(form, 'idTag'), ...(connector ? { connectorId: Number(connector) } : {}) };
      },
    ),
    commandForm(id, 'Remote stop', 'remote-stop', [stopSelect], (form) => ({ transactionId: Number(field(form, 'transactionId')) })),
    commandForm(
      id,
      'Reset',
      'reset',
      [h('select', { name: 'type', 'aria-label': 'Reset type' }, h('option', { value: 'Soft' }, 'Soft'), h('option', { value: 'Hard' }, 'Hard'))],
      (form) => ({ type: field(form, 'type') }),
    ),
    commandForm(id, 'Unlock', 'unlock', [connectorSelect(false)], (form) => ({ connectorId: Number(field(form, 'connectorId')) })),
  );
  // Suggestions only, so the first tags by name: a network's hundreds of thousands would hold the
  // node and the browser (any tag can be typed).
  api('/id-tags?limit=200')
    .then((tags) => {
      const list = commands.querySelector('#id-tag-list');
      if (list) replace(list, tags.items.map((/** @type {any} */ t) => h('option', { value: t.idTag })));
    })
    .catch(() => undefined);

  /** @param {any} c */
  function drawCommandChoices(c) {
    const ids = c.connectors.map((/** @type {any} */ k) => k.connectorId).filter((/** @type {number} */ n) => n > 0);
    for (const select of connectorSelects) {
      const keep = select.value;
      replace(select, select.dataset.optional ? h('option', { value: '' }, 'any connector') : null, ids.map((/** @type {number} */ n) => h('option', { value: String(n) }, `connector ${n}`)));
      if ([...select.options].some((o) => o.value === keep)) select.value = keep;
    }
    const running = [...live.transactions.values()].filter((tx) => tx.chargePointId === c.id && tx.stoppedAt === null);
    const keep = stopSelect.value;
    replace(stopSelect, running.length === 0 ? h('option', { value: '' }, 'no running session') : running.map((tx) => h('option', { value: String(tx.id) }, `session ${tx.id} (connector ${tx.connectorId}, ${tx.idTag})`)));
    if ([...stopSelect.options].some((o) => o.value === keep)) stopSelect.value = keep;
  }

  async function drawSessions() {
    try {
      const { items } = await api(`/transactions${query({ chargePointId: id, limit: 8 })}`);
      replace(
        sessions,
        h('h2', null, 'Recent sessions'),
        table(
          ['Session', 'Connector', 'Id tag', 'Started', 'Energy'],
          items.map((/** @type {any} */ tx) => [h('a', { href: `#/sessions/${tx.id}` }, String(tx.id)), String(tx.connectorId), tx.idTag, formatTime(tx.startedAt), tx.stoppedAt ? formatEnergy(tx.energyWh) : badge('running')]),
          'No session yet.',
        ),
        h('a', { href: `#/sessions${query({ chargePointId: id })}` }, 'All sessions of this charge point'),
      );
    } catch (error) {
      replace(sessions, h('h2', null, 'Recent sessions'), h('p.error', null, /** @type {Error} */ (error).message));
    }
  }

  /** Readings of the history started; only the latest one is drawn, whichever answers last. */
  let historyReads = 0;
  async function drawHistory() {
    const read = ++historyReads;
    try {
      const { items } = await api(`${path}/status-history?limit=20`);
      if (read !== historyReads) return;
      replace(
        history,
        h('h2', null, 'Status history'),
        h('p.muted.small', null, "The latest status reports, newest first, as they arrived; a report sent late (while offline) keeps the charge point's own time."),
        table(
          ['Received', 'Connector', 'Status', 'Error', 'Charge point time', 'Details'],
          items.map((/** @type {any} */ s) => [
            formatTime(s.receivedAt),
            String(s.connectorId),
            badge(s.status),
            s.errorCode === 'NoError' ? '—' : badge(s.errorCode, 'bad'),
            s.reportedAt ? formatTime(s.reportedAt) : '—',
            clipped([s.info, s.vendorId, s.vendorErrorCode].filter(Boolean).join(' · ') || '—'),
          ]),
          'No status reported yet.',
        ),
      );
    } catch (error) {
      if (read !== historyReads) return;
      replace(history, h('h2', null, 'Status history'), h('p.error', null, /** @type {Error} */ (error).message));
    }
  }

  async function drawReadings() {
    try {
      const { items } = await api(`${path}/meter-values${query({ order: 'newest', limit: 12 })}`);
      replace(
        readings,
        h('h2', null, 'Readings outside sessions'),
        h('p.muted.small', null, "The latest readings that belong to no session (a grid meter on connector 0, an idle connector), newest first by the charge point's own time, as stored. A session's readings are on its page."),
        table(
          ['Time', 'Connector', 'Measurand', 'Value', 'Phase', 'Location', 'Context'],
          items.map((/** @type {any} */ r) => [
            formatTime(r.timestamp),
            String(r.connectorId),
            r.measurand,
            // As stored: the charge point's own digits and unit, never converted.
            `${r.value} ${r.unit}`,
            r.phase ?? '—',
            r.location,
            r.context,
          ]),
          'No reading outside a session.',
        ),
      );
    } catch (error) {
      replace(readings, h('h2', null, 'Readings outside sessions'), h('p.error', null, /** @type {Error} */ (error).message));
    }
  }

  async function drawFrames() {
    try {
      const { items } = await api(`${path}/frames?limit=40`);
      const names = frameNames(items);
      replace(
        frames,
        h('h2', null, 'Recent frames'),
        h('p.muted.small', null, 'As journaled, newest first: ⬇ received from the charge point, ⬆ sent to it.'),
        table(
          ['Time', '', 'Message', 'Frame'],
          items.map((/** @type {any} */ f, /** @type {number} */ i) => [
            formatTime(f.at),
            f.direction === 'in' ? '⬇' : '⬆',
            names[i] ?? '',
            h('details', null, h('summary', null, f.frame.length > 60 ? `${f.frame.slice(0, 60)}…` : f.frame), h('pre', null, f.frame)),
          ]),
          'No frame journaled yet.',
        ),
      );
    } catch (error) {
      replace(frames, h('h2', null, 'Recent frames'), h('p.error', null, /** @type {Error} */ (error).message));
    }
  }

  drawState(cp);
  void drawSessions();
  void drawHistory();
  void drawReadings();
  void drawFrames();
  const off = live.onChange((what) => {
    if (what.type === 'chargePointRemoved' && what.data.id === id) {
      // Given to another operator, or removed: what this page shows is no longer this token's to see.
      replace(main, h('h1', null, id), h('p.error', null, 'This charge point is no longer yours to see (it was given to another operator, or removed).'));
      return;
    }
    const current = live.chargePoints.get(id);
    if (!current) return;
    if ((what.type === 'chargePoint' && what.data.id === id) || (what.type === 'transaction' && what.data.chargePointId === id)) drawState(current);
    // A connector's change comes as its charge point's: the history has a new report.
    if (what.type === 'chargePoint' && what.data.id === id) void drawHistory();
    if (what.type === 'transaction' && what.data.chargePointId === id) void drawSessions();
  });
  // Frames and readings outside sessions are not in the live stream (there are many): read again
  // every few seconds, the frames unless the operator has one open.
  const timer = setInterval(() => {
    void drawReadings();
    if (!frames.querySelector('details[open]')) void drawFrames();
  }, 3000);
  return () => {
    off();
    clearInterval(timer);
  };
}
