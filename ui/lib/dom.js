// @ts-check
// Building the page: elements are made with h(), and every value from the API goes in as text
// (textContent), never as markup, so a charge point that names itself "<script>" is just a name.

/**
 * @typedef {string | number | Node | null | undefined | false} Child
 * @param {string} tag like "div", "a.button", "span.badge.ok"
 * @param {Record<string, any> | null} [attrs] attributes; `on*` functions become listeners
 * @param {...(Child | Child[])} children
 * @returns {HTMLElement}
 */
export function h(tag, attrs, ...children) {
  const [name, ...classes] = tag.split('.');
  const el = document.createElement(name || 'div');
  if (classes.length) el.className = classes.join(' ');
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'class') el.className = [el.className, value].filter(Boolean).join(' ');
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key in el && typeof value !== 'string') /** @type {any} */ (el)[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

/** @param {Node} el @param {(Child | Child[])[]} children */
export function append(el, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces an element's content. @param {Element} el @param {...(Child | Child[])} children */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

/** @param {string | null | undefined} iso */
export function formatTime(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/** How long ago, in words a person reads at a glance. @param {string | null | undefined} iso */
export function ago(iso, now = Date.now()) {
  if (!iso) return 'never';
  const s = Math.round((now - Date.parse(iso)) / 1000);
  if (Number.isNaN(s)) return iso;
  if (s < 5) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

/** Energy for people: kWh with up to 3 decimals (the Wh stay exact). @param {number | null | undefined} wh */
export function formatEnergy(wh) {
  if (wh === null || wh === undefined) return '—';
  return `${(wh / 1000).toLocaleString(undefined, { minimumFractionDigits: 3, maximumFractionDigits: 3 })} kWh`;
}

/** @param {number} ms */
export function formatDuration(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h} h ${m} min` : m > 0 ? `${m} min ${s % 60} s` : `${s} s`;
}

/** A status word as a coloured badge. @param {string} text @param {string} [kind] */
export function badge(text, kind = statusKind(text)) {
  return h(`span.badge.${kind}`, null, text);
}

/** @param {string} status */
export function statusKind(status) {
  switch (status) {
    case 'Available':
    case 'Accepted':
    case 'online':
    case 'pass':
    case 'finished':
    case 'verified':
      return 'ok';
    case 'Charging':
    case 'running':
    case 'Occupied':
      return 'busy';
    case 'Preparing':
    case 'SuspendedEV':
    case 'SuspendedEVSE':
    case 'Finishing':
    case 'Reserved':
    case 'Pending':
    case 'waiting':
    case 'pending':
    case 'incomplete':
    case 'manual':
    case 'skipped':
      return 'warn';
    case 'Faulted':
    case 'Rejected':
    case 'Blocked':
    case 'Invalid':
    case 'Expired':
    case 'fail':
    case 'failed':
    case 'cancelled':
      return 'bad';
    default:
      return 'muted';
  }
}

/** A two-column list of facts. @param {[string, Child | Child[]][]} rows */
export function facts(rows) {
  return h('dl.facts', null, rows.flatMap(([term, value]) => [h('dt', null, term), h('dd', null, value)]));
}

/** A table that scrolls sideways on a narrow screen. @param {string[]} headers @param {(Child | Child[])[][]} rows */
export function table(headers, rows, empty = 'Nothing yet.') {
  if (rows.length === 0) return h('p.empty', null, empty);
  return h(
    'div.table-wrap',
    null,
    h('table', null, h('thead', null, h('tr', null, headers.map((x) => h('th', null, x)))), h('tbody', null, rows.map((r) => h('tr', null, r.map((c) => h('td', null, c)))))),
  );
}
