// @ts-check
// Id tags: who may charge. Listed a page at a time (a national network has hundreds of thousands
// of cards: reading them all would hold the node and the browser), and created or changed with one
// form.
import { api } from '../lib/api.js';
import { badge, formatTime, h, replace, table } from '../lib/dom.js';

const statuses = ['Accepted', 'Blocked', 'Expired', 'Invalid', 'ConcurrentTx'];

/** Tags read and drawn per page, by tag. */
export const TAGS_PER_PAGE = 100;

/** @param {HTMLElement} main */
export function idTagsPage(main) {
  const message = h('output.result', { 'aria-live': 'polite' });
  const form = /** @type {HTMLFormElement} */ (
    h(
      'form.filters',
      {
        onsubmit: async (/** @type {Event} */ event) => {
          event.preventDefault();
          const data = new FormData(form);
          const idTag = String(data.get('idTag') ?? '').trim();
          const expiry = String(data.get('expiryDate') ?? '');
          const parent = String(data.get('parentIdTag') ?? '').trim();
          try {
            await api(`/id-tags/${encodeURIComponent(idTag)}`, {
              method: 'PUT',
              body: { status: String(data.get('status')), expiryDate: expiry ? new Date(expiry).toISOString() : null, parentIdTag: parent || null },
            });
            message.className = 'result ok';
            replace(message, `${idTag} saved`);
            form.reset();
            await load();
          } catch (error) {
            message.className = 'result bad';
            replace(message, /** @type {Error} */ (error).message);
          }
        },
      },
      h('label', null, h('span', null, 'Id tag'), h('input', { name: 'idTag', required: true, maxlength: 20 })),
      h('label', null, h('span', null, 'Status'), h('select', { name: 'status' }, statuses.map((s) => h('option', { value: s }, s)))),
      h('label', null, h('span', null, 'Expires'), h('input', { name: 'expiryDate', type: 'datetime-local' })),
      h('label', null, h('span', null, 'Parent id tag'), h('input', { name: 'parentIdTag', maxlength: 20 })),
      h('button', { type: 'submit' }, 'Save'),
    )
  );
  const list = h('div', { id: 'id-tags' }, h('p.empty', null, 'Loading…'));
  const more = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', id: 'id-tags-more', hidden: true, onclick: () => void load(false) }, `Show the next ${TAGS_PER_PAGE}`));
  replace(main, h('h1', null, 'Id tags'), h('section.card', null, h('h2', null, 'Add or change'), form, message), list, more);

  /** @type {any[]} */
  let shown = [];
  /** Counts the reads of the first page: a next page asked for before the latest one is dropped. */
  let reads = 0;
  /** Reads the first page again (`fresh`), or the page after the last tag shown. */
  async function load(fresh = true) {
    const read = fresh ? ++reads : reads;
    // A second click while a page is on its way would read that page again.
    more.disabled = true;
    try {
      const after = fresh || shown.length === 0 ? '' : `&afterId=${encodeURIComponent(shown[shown.length - 1].idTag)}`;
      const { items } = await api(`/id-tags?limit=${TAGS_PER_PAGE}${after}`);
      // The list was read afresh meanwhile (a tag saved): this page followed the old list's last
      // tag, and added to the new first page it would hide every tag between the two.
      if (read !== reads) return;
      shown = fresh ? items : [...shown, ...items];
      more.hidden = items.length < TAGS_PER_PAGE;
      replace(
        list,
        table(
          ['Id tag', 'Status', 'Expires', 'Parent'],
          shown.map((/** @type {any} */ t) => [t.idTag, badge(t.status), formatTime(t.expiryDate), t.parentIdTag ?? '—']),
          'No id tag yet.',
        ),
      );
    } catch (error) {
      if (read === reads) replace(list, h('p.error', null, /** @type {Error} */ (error).message));
    } finally {
      if (read === reads) more.disabled = false;
    }
  }
  void load();
}
