// @ts-check
// Sign-in with an API token. The token is checked against the server before it is kept, and kept
// only for this tab (sessionStorage).
import { api, ApiError, token } from '../lib/api.js';
import { h, replace } from '../lib/dom.js';

/** @param {HTMLElement} main */
export function signInPage(main) {
  const reason = sessionStorage.getItem('tomada.signInReason');
  sessionStorage.removeItem('tomada.signInReason');
  const input = /** @type {HTMLInputElement} */ (h('input', { type: 'password', name: 'token', id: 'token', autocomplete: 'current-password', required: true, placeholder: 'API token' }));
  const message = h('p.error', { role: 'alert' }, reason ?? '');
  const button = /** @type {HTMLButtonElement} */ (h('button', { type: 'submit' }, 'Sign in'));
  const form = h(
    'form.card.sign-in',
    {
      onsubmit: async (/** @type {Event} */ event) => {
        event.preventDefault();
        const value = input.value.trim();
        if (!value) return;
        button.disabled = true;
        message.textContent = '';
        try {
          // Any read checks the token; one charge point, not a national network's list.
          await api('/charge-points?limit=1', { token: value });
          token.set(value);
          // A new address renders by itself; the same address needs telling.
          if (location.hash === '#/charge-points') window.dispatchEvent(new HashChangeEvent('hashchange'));
          else location.hash = '#/charge-points';
        } catch (error) {
          message.textContent = error instanceof ApiError && error.status === 401 ? 'This token is not known to Tomada (or was revoked, or has expired).' : /** @type {Error} */ (error).message;
        } finally {
          button.disabled = false;
        }
      },
    },
    h('h1', null, 'Sign in'),
    h('p', null, 'Use an API token of this Tomada (an administrator token is printed at the first start and by ', h('code', null, 'tomada demo'), '). It is kept only in this browser tab.'),
    h('label', { for: 'token' }, 'API token'),
    input,
    button,
    message,
  );
  replace(main, form);
  input.focus();
}
