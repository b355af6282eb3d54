// The campaign's first case compares the operator's declaration with the connection. A declaration
// with a part missing fails with what is missing named, so the operator knows what to declare
// (`tomada charge-points register --declared-version … --declared-transport …`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cases } from '../../src/validation/cases.js';
import type { CaseContext } from '../../src/validation/context.js';
import type { ChargePoint } from '../../src/domain/model.js';

const versionCase = cases.find((c) => c.id === 'ocpp.version')!;

/** The case reads nothing but the charge point's record. */
async function judge(declared: Pick<ChargePoint, 'declaredOcppVersion' | 'declaredTransport'>) {
  const chargePoint = { ocppVersion: '1.5', transport: 'soap', ...declared } as ChargePoint;
  return versionCase.run({ chargePoint: async () => chargePoint } as unknown as CaseContext);
}

test('ocpp.version names the part of the declaration that is missing', async () => {
  assert.deepEqual(await judge({ declaredOcppVersion: '1.5', declaredTransport: null }), { verdict: 'fail', reason: 'the operator has not declared the charge point’s transport (json or soap)' });
  assert.deepEqual(await judge({ declaredOcppVersion: null, declaredTransport: 'soap' }), { verdict: 'fail', reason: 'the operator has not declared the charge point’s OCPP version' });
  assert.deepEqual(await judge({ declaredOcppVersion: null, declaredTransport: null }), { verdict: 'fail', reason: 'the operator has not declared the charge point’s OCPP version and transport (json or soap)' });
  assert.deepEqual(await judge({ declaredOcppVersion: '1.6', declaredTransport: 'json' }), { verdict: 'fail', reason: 'declared OCPP 1.6 over json, but it connected with OCPP 1.5 over soap' });
  assert.equal((await judge({ declaredOcppVersion: '1.5', declaredTransport: 'soap' })).verdict, 'pass');
});
