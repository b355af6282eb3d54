// A bearer token refused lately is refused again without a store read, for a short while and for
// a bounded number of tokens; a token that works is read every time, so revocation applies at
// once. Seen from outside: a secret that becomes valid just after it was refused stays refused
// until its refusal is forgotten (which only TOMADA_ADMIN_TOKEN, set again at a start, can meet).
// Runs on the store under test, with the domain's clock in the test's hands.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiTokens, hashToken, type TokenCheck } from '../../src/domain/api-tokens.js';
import { REFUSED_FOR_MS, RefusedTokens } from '../../src/domain/refused-tokens.js';
import type { ApiToken, Store } from '../../src/store/store.js';
import { withTestStore } from '../support/database.js';

const T0 = Date.parse('2026-12-06T10:00:00Z');

function tokenRow(id: string, secret: string, changes: Partial<ApiToken> = {}): ApiToken {
  return { id, name: id, role: 'readonly', operator: null, tokenHash: hashToken(secret), createdAt: new Date(T0).toISOString(), revokedAt: null, expiresAt: null, ...changes };
}

const put = (store: Store, row: ApiToken) => store.transact((tx) => tx.putApiToken(row));
/** Why the check refused, or 'accepted'. */
const outcome = (checked: TokenCheck) => ('principal' in checked ? 'accepted' : checked.refused);

test('a refused token is refused again without a store read, for a short while', async (t) => {
  await withTestStore(t, async (store) => {
    let now = T0;
    const tokens = new ApiTokens(store, () => new Date(now));
    assert.deepEqual(await tokens.check('late-secret'), { refused: 'unknown', message: 'Unknown or revoked token' });
    // The secret becomes valid behind the node's back: the remembered refusal still answers.
    await put(store, tokenRow('late', 'late-secret'));
    now += REFUSED_FOR_MS - 1;
    assert.deepEqual(await tokens.check('late-secret'), { refused: 'unknown', message: 'Unknown or revoked token' });
    now += 1;
    assert.equal(outcome(await tokens.check('late-secret')), 'accepted', 'forgotten once its time is up: read again');

    // Expired is remembered with its own words.
    await put(store, tokenRow('old', 'old-secret', { expiresAt: new Date(now - 1).toISOString() }));
    const expired = await tokens.check('old-secret');
    assert.equal(outcome(expired), 'expired');
    await put(store, tokenRow('old', 'old-secret'));
    assert.deepEqual(await tokens.check('old-secret'), expired);

    // A token that works is never remembered: revoked, it is refused at the next request.
    await put(store, tokenRow('good', 'good-secret'));
    assert.equal(outcome(await tokens.check('good-secret')), 'accepted');
    await store.transact((tx) => tx.revokeApiToken('good', new Date(now).toISOString()));
    assert.equal(outcome(await tokens.check('good-secret')), 'unknown');
  });
});

test('at most so many refusals are remembered: the least recently refused are forgotten first', async (t) => {
  await withTestStore(t, async (store) => {
    // A small bound, so that the test reads the store a few times rather than a thousand.
    const atMost = 20;
    const tokens = new ApiTokens(store, () => new Date(T0), new RefusedTokens(REFUSED_FOR_MS, atMost));
    assert.equal(outcome(await tokens.check('first-secret')), 'unknown');
    assert.equal(outcome(await tokens.check('second-secret')), 'unknown');
    await put(store, tokenRow('first', 'first-secret'));
    await put(store, tokenRow('second', 'second-secret'));
    // Refused again: now the most recently refused, so it outlives "first".
    assert.equal(outcome(await tokens.check('second-secret')), 'unknown');
    for (let i = 0; i < atMost - 1; i++) assert.equal(outcome(await tokens.check(`flood-${i}`)), 'unknown');
    assert.equal(outcome(await tokens.check('first-secret')), 'accepted', 'forgotten: read from the store');
    assert.equal(outcome(await tokens.check('second-secret')), 'unknown', 'still remembered');
  });
});
