// @ts-check
// The dashboard's shell: sign-in, navigation and the hash router (#/charge-points/CP1, …), so the
// server serves one page and every view has an address that can be bookmarked or shared.
import { token, whenUnauthorized } from './lib/api.js';
import { replace } from './lib/dom.js';
import * as live from './lib/live.js';
import { chargePointPage } from './pages/charge-point.js';
import { chargePointsPage } from './pages/charge-points.js';
import { eventsPage } from './pages/events.js';
import { idTagsPage } from './pages/id-tags.js';
import { sessionPage } from './pages/session.js';
import { sessionsPage } from './pages/sessions.js';
import { signInPage } from './pages/sign-in.js';
import { validationPage } from './pages/validation.js';
import { validationsPage } from './pages/validations.js';

/**
 * A page draws itself into `main` and may return a function that undoes what keeps it live
 * (timers, listeners) when the operator leaves it.
 * @typedef {(main: HTMLElement, params: {id?: string, query: URLSearchParams}) => (void | (() => void) | Promise<void | (() => void)>)} Page
 */

/** @type {[RegExp, string, Page][]} pattern, nav section, page */
const routes = [
  [/^\/?$/, 'charge-points', chargePointsPage],
  [/^\/charge-points$/, 'charge-points', chargePointsPage],
  [/^\/charge-points\/(.+)$/, 'charge-points', chargePointPage],
  [/^\/sessions$/, 'sessions', sessionsPage],
  [/^\/sessions\/(\d+)$/, 'sessions', sessionPage],
  [/^\/validations$/, 'validations', validationsPage],
  [/^\/validations\/(.+)$/, 'validations', validationPage],
  [/^\/events$/, 'events', eventsPage],
  [/^\/id-tags$/, 'id-tags', idTagsPage],
];

const main = /** @type {HTMLElement} */ (document.getElementById('main'));
const nav = /** @type {HTMLElement} */ (document.getElementById('nav'));
const liveBadge = /** @type {HTMLElement} */ (document.getElementById('live'));
const signOut = /** @type {HTMLButtonElement} */ (document.getElementById('sign-out'));
/** @type {(() => void) | void} */
let leave;
let generation = 0;

/**
 * A link can carry the token in its fragment (#token=…, as `tomada demo` prints): the fragment
 * never reaches a server. It is moved to the tab's storage and removed from the address at once.
 */
function takeTokenFromAddress() {
  const match = /^#token=([^&]+)/.exec(location.hash);
  if (!match?.[1]) return;
  token.set(decodeURIComponent(match[1]));
  history.replaceState(null, '', `${location.pathname}#/`);
}

async function render() {
  const mine = ++generation;
  if (typeof leave === 'function') leave();
  leave = undefined;
  const signedIn = token.get() !== null;
  nav.hidden = !signedIn;
  signOut.hidden = !signedIn;
  liveBadge.hidden = !signedIn;
  if (!signedIn) {
    live.stop();
    signInPage(main);
    return;
  }
  live.start();
  const [path = '', search = ''] = location.hash.replace(/^#/, '').split('?');
  for (const [pattern, section, page] of routes) {
    const match = pattern.exec(path);
    if (!match) continue;
    for (const a of nav.querySelectorAll('a')) a.classList.toggle('current', a.dataset.section === section);
    replace(main);
    const id = match[1] === undefined ? undefined : decodeURIComponent(match[1]);
    const cleanup = await page(main, { ...(id === undefined ? {} : { id }), query: new URLSearchParams(search) });
    // The operator may have moved on while the page loaded: undo it at once.
    if (mine !== generation) {
      if (typeof cleanup === 'function') cleanup();
    } else leave = cleanup;
    return;
  }
  replace(main, 'No such page. ', Object.assign(document.createElement('a'), { href: '#/', textContent: 'Charge points' }));
}

function showLive() {
  liveBadge.classList.toggle('on', live.status.connected);
  liveBadge.textContent = live.status.connected ? 'live' : 'reconnecting…';
}

live.onChange((what) => {
  if (what.type === 'connection') showLive();
});
whenUnauthorized(() => {
  token.clear();
  sessionStorage.setItem('tomada.signInReason', 'The server refused the token (revoked, expired, or not valid here). Sign in again.');
  void render();
});
signOut.addEventListener('click', () => {
  token.clear();
  location.hash = '#/';
  void render();
});
window.addEventListener('hashchange', () => {
  takeTokenFromAddress();
  void render();
});
takeTokenFromAddress();
showLive();
void render();
