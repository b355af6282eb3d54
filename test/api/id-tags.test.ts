// The id tag registry over real HTTP, and the authorization rules it drives, seen end to end by a
// raw OCPP 1.6 charge point through Authorize and StartTransaction.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestClient } from '../support/ocpp-client.js';
import { startTestTomada } from '../support/tomada.js';

const PAST = '2020-01-01T00:00:00.000Z';
const FUTURE = '2099-12-31T23:59:59.000Z';
const SOON = '2098-06-30T00:00:00.000Z';

test('id tags over the REST API', async (s) => {
  const t = await startTestTomada();
  try {
    await s.test('PUT creates (201) and updates (200); GET lists', async () => {
      const created = await t.api('/api/v1/id-tags/TAG-A', { method: 'PUT', body: { status: 'Accepted' } });
      assert.equal(created.status, 201);
      assert.deepEqual(created.body, { idTag: 'TAG-A', status: 'Accepted', expiryDate: null, parentIdTag: null, operator: null });

      const updated = await t.api('/api/v1/id-tags/TAG-A', {
        method: 'PUT',
        body: { status: 'Blocked', expiryDate: '2030-06-01T12:00:00+02:00', parentIdTag: 'GROUP-1', operator: null },
      });
      assert.equal(updated.status, 200);
      // Times come back as ISO 8601 UTC.
      assert.deepEqual(updated.body, { idTag: 'TAG-A', status: 'Blocked', expiryDate: '2030-06-01T10:00:00.000Z', parentIdTag: 'GROUP-1', operator: null });

      assert.equal((await t.api('/api/v1/id-tags/TAG-B', { method: 'PUT', body: { status: 'Accepted', expiryDate: null, parentIdTag: null, operator: null } })).status, 201);

      const list = await t.api('/api/v1/id-tags');
      assert.equal(list.status, 200);
      const sorted = [...list.body.items].sort((a: any, b: any) => a.idTag.localeCompare(b.idTag));
      assert.deepEqual(sorted, [
        { idTag: 'TAG-A', status: 'Blocked', expiryDate: '2030-06-01T10:00:00.000Z', parentIdTag: 'GROUP-1', operator: null },
        { idTag: 'TAG-B', status: 'Accepted', expiryDate: null, parentIdTag: null, operator: null },
      ]);

      // A PUT replaces the tag: omitted optional fields are cleared.
      const replaced = await t.api('/api/v1/id-tags/TAG-A', { method: 'PUT', body: { status: 'Accepted' } });
      assert.equal(replaced.status, 200);
      assert.deepEqual(replaced.body, { idTag: 'TAG-A', status: 'Accepted', expiryDate: null, parentIdTag: null, operator: null });
      assert.deepEqual(
        (await t.api('/api/v1/id-tags')).body.items.find((i: any) => i.idTag === 'TAG-A'),
        { idTag: 'TAG-A', status: 'Accepted', expiryDate: null, parentIdTag: null, operator: null },
      );
    });

    await s.test('id tags are one tag whatever their case', async () => {
      assert.equal((await t.api('/api/v1/id-tags/case-tag', { method: 'PUT', body: { status: 'Accepted' } })).status, 201);
      const again = await t.api('/api/v1/id-tags/CASE-TAG', { method: 'PUT', body: { status: 'Blocked' } });
      assert.equal(again.status, 200, 'the same tag, updated');
      const matching = (await t.api('/api/v1/id-tags')).body.items.filter((i: any) => i.idTag.toUpperCase() === 'CASE-TAG');
      assert.equal(matching.length, 1);
      assert.equal(matching[0].status, 'Blocked');
    });

    await s.test('validation errors are 400 and store nothing', async () => {
      const cases: [string, string, unknown][] = [
        ['unknown status', '/api/v1/id-tags/V-1', { status: 'Nope' }],
        // An answer to a start while the tag charges elsewhere, not a state of a card.
        ['ConcurrentTx', '/api/v1/id-tags/V-1', { status: 'ConcurrentTx' }],
        ['no status', '/api/v1/id-tags/V-1', {}],
        ['idTag of 21 characters', `/api/v1/id-tags/${'X'.repeat(21)}`, { status: 'Accepted' }],
        ['not a date', '/api/v1/id-tags/V-1', { status: 'Accepted', expiryDate: 'tomorrow' }],
        ['month 13', '/api/v1/id-tags/V-1', { status: 'Accepted', expiryDate: '2030-13-01T00:00:00Z' }],
        ['a date without a time', '/api/v1/id-tags/V-1', { status: 'Accepted', expiryDate: '2030-01-01' }],
        // Year 10000 once the offset is applied: no store keeps it as a time that lists.
        ['a date past the year 9999', '/api/v1/id-tags/V-1', { status: 'Accepted', expiryDate: '9999-12-31T23:59:59-23:59' }],
        ['an empty date (not coerced to null)', '/api/v1/id-tags/V-1', { status: 'Accepted', expiryDate: '' }],
        ['a number as date', '/api/v1/id-tags/V-1', { status: 'Accepted', expiryDate: 1893456000000 }],
        ['parentIdTag of 21 characters', '/api/v1/id-tags/V-1', { status: 'Accepted', parentIdTag: 'P'.repeat(21) }],
        ['empty parentIdTag', '/api/v1/id-tags/V-1', { status: 'Accepted', parentIdTag: '' }],
        ['unknown field', '/api/v1/id-tags/V-1', { status: 'Accepted', owner: 'me' }],
        ['status in an array', '/api/v1/id-tags/V-1', { status: ['Accepted'] }],
      ];
      for (const [what, path, body] of cases) {
        const result = await t.api(path, { method: 'PUT', body });
        assert.equal(result.status, 400, `${what}: ${JSON.stringify(result.body)}`);
        assert.deepEqual(Object.keys(result.body).sort(), ['error', 'message'], what);
      }
      const tags = (await t.api('/api/v1/id-tags')).body.items.map((i: any) => i.idTag);
      assert.ok(!tags.includes('V-1'));
      // 20 characters is the limit, and is fine.
      assert.equal((await t.api(`/api/v1/id-tags/${'X'.repeat(20)}`, { method: 'PUT', body: { status: 'Accepted' } })).status, 201);
    });

    await s.test('the list is read whole or a page at a time by tag, in any case; a bad page is 400', async () => {
      // Apart from the tags above, which sort before these (keys are in upper case).
      await t.api('/api/v1/operators/OPC-PAGE', { method: 'PUT', body: { name: 'Pages', kind: 'OPC' } });
      const mine = ['page-b', 'PAGE-D', 'Page-e'];
      for (const tag of ['PAGE-A', 'PAGE-C', 'page-f']) assert.equal((await t.api(`/api/v1/id-tags/${tag}`, { method: 'PUT', body: { status: 'Accepted' } })).status, 201);
      for (const tag of mine) assert.equal((await t.api(`/api/v1/id-tags/${tag}`, { method: 'PUT', body: { status: 'Accepted', operator: 'OPC-PAGE' } })).status, 201);
      const operator = (await t.api('/api/v1/tokens', { method: 'POST', body: { name: 'pages', role: 'operator', operator: 'OPC-PAGE' } })).body.token;
      const tags = async (query: string, token?: string) => {
        const res = await t.api(`/api/v1/id-tags${query}`, token ? { token } : {});
        assert.equal(res.status, 200, JSON.stringify(res.body));
        return res.body.items.map((tag: { idTag: string }) => tag.idTag).filter((tag: string) => tag.toUpperCase().startsWith('PAGE-'));
      };
      assert.deepEqual(await tags(''), ['PAGE-A', 'page-b', 'PAGE-C', 'PAGE-D', 'Page-e', 'page-f'], 'no limit: every tag, as before paging');
      assert.deepEqual(await tags('?limit=2&afterId=PAGE-A'), ['page-b', 'PAGE-C']);
      assert.deepEqual(await tags('?limit=2&afterId=page-c'), ['PAGE-D', 'Page-e'], 'the cursor in another case than the tag');
      assert.deepEqual(await tags('?limit=2&afterId=Page-E'), ['page-f']);
      assert.deepEqual(await tags('?afterId=PAGE-D'), ['Page-e', 'page-f'], 'afterId alone: the rest');
      assert.deepEqual(await tags('?limit=5&afterId=PAGE-F'), []);
      assert.equal((await t.api('/api/v1/id-tags?limit=1')).body.items.length, 1);
      // An operator's pages hold its own tags only, full while it has that many.
      assert.deepEqual(await tags('?limit=2', operator), ['page-b', 'PAGE-D']);
      assert.deepEqual(await tags('?limit=2&afterId=PAGE-D', operator), ['Page-e']);
      for (const bad of ['?limit=0', '?limit=10001', '?limit=two', '?afterId=', `?afterId=${'X'.repeat(21)}`, '?after=PAGE-A']) {
        const res = await t.api(`/api/v1/id-tags${bad}`);
        assert.equal(res.status, 400, bad);
        assert.deepEqual(Object.keys(res.body).sort(), ['error', 'message'], bad);
      }
    });
  } finally {
    await t.close();
  }
});

