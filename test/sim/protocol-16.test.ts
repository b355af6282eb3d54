// The simulator's OCPP 1.6 wording, checked against the official OCA schemas.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RpcError } from '../../src/ocpp/rpc.js';
import { ocpp16 } from '../../src/sim/protocol-16.js';
import type { Command, CommandOutcome, EnergyReading } from '../../src/sim/protocol.js';
import { officialSchemaErrors } from './official-schemas.js';

const at = new Date('2024-05-01T10:00:00.000Z');

function assertOfficial(call: { action: string; payload: unknown }): void {
  assert.deepEqual(officialSchemaErrors(call.action, call.payload), []);
}

test('every message the simulator sends is valid against the official 1.6 schema', () => {
  const reading: EnergyReading = { timestamp: at, context: 'Sample.Periodic', mode: 'register', unit: 'kWh', wh: 1_234_567, powerW: 11_000 };
  const end: EnergyReading = { timestamp: at, context: 'Transaction.End', mode: 'interval', unit: 'Wh', wh: 17 };
  const calls = [
    ocpp16.bootNotification({ vendor: 'Tomada', model: 'Simulator', serialNumber: 'SIM-0001', firmwareVersion: '1.0.0' }),
    ocpp16.heartbeat(),
    ocpp16.authorize('SIMTAG01'),
    ocpp16.statusNotification(0, 'Available', at),
    ocpp16.statusNotification(2, 'Charging', at),
    ocpp16.startTransaction({ connectorId: 1, idTag: 'SIMTAG01', meterStartWh: 0, timestamp: at }),
    ocpp16.meterValues(1, 7, reading),
    ocpp16.meterValues(1, undefined, end),
    ocpp16.stopTransaction({ transactionId: 7, idTag: 'SIMTAG01', meterStopWh: 1_234_567, timestamp: at, reason: 'SoftReset', final: end }),
  ];
  for (const call of calls) assertOfficial(call);
});

test('MeterValues carries the register in the unit asked for, beside the power', () => {
  const call = ocpp16.meterValues(2, 9, { timestamp: at, context: 'Sample.Periodic', mode: 'register', unit: 'kWh', wh: 1_234_567, powerW: 11_000 });
  assert.deepEqual(call.payload, {
    connectorId: 2,
    transactionId: 9,
    meterValue: [
      {
        timestamp: '2024-05-01T10:00:00.000Z',
        sampledValue: [
          { value: '1234.567', context: 'Sample.Periodic', format: 'Raw', measurand: 'Energy.Active.Import.Register', location: 'Outlet', unit: 'kWh' },
          { value: '11000', context: 'Sample.Periodic', format: 'Raw', measurand: 'Power.Active.Import', location: 'Outlet', unit: 'W' },
        ],
      },
    ],
  });
});

test('StopTransaction holds the final reading as transaction data', () => {
  const call = ocpp16.stopTransaction({
    transactionId: 3,
    idTag: 'A',
    meterStopWh: 500,
    timestamp: at,
    reason: 'Remote',
    final: { timestamp: at, context: 'Transaction.End', mode: 'interval', unit: 'Wh', wh: 20 },
  });
  assert.deepEqual(call.payload['transactionData'], [
    {
      timestamp: '2024-05-01T10:00:00.000Z',
      sampledValue: [{ value: '20', context: 'Transaction.End', format: 'Raw', measurand: 'Energy.Active.Import.Interval', location: 'Outlet', unit: 'Wh' }],
    },
  ]);
});

test('boot answers are read, and an unreadable one counts as Pending', () => {
  assert.deepEqual(ocpp16.readBootAnswer({ status: 'Accepted', currentTime: at.toISOString(), interval: 300 }), { status: 'Accepted', intervalSeconds: 300 });
  assert.deepEqual(ocpp16.readBootAnswer({ status: 'Maybe' }), { status: 'Pending', intervalSeconds: 0 });
  assert.throws(() => ocpp16.readStartTransactionAnswer({ idTagInfo: { status: 'Accepted' } }), /transactionId/);
});

test('commands are read, and their answers are valid 1.6 responses', () => {
  const cases: Array<[string, object, Command, CommandOutcome[]]> = [
    ['RemoteStartTransaction', { idTag: 'T' }, { kind: 'RemoteStart', connectorId: undefined, idTag: 'T' }, ['Accepted', 'Rejected']],
    ['RemoteStartTransaction', { connectorId: 2, idTag: 'T' }, { kind: 'RemoteStart', connectorId: 2, idTag: 'T' }, ['Accepted']],
    ['RemoteStopTransaction', { transactionId: 4 }, { kind: 'RemoteStop', transactionId: 4 }, ['Accepted', 'Rejected']],
    ['Reset', { type: 'Hard' }, { kind: 'Reset', type: 'Hard' }, ['Accepted', 'Rejected']],
    ['UnlockConnector', { connectorId: 1 }, { kind: 'Unlock', connectorId: 1 }, ['Unlocked', 'Rejected', 'NotSupported']],
  ];
  for (const [action, payload, command, outcomes] of cases) {
    assert.deepEqual(ocpp16.readCommand(action, payload as never), command);
    for (const outcome of outcomes) {
      assert.deepEqual(officialSchemaErrors(`${action}Response`, ocpp16.answerCommand(command, outcome)), [], `${action} ${outcome}`);
    }
  }
  assert.deepEqual(ocpp16.answerCommand({ kind: 'Unlock', connectorId: 1 }, 'Rejected'), { status: 'UnlockFailed' });
});

test('an unknown action is NotImplemented', () => {
  assert.throws(
    () => ocpp16.readCommand('ChangeAvailability', { connectorId: 0, type: 'Inoperative' }),
    (e: unknown) => e instanceof RpcError && e.code === 'NotImplemented',
  );
});
