// A lenient charge point (lenient mode forgives a field's length) whose firmware version is some
// kilobytes long passes a validating campaign. PostgreSQL's unique index over the software's
// identity refused the registry entry ("index row size exceeds maximum"), the end of the campaign
// failed, and its record stayed "running" until the node restarted, where SQLite entered it: the
// campaign must end on both stores, saying the software cannot be entered in the registry.
// A full campaign at a validating campaign's limits: most of a minute.
// store: postgres-only. The index limit is PostgreSQL's; the bound that ends such a campaign
// (src/validation/software.ts) is the same code on SQLite, where the campaign always ended.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startTestTomada } from '../support/tomada.js';
import { ocpp16 } from '../../src/sim/protocol-16.js';
import type { ChargePointProtocol } from '../../src/sim/protocol.js';
import { runCampaign, summary, VALIDATING_TIMING } from './rig.js';

/** Random, so that PostgreSQL cannot compress it into an index entry. */
const LONG_FIRMWARE = randomBytes(2_400).toString('base64');

/** OCPP 1.6 as the simulator words it, with a firmware version of 3,200 characters. */
const longFirmware: ChargePointProtocol = {
  ...ocpp16,
  bootNotification: (info) => ocpp16.bootNotification({ ...info, firmwareVersion: LONG_FIRMWARE }),
};

test('a passed campaign of software too long for the registry ends, saying it validated nothing and why', async () => {
  const t = await startTestTomada();
  try {
    const { validation, chargePoint } = await runCampaign(t, { id: 'CP-LONGFW', protocol: 'ocpp1.6-json', wording: longFirmware, settings: { lenient: true }, timing: VALIDATING_TIMING });
    try {
      assert.equal(validation.verdict, 'pass', summary(validation));
      assert.equal(validation.software.firmwareVersion, LONG_FIRMWARE);
      assert.equal(validation.registry?.validated, false);
      assert.match(validation.registry?.reason ?? '', /longer than the validated-software registry keeps/);
      // Stored as ended, not only shown so by the node that ran it.
      const stored = await t.store.getValidation(validation.id);
      assert.equal(stored?.status, 'finished');
      assert.deepEqual(stored?.registry, validation.registry);
      const finished = (await t.api('/api/v1/events?type=validationFinished&chargePointId=CP-LONGFW')).body.items;
      assert.equal(finished.length, 1, JSON.stringify(finished));
      assert.deepEqual(await t.software.list(), []);
      // The charge point shows its software as not validated, and the registry still answers.
      assert.equal((await t.api('/api/v1/charge-points/CP-LONGFW')).body.softwareValidated, false);
    } finally {
      await chargePoint.stop();
    }
  } finally {
    await t.close();
  }
});

test('an approval by hand of such software is refused by its schema (OCPP lengths), never reaching the registry', async () => {
  const t = await startTestTomada();
  try {
    const approval = { vendor: 'Tomada', model: 'Simulator', firmwareVersion: LONG_FIRMWARE, ocppVersion: '1.6', transport: 'json', reference: 'bench report 1' };
    assert.equal((await t.api('/api/v1/software', { body: approval })).status, 400);
    assert.deepEqual(await t.software.list(), []);
  } finally {
    await t.close();
  }
});
