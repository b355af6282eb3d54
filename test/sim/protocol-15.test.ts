// The simulator's OCPP 1.5 wording, checked against the project's 1.5 schemas (from the WSDLs),
// and carried through the SOAP codec's XML mapping without loss.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RpcError } from '../../src/ocpp/rpc.js';
import { OCPP15_CS_NS, OCPP_PREFIX, parseXml, payloadToXml, requestElementOf, xmlToPayload } from '../../src/ocpp/soap/index.js';
import { centralSystemActions } from '../../src/ocpp/v15/index.js';
import { ocpp15 } from '../../src/sim/protocol-15.js';
import type { Command, CommandOutcome, ConnectorStatus, EnergyReading, OutboundCall } from '../../src/sim/protocol.js';
import { v15SchemaErrors } from './v15-schemas.js';

const at = new Date('2024-05-01T10:00:00.000Z');
const periodic: EnergyReading = { timestamp: at, context: 'Sample.Periodic', mode: 'register', unit: 'kWh', wh: 1_234_567, powerW: 11_000 };
const end: EnergyReading = { timestamp: at, context: 'Transaction.End', mode: 'interval', unit: 'Wh', wh: 17 };

function everyCall(): OutboundCall[] {
  return [
    ocpp15.bootNotification({ vendor: 'Tomada', model: 'Simulator', serialNumber: 'SIM-0001', firmwareVersion: '1.0.0' }),
    ocpp15.heartbeat(),
    ocpp15.authorize('SIMTAG01'),
    ...(['Available', 'Preparing', 'Charging', 'Finishing', 'Unavailable', 'Faulted'] as ConnectorStatus[]).map((s) => ocpp15.statusNotification(1, s, at)),
    ocpp15.startTransaction({ connectorId: 1, idTag: 'SIMTAG01', meterStartWh: 0, timestamp: at }),
    ocpp15.meterValues(1, 7, periodic),
    ocpp15.meterValues(0, undefined, end),
    ocpp15.stopTransaction({ transactionId: 7, idTag: 'SIMTAG01', meterStopWh: 1_234_567, timestamp: at, reason: 'SoftReset', final: end }),
  ];
}

test('every message the simulator sends in 1.5 is valid against the 1.5 schemas', () => {
  for (const call of everyCall()) assert.deepEqual(v15SchemaErrors(call.action, 'request', call.payload), [], call.action);
});

test('every message survives the SOAP codec: payload → XML → payload is the same', () => {
  for (const call of everyCall()) {
    const definition = centralSystemActions[call.action as keyof typeof centralSystemActions];
    const xml = payloadToXml(call.payload, definition.request, requestElementOf(call.action), OCPP_PREFIX, OCPP15_CS_NS);
    assert.deepEqual(xmlToPayload(parseXml(xml), definition.request), call.payload, call.action);
  }
});

test('connector states map onto the 1.5 statuses: Preparing, Charging and Finishing are Occupied', () => {
  const reported = (['Available', 'Preparing', 'Charging', 'Finishing', 'Unavailable', 'Faulted'] as ConnectorStatus[]).map((s) => [
    ocpp15.reportedStatus(s),
    ocpp15.statusNotification(2, s, at).payload['status'],
  ]);
  assert.deepEqual(reported, [
    ['Available', 'Available'],
    ['Occupied', 'Occupied'],
    ['Occupied', 'Occupied'],
    ['Occupied', 'Occupied'],
    ['Unavailable', 'Unavailable'],
    ['Faulted', 'Faulted'],
  ]);
  assert.deepEqual(ocpp15.statusNotification(0, 'Available', at).payload, {
    connectorId: 0,
    status: 'Available',
    errorCode: 'NoError',
    timestamp: '2024-05-01T10:00:00.000Z',
  });
});

test('MeterValues carries `values`, each a timestamp and its `value` readings with the reading as text', () => {
  assert.deepEqual(ocpp15.meterValues(2, 9, periodic).payload, {
    connectorId: 2,
    transactionId: 9,
    values: [
      {
        timestamp: '2024-05-01T10:00:00.000Z',
        value: [
          { value: '1234.567', context: 'Sample.Periodic', format: 'Raw', measurand: 'Energy.Active.Import.Register', location: 'Outlet', unit: 'kWh' },
          { value: '11000', context: 'Sample.Periodic', format: 'Raw', measurand: 'Power.Active.Import', location: 'Outlet', unit: 'W' },
        ],
      },
    ],
  });
});

test('MeterValues in XML: each reading is a <value> element, its text the reading, its qualifiers attributes', () => {
  const xml = payloadToXml(ocpp15.meterValues(2, 9, periodic).payload, centralSystemActions.MeterValues.request, 'meterValuesRequest', OCPP_PREFIX, OCPP15_CS_NS);
  assert.match(
    xml,
    /<ocpp:values><ocpp:timestamp>2024-05-01T10:00:00.000Z<\/ocpp:timestamp><ocpp:value context="Sample.Periodic" format="Raw" measurand="Energy.Active.Import.Register" location="Outlet" unit="kWh">1234.567<\/ocpp:value>/,
  );
});