test('authorization rules, end to end through a 1.6 charge point', async (s) => {
  const t = await startTestTomada();
  const put = async (idTag: string, body: object) => {
    const result = await t.api(`/api/v1/id-tags/${encodeURIComponent(idTag)}`, { method: 'PUT', body });
    assert.ok(result.status === 200 || result.status === 201, JSON.stringify(result.body));
  };
  await put('OK-TAG', { status: 'Accepted' });
  await put('BLOCKED', { status: 'Blocked' });
  await put('EXPIRED', { status: 'Accepted', expiryDate: PAST });
  await put('FUTURE', { status: 'Accepted', expiryDate: FUTURE });
  await put('PARENT-BLOCKED', { status: 'Blocked' });
  await put('CHILD', { status: 'Accepted', parentIdTag: 'PARENT-BLOCKED' });
  await put('PARENT-EXPIRED', { status: 'Accepted', expiryDate: PAST });
  await put('CHILD-2', { status: 'Accepted', parentIdTag: 'PARENT-EXPIRED' });
  await put('PARENT-OK', { status: 'Accepted' });
  await put('CHILD-3', { status: 'Accepted', parentIdTag: 'PARENT-OK' });
  await put('PARENT-SOON', { status: 'Accepted', expiryDate: SOON });
  await put('CHILD-4', { status: 'Accepted', expiryDate: FUTURE, parentIdTag: 'PARENT-SOON' });
  await put('CHILD-5', { status: 'Accepted', parentIdTag: 'PARENT-SOON' });
  await put('abc', { status: 'Accepted' });
  await put('CONC', { status: 'Accepted' });
  assert.equal((await t.api('/api/v1/charge-points/CP-AUTH', { method: 'PUT', body: {} })).status, 201);
  const client = await TestClient.connect(t.wsUrl, 'CP-AUTH');
  let minute = 0;
  const start = (idTag: string, connectorId = 1) =>
    client.ok('StartTransaction', {
      connectorId,
      idTag,
      meterStart: 1000,
      timestamp: new Date(Date.UTC(2025, 0, 1, 10, minute++)).toISOString(),
    });
  const stop = (transactionId: number) =>
    client.ok('StopTransaction', { transactionId, meterStop: 2000, timestamp: new Date(Date.UTC(2025, 0, 1, 10, minute++)).toISOString() });
  try {
    await client.ok('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });

    const cases: [string, string, object][] = [
      ['an unknown tag is Invalid', 'NOBODY', { status: 'Invalid' }],
      ['a Blocked tag is Blocked', 'BLOCKED', { status: 'Blocked' }],
      ['an Accepted tag past its expiry is Expired', 'EXPIRED', { status: 'Expired', expiryDate: PAST }],
      ['an Accepted tag with a future expiry is Accepted, expiry echoed', 'FUTURE', { status: 'Accepted', expiryDate: FUTURE }],
      ['a child of a Blocked parent is Blocked, parent echoed', 'CHILD', { status: 'Blocked', parentIdTag: 'PARENT-BLOCKED' }],
      ['a child of an expired parent is Expired, its expiry the parent\'s', 'CHILD-2', { status: 'Expired', expiryDate: PAST, parentIdTag: 'PARENT-EXPIRED' }],
      // A charger keeps the tag in its cache until the expiry given: not past its group's.
      ['a child whose parent expires first is given the parent\'s expiry', 'CHILD-4', { status: 'Accepted', expiryDate: SOON, parentIdTag: 'PARENT-SOON' }],
      ['a child with no expiry of its own is given its parent\'s', 'CHILD-5', { status: 'Accepted', expiryDate: SOON, parentIdTag: 'PARENT-SOON' }],
      ['a child of an Accepted parent is Accepted', 'CHILD-3', { status: 'Accepted', parentIdTag: 'PARENT-OK' }],
      ['id tags compare case-insensitively', 'ABC', { status: 'Accepted' }],
      ['an Accepted tag without expiry has only its status', 'OK-TAG', { status: 'Accepted' }],
    ];
    for (const [what, idTag, expected] of cases) {
      await s.test(`Authorize: ${what}`, async () => {
        assert.deepEqual(await client.ok('Authorize', { idTag }), { idTagInfo: expected });
      });
      await s.test(`StartTransaction: ${what}`, async () => {
        const answer = await start(idTag);
        assert.ok(Number.isInteger(answer.transactionId), 'a transaction id is always given');
        assert.deepEqual(answer.idTagInfo, expected);
        const stored = (await t.api(`/api/v1/transactions/${answer.transactionId}`)).body;
        assert.equal(stored.idTag, idTag, 'kept as the charge point sent it');
        assert.equal(stored.idTagStatus, (expected as { status: string }).status);
        await stop(answer.transactionId);
      });
    }

    await s.test('a second session of an Accepted tag while the first is active is ConcurrentTx, with a transaction id', async () => {
      const first = await start('CONC', 1);
      assert.deepEqual(first.idTagInfo, { status: 'Accepted' });
      const second = await start('CONC', 2);
      assert.deepEqual(second.idTagInfo, { status: 'ConcurrentTx' });
      assert.ok(Number.isInteger(second.transactionId));
      assert.notEqual(second.transactionId, first.transactionId);
      // Also when the second uses another case of the same tag.
      const third = await start('conc', 3);
      assert.equal(third.idTagInfo.status, 'ConcurrentTx');
      // Authorize alone does not know about sessions.
      assert.deepEqual(await client.ok('Authorize', { idTag: 'CONC' }), { idTagInfo: { status: 'Accepted' } });

      await stop(first.transactionId);
      await stop(second.transactionId);
      await stop(third.transactionId);
      // With no session left, the tag starts normally again.
      const fourth = await start('CONC', 1);
      assert.deepEqual(fourth.idTagInfo, { status: 'Accepted' });
      await stop(fourth.transactionId);
    });

    await s.test('a change in the registry applies at the next Authorize', async () => {
      await put('OK-TAG', { status: 'Blocked' });
      assert.deepEqual(await client.ok('Authorize', { idTag: 'OK-TAG' }), { idTagInfo: { status: 'Blocked' } });
      await put('OK-TAG', { status: 'Accepted', expiryDate: FUTURE });
      assert.deepEqual(await client.ok('Authorize', { idTag: 'ok-tag' }), { idTagInfo: { status: 'Accepted', expiryDate: FUTURE } });
    });
  } finally {
    await client.close();
    await t.close();
  }
});
