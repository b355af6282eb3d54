// @ts-check
// The four operator commands, each a small form whose answer (the charge point's own status word,
// or why there is none) is shown next to it.
import { api, ApiError } from './api.js';
import { h, replace } from './dom.js';

/** @param {unknown} error */
export function explain(error) {
  if (!(error instanceof ApiError)) return /** @type {Error} */ (error).message;
  switch (error.status) {
    case 409:
      return 'not connected';
    case 504:
      return 'no answer in time';
    default:
      return error.message;
  }
}

/**
 * @param {string} chargePointId
 * @param {string} title
 * @param {string} path e.g. "remote-start"
 * @param {HTMLElement[]} fields
 * @param {(form: HTMLFormElement) => object} body
 */
export function commandForm(chargePointId, title, path, fields, body) {
  const result = h('output.result', { 'aria-live': 'polite', dataset: { command: path } });
  const button = /** @type {HTMLButtonElement} */ (h('button', { type: 'submit' }, title));
  const form = /** @type {HTMLFormElement} */ (
    h(
      'form.command',
      {
        onsubmit: async (/** @type {Event} */ event) => {
          event.preventDefault();
          button.disabled = true;
          result.className = 'result pending';
          replace(result, 'sending…');
          try {
            const answer = await api(`/charge-points/${encodeURIComponent(chargePointId)}/commands/${path}`, { body: body(form) });
            result.className = `result ${answer.status === 'Accepted' || answer.status === 'Unlocked' ? 'ok' : 'bad'}`;
            replace(result, answer.status);
          } catch (error) {
            result.className = 'result bad';
            replace(result, explain(error));
          } finally {
            button.disabled = false;
          }
        },
      },
      fields,
      button,
      result,
    )
  );
  return form;
}

/** @param {HTMLFormElement} form @param {string} name */
export function field(form, name) {
  return /** @type {HTMLInputElement} */ (form.elements.namedItem(name)).value;
}
