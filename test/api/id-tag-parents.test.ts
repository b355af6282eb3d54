// Who may name which parent for an id tag (src/domain/id-tags.ts). A tag inherits the refusal of a
// registered parent, so an operator that named another operator's tag as its cards' parent hung
// them on a stranger's group, and learnt from their Authorize answers whether that tag exists and
// is blocked. Now an operator names only its own tags (or keeps the parent a tag already has), in
// the same words whether the other tag is another's or nobody's; an administrator names any; a
// tag that would be its own ancestor is refused to everyone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TestClient } from '../support/ocpp-client.js';
import { startTestTomada } from '../support/tomada.js';

test("an id tag's parent: an operator's own tags only, never the tag itself or its descendant", async (s) => {
  const t = await startTestTomada();
  const client = await (async () => {
    assert.equal((await t.api('/api/v1/charge-points/CP-PARENTS', { method: 'PUT', body: {} })).status, 201);
    return TestClient.connect(t.wsUrl, 'CP-PARENTS');
  })();
  try {
    await client.ok('BootNotification', { chargePointVendor: 'V', chargePointModel: 'M' });
    for (const op of ['OPC-PA', 'OPC-PB']) assert.equal((await t.api(`/api/v1/operators/${op}`, { method: 'PUT', body: { name: op, kind: 'OPC' } })).status, 201);
    const tokenOf = async (operator: string) => (await t.api('/api/v1/tokens', { body: { name: operator, role: 'operator', operator } })).body.token as string;
    const a = await tokenOf('OPC-PA');
    const b = await tokenOf('OPC-PB');
    const put = (idTag: string, body: object, token?: string) => t.api(`/api/v1/id-tags/${idTag}`, { method: 'PUT', body, ...(token ? { token } : {}) });
    assert.equal((await put('B-GROUP', { status: 'Blocked' }, b)).status, 201);
    assert.equal((await put('NET-GROUP', { status: 'Blocked' })).status, 201, "the network's own, the administrator's");
    assert.equal((await put('A-GROUP', { status: 'Blocked' }, a)).status, 201);
    assert.equal((await put('A-CARD', { status: 'Accepted' }, a)).status, 201);

    await s.test("another operator's tag, the network's and a tag nobody has are refused alike, and nothing changes", async () => {
      const answers = [];
      for (const parent of ['B-GROUP', 'NET-GROUP', 'NOBODY-GRP']) {
        const refused = await put('A-CARD', { status: 'Accepted', parentIdTag: parent }, a);
        assert.equal(refused.status, 400, JSON.stringify(refused.body));
        answers.push(JSON.stringify(refused.body).split(parent).join('PARENT'));
      }
      assert.equal(new Set(answers).size, 1, `one answer for all three: ${answers.join(' | ')}`);
      assert.match(answers[0]!, /"error":"BadRequest".*not one of your id tags/);
      assert.equal((await t.api('/api/v1/id-tags/A-CARD', { token: a })).body.parentIdTag, null);
      // And its cards say nothing of the other tag: Accepted, no parent.
      assert.deepEqual(await client.ok('Authorize', { idTag: 'A-CARD' }), { idTagInfo: { status: 'Accepted' } });
    });

    await s.test('its own tag is taken, and decides for the card', async () => {
      assert.equal((await put('A-CARD', { status: 'Accepted', parentIdTag: 'a-group' }, a)).status, 200);
      assert.deepEqual(await client.ok('Authorize', { idTag: 'A-CARD' }), { idTagInfo: { status: 'Blocked', parentIdTag: 'a-group' } });
    });

    await s.test('the tag itself, or one whose parents lead back to it, is refused to everyone', async () => {
      for (const token of [a, undefined]) {
        const self = await put('A-GROUP', { status: 'Blocked', parentIdTag: 'a-Group' }, token);
        assert.equal(self.status, 400, JSON.stringify(self.body));
        assert.match(self.body.message, /cannot be its own parent/);
        // A-CARD's parent is A-GROUP: A-GROUP under A-CARD would be a cycle.
        const cycle = await put('A-GROUP', { status: 'Blocked', parentIdTag: 'A-CARD' }, token);
        assert.equal(cycle.status, 400, JSON.stringify(cycle.body));
        assert.match(cycle.body.message, /would make a cycle/);
      }
      assert.equal((await t.api('/api/v1/id-tags/A-GROUP')).body.parentIdTag, null);
    });

    await s.test('an administrator names any parent; the operator may keep it, not choose another', async () => {
      const set = await put('A-ROAMING', { status: 'Accepted', parentIdTag: 'B-GROUP', operator: 'OPC-PA' });
      assert.equal(set.status, 201, JSON.stringify(set.body));
      // Its form sends the whole record back.
      assert.equal((await put('A-ROAMING', { status: 'Blocked', parentIdTag: 'B-GROUP' }, a)).status, 200);
      assert.equal((await put('A-ROAMING', { status: 'Accepted', parentIdTag: 'NET-GROUP' }, a)).status, 400);
      assert.equal((await put('A-ROAMING', { status: 'Accepted', parentIdTag: null }, a)).status, 200);
    });
  } finally {
    await client.close();
    await t.close();
  }
});
