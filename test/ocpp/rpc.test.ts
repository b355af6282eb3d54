// OCPP-J frame parsing: every malformed frame becomes a FrameError carrying the message id when
// it could be read, '-1' otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FrameError,
  MAX_MESSAGE_ID_LENGTH,
  UNKNOWN_MESSAGE_ID,
  encodeCall,
  encodeCallError,
  encodeCallResult,
  parseFrame,
} from '../../src/ocpp/rpc.js';

function assertFrameError(text: string, messageId: string, message: RegExp): void {
  assert.throws(
    () => parseFrame(text),
    (error: unknown) => {
      assert.ok(error instanceof FrameError, `expected a FrameError for ${text}`);
      assert.equal(error.messageId, messageId, text);
      assert.equal(error.code, 'FormationViolation', text);
      assert.match(error.message, message, text);
      return true;
    },
  );
}

test('the unknown message id is "-1"', () => {
  assert.equal(UNKNOWN_MESSAGE_ID, '-1');
});

test('text that is not JSON', () => {
  for (const text of ['', '[2, "a", "Heartbeat", {}', "[2,'a','Heartbeat',{}]", 'hello']) {
    assertFrameError(text, '-1', /not valid JSON/);
  }
});

test('JSON that is not an array', () => {
  for (const text of ['{}', '"x"', '42', 'null', '{"0":2,"1":"a"}']) assertFrameError(text, '-1', /not a JSON array/);
});

test('a missing, non-string, empty or too long message id', () => {
  for (const text of ['[]', '[2]', '[2, 42, "Heartbeat", {}]', '[2, null, "Heartbeat", {}]', '[2, "", "Heartbeat", {}]']) {
    assertFrameError(text, '-1', /Message id is missing/);
  }
  const long = 'x'.repeat(MAX_MESSAGE_ID_LENGTH + 1);
  assertFrameError(JSON.stringify([2, long, 'Heartbeat', {}]), '-1', /longer than 36/);
  const longest = 'x'.repeat(MAX_MESSAGE_ID_LENGTH);
  assert.equal(parseFrame(JSON.stringify([2, longest, 'Heartbeat', {}])).messageId, longest);
});

test('an unknown message type id keeps the readable message id', () => {
  for (const type of [0, 1, 5, '2', null]) {
    assertFrameError(JSON.stringify([type, 'id-1', 'Heartbeat', {}]), 'id-1', /Unknown message type id/);
  }
});

test('a CALL with the wrong number of elements', () => {
  assertFrameError('[2, "id-2", "Heartbeat"]', 'id-2', /exactly 4 elements/);
  assertFrameError('[2, "id-2", "Heartbeat", {}, {}]', 'id-2', /exactly 4 elements/);
});

test('a CALL whose action is not a non-empty string', () => {
  assertFrameError('[2, "id-3", "", {}]', 'id-3', /action/);
  assertFrameError('[2, "id-3", 7, {}]', 'id-3', /action/);
});

test('a CALL whose payload is not an object', () => {
  for (const payload of ['[]', 'null', '"x"', '1']) {
    assertFrameError(`[2, "id-4", "Heartbeat", ${payload}]`, 'id-4', /payload is not a JSON object/);
  }
});

test('a CALLRESULT or CALLERROR of the wrong shape', () => {
  assertFrameError('[3, "id-5"]', 'id-5', /exactly 3 elements/);
  assertFrameError('[3, "id-5", []]', 'id-5', /payload is not a JSON object/);
  assertFrameError('[4, "id-6", "GenericError"]', 'id-6', /must have 5 elements/);
  // Many chargers leave out the details: read as empty details, not refused.
  assert.deepEqual(parseFrame('[4, "id-6", "GenericError", "oops"]'), { type: 4, messageId: 'id-6', errorCode: 'GenericError', errorDescription: 'oops', errorDetails: {} });
  assertFrameError('[4, "id-6", "GenericError", "oops", null]', 'id-6', /wrong type/);
  assertFrameError('[4, "id-6", 1, "oops", {}]', 'id-6', /wrong type/);
});

test('a valid CALL, CALLRESULT and CALLERROR', () => {
  assert.deepEqual(parseFrame('[2, "19223201", "BootNotification", {"chargePointVendor": "VendorX", "chargePointModel": "SingleSocketCharger"}]'), {
    type: 2,
    messageId: '19223201',
    action: 'BootNotification',
    payload: { chargePointVendor: 'VendorX', chargePointModel: 'SingleSocketCharger' },
  });
  assert.deepEqual(parseFrame('[3, "19223201", {"currentTime": "2013-02-01T20:53:32.486Z", "interval": 300, "status": "Accepted"}]'), {
    type: 3,
    messageId: '19223201',
    payload: { currentTime: '2013-02-01T20:53:32.486Z', interval: 300, status: 'Accepted' },
  });
  assert.deepEqual(parseFrame('[4, "162376037", "NotSupported", "SetDisplayMessageRequest not implemented", {}]'), {
    type: 4,
    messageId: '162376037',
    errorCode: 'NotSupported',
    errorDescription: 'SetDisplayMessageRequest not implemented',
    errorDetails: {},
  });
});

test('encoded frames parse back to what was encoded', () => {
  assert.deepEqual(parseFrame(encodeCall('a', 'Heartbeat', {})), { type: 2, messageId: 'a', action: 'Heartbeat', payload: {} });
  assert.deepEqual(parseFrame(encodeCallResult('b', { currentTime: '2024-05-01T10:00:00Z' })), {
    type: 3,
    messageId: 'b',
    payload: { currentTime: '2024-05-01T10:00:00Z' },
  });
  assert.deepEqual(parseFrame(encodeCallError('c', 'GenericError', 'boom')), {
    type: 4,
    messageId: 'c',
    errorCode: 'GenericError',
    errorDescription: 'boom',
    errorDetails: {},
  });
});