test('StopTransaction holds the final reading as transactionData [{values: [...]}] and has no reason', () => {
  const call = ocpp15.stopTransaction({ transactionId: 3, idTag: 'A', meterStopWh: 500, timestamp: at, reason: 'Remote', final: end });
  assert.deepEqual(call.payload, {
    transactionId: 3,
    idTag: 'A',
    timestamp: '2024-05-01T10:00:00.000Z',
    meterStop: 500,
    transactionData: [
      {
        values: [
          {
            timestamp: '2024-05-01T10:00:00.000Z',
            value: [{ value: '17', context: 'Transaction.End', format: 'Raw', measurand: 'Energy.Active.Import.Interval', location: 'Outlet', unit: 'Wh' }],
          },
        ],
      },
    ],
  });
  assert.equal('reason' in call.payload, false);
});

test('the boot answer gives heartbeatInterval; Pending (not 1.5) or an unreadable status counts as Pending', () => {
  assert.deepEqual(ocpp15.readBootAnswer({ status: 'Accepted', currentTime: at.toISOString(), heartbeatInterval: 300 }), { status: 'Accepted', intervalSeconds: 300 });
  assert.deepEqual(ocpp15.readBootAnswer({ status: 'Rejected', currentTime: at.toISOString(), heartbeatInterval: 60 }), { status: 'Rejected', intervalSeconds: 60 });
  // 1.6's `interval` is not a 1.5 field.
  assert.deepEqual(ocpp15.readBootAnswer({ status: 'Accepted', interval: 300 }), { status: 'Accepted', intervalSeconds: 0 });
  assert.deepEqual(ocpp15.readBootAnswer({ status: 'Pending', heartbeatInterval: 5 }), { status: 'Pending', intervalSeconds: 5 });
  assert.deepEqual(ocpp15.readBootAnswer({ status: 'Maybe' }), { status: 'Pending', intervalSeconds: 0 });
  assert.deepEqual(ocpp15.readStartTransactionAnswer({ transactionId: 5, idTagInfo: { status: 'Expired' } }), { transactionId: 5, idTagStatus: 'Expired' });
  assert.throws(() => ocpp15.readStartTransactionAnswer({ idTagInfo: { status: 'Accepted' } }), /transactionId/);
});

test('commands are read, and their answers are valid 1.5 responses (UnlockConnector: Accepted or Rejected)', () => {
  const cases: Array<[string, object, Command, Array<[CommandOutcome, string]>]> = [
    ['RemoteStartTransaction', { idTag: 'T' }, { kind: 'RemoteStart', connectorId: undefined, idTag: 'T' }, [['Accepted', 'Accepted'], ['Rejected', 'Rejected']]],
    ['RemoteStartTransaction', { idTag: 'T', connectorId: 2 }, { kind: 'RemoteStart', connectorId: 2, idTag: 'T' }, [['Accepted', 'Accepted']]],
    ['RemoteStopTransaction', { transactionId: 4 }, { kind: 'RemoteStop', transactionId: 4 }, [['Accepted', 'Accepted'], ['Rejected', 'Rejected']]],
    ['Reset', { type: 'Hard' }, { kind: 'Reset', type: 'Hard' }, [['Accepted', 'Accepted'], ['Rejected', 'Rejected']]],
    ['UnlockConnector', { connectorId: 1 }, { kind: 'Unlock', connectorId: 1 }, [['Unlocked', 'Accepted'], ['Rejected', 'Rejected'], ['NotSupported', 'Rejected']]],
  ];
  for (const [action, payload, command, outcomes] of cases) {
    assert.deepEqual(ocpp15.readCommand(action, payload as never), command);
    for (const [outcome, status] of outcomes) {
      const answer = ocpp15.answerCommand(command, outcome);
      assert.deepEqual(answer, { status }, `${action} ${outcome}`);
      assert.deepEqual(v15SchemaErrors(action, 'response', answer), [], `${action} ${outcome}`);
    }
  }
});

test('a malformed command is refused with the code its violation names; any other action is NotImplemented', () => {
  const refusedWith = (code: string) => (e: unknown) => e instanceof RpcError && e.code === code;
  assert.throws(() => ocpp15.readCommand('RemoteStopTransaction', {}), refusedWith('OccurenceConstraintViolation'));
  assert.throws(() => ocpp15.readCommand('Reset', { type: 'Warm' }), refusedWith('PropertyConstraintViolation'));
  assert.throws(() => ocpp15.readCommand('UnlockConnector', { connectorId: '1' }), refusedWith('TypeConstraintViolation'));
  assert.throws(() => ocpp15.readCommand('RemoteStartTransaction', { idTag: 'T', chargingProfile: {} }), refusedWith('FormationViolation'));
  assert.throws(() => ocpp15.readCommand('RemoteStartTransaction', { idTag: 'X'.repeat(21) }), refusedWith('PropertyConstraintViolation'));
  assert.throws(() => ocpp15.readCommand('ChangeAvailability', { connectorId: 0, type: 'Inoperative' }), refusedWith('NotImplemented'));
  assert.throws(() => ocpp15.readCommand('TriggerMessage', { requestedMessage: 'Heartbeat' }), refusedWith('NotImplemented'));
});
