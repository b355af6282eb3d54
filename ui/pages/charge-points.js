// @ts-check
// The live charge point list: every charge point with its connection and connectors (the first
// CARDS_AT_MOST that match the filter), updated as the stream reports changes.
import { ago, badge, h, replace } from '../lib/dom.js';
import * as live from '../lib/live.js';

/** @param {any} cp */
export function protocolLabel(cp) {
  if (!cp.ocppVersion) return 'never connected';
  return `OCPP ${cp.ocppVersion} ${cp.transport === 'soap' ? 'SOAP' : 'JSON'}`;
}

/** @param {any} cp */
function card(cp) {
  const presence = live.presence(cp);
  const connectors = cp.connectors.filter((/** @type {any} */ c) => c.connectorId > 0);
  return h(
    'a.card.cp-card',
    { href: `#/charge-points/${encodeURIComponent(cp.id)}`, dataset: { chargePoint: cp.id, presence } },
    h('div.cp-head', null, h('strong.cp-id', null, cp.id), badge(presence)),
    h('div.muted', null, [cp.vendor, cp.model].filter(Boolean).join(' · ') || 'no boot yet', ' · ', protocolLabel(cp)),
    h(
      'ul.connectors',
      null,
      connectors.length === 0
        ? h('li.muted', null, 'no connector reported')
        : connectors.map((/** @type {any} */ c) => {
            const tx = live.runningOn(cp.id, c.connectorId);
            return h('li', { dataset: { connector: String(c.connectorId), status: c.status } }, `#${c.connectorId} `, badge(c.status), tx ? h('span.muted', null, ` ${tx.idTag}`) : null);
          }),
    ),
    h('div.muted.small', null, `last seen ${ago(cp.lastSeenAt)}`, cp.registrationStatus !== 'Accepted' ? [' · ', badge(cp.registrationStatus)] : null),
  );
}

/**
 * Cards drawn at most: a national network has thousands of charge points, and drawing them all
 * again at every change would hold the browser; the filter finds the rest.
 */
export const CARDS_AT_MOST = 300;

/** @param {HTMLElement} main */
export function chargePointsPage(main) {
  const summary = h('p.summary');
  const filter = /** @type {HTMLInputElement} */ (h('input', { type: 'search', placeholder: 'Filter by id, vendor, model', 'aria-label': 'Filter charge points', oninput: () => draw() }));
  const grid = h('div.grid', { id: 'charge-points' });
  const more = h('p.muted.small', { id: 'charge-points-more' });
  replace(main, h('div.page-head', null, h('h1', null, 'Charge points'), filter), summary, grid, more);

  function draw() {
    const needle = filter.value.trim().toLowerCase();
    const all = [...live.chargePoints.values()].sort((a, b) => a.id.localeCompare(b.id));
    const shown = all.filter((cp) => !needle || [cp.id, cp.vendor, cp.model, cp.operator].some((v) => v && String(v).toLowerCase().includes(needle)));
    const online = all.filter((cp) => live.presence(cp) === 'online').length;
    const charging = [...live.transactions.values()].filter((tx) => tx.stoppedAt === null).length;
    replace(summary, `${all.length} charge points · ${online} online · ${charging} charging`);
    if (!live.status.ready && all.length === 0) replace(grid, h('p.empty', null, 'Loading…'));
    else if (shown.length === 0) replace(grid, h('p.empty', null, all.length === 0 ? 'No charge point is registered yet.' : 'No charge point matches.'));
    else replace(grid, shown.slice(0, CARDS_AT_MOST).map(card));
    replace(more, shown.length > CARDS_AT_MOST ? `The first ${CARDS_AT_MOST} of ${shown.length} are shown; type in the filter to narrow.` : '');
  }
  draw();
  const off = live.onChange(() => draw());
  // "last seen" ages even when nothing changes.
  const timer = setInterval(draw, 5000);
  return () => {
    off();
    clearInterval(timer);
  };
}
