// A campaign whose cases ran to the end leaves its connector idle, whatever card the charge point
// charges on there (docs/VALIDATION.md, "Leaving nothing running", step 2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestTomada } from '../support/tomada.js';
import { runCampaign, summary } from './rig.js';

test('a charge point that started the remote start on another card is stopped at the campaign’s end, not left charging', async () => {
  const t = await startTestTomada();
  try {
    // 'other-id-tag': asked to start with the campaign's card, it starts with SIMOTHER1 and keeps charging.
    const { validation, chargePoint } = await runCampaign(t, { id: 'CP-OTHERTAG', protocol: 'ocpp1.6-json', faults: ['other-id-tag'], cases: ['remote.start'], timing: { caseTimeoutS: 5 } });
    try {
      assert.match(validation.cases[0]!.reason ?? '', /SIMOTHER1/, summary(validation));
      const active = (await t.api('/api/v1/transactions?chargePointId=CP-OTHERTAG&active=true')).body.items as { id: number; idTag: string; connectorId: number }[];
      const stillCharging = active.filter((x) => x.connectorId === 1);
      assert.ok(stillCharging.length === 0 || validation.leftRunning !== undefined, `connector 1 left charging, unsaid: ${JSON.stringify(stillCharging)}; leftRunning ${JSON.stringify(validation.leftRunning)}`);
    } finally {
      await chargePoint.stop();
    }
  } finally {
    await t.close();
  }
});
