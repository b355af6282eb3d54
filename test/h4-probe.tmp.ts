import { startTestTomada } from './support/tomada.js';
const t = await startTestTomada({ unknownChargePoints: 'accept' });
const depth = 30_000;
for (const path of ['/api/v1/id-tags/T1', '/api/v1/charge-points/CP-X', '/api/v1/operators/OPC-X/webhook']) {
  const r = await fetch(`${t.httpUrl}${path}`, { method: 'PUT', headers: { authorization: 'Bearer test-admin-token-0123456789', 'content-type': 'application/json' }, body: `{"x":${'['.repeat(depth)}${']'.repeat(depth)}}` });
  console.log(path, r.status, (await r.text()).slice(0, 300));
}
const r2 = await fetch(`${t.httpUrl}/api/v1/charge-points?limit=100000000`, { headers: { authorization: 'Bearer test-admin-token-0123456789' } });
console.log('limit', r2.status, (await r2.text()).slice(0, 200));
await t.close();
