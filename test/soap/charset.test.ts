// The charset of a SOAP message over real HTTP: a body is read in the charset its Content-Type,
// byte order mark or XML declaration names (UTF-8 when none does), strictly; a charset Tomada
// cannot read, two names that disagree, or bytes not valid in the charset get a Sender fault
// naming it, store nothing, and the next good message is answered. What is journaled is the text
// as it was read, so `journal verify` replays the same id tag.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { verifyJournal } from '../../src/audit/verify-journal.js';
import { startTestTomada, type TestTomada } from '../support/tomada.js';
import { child, CS_NS, envelope, postRaw, readFault, readXml, SOAP12_NS, type RawAnswer } from './helpers.js';

const TOMADA_FAULT_NS = 'urn:tomada:soap-fault';
const CP = 'CP-SOAP-CHARSET';
/** Registered Accepted; É is one byte (C9) in ISO-8859-1, two in UTF-8, and two in UTF-16. */
const TAG = 'TAGÉ';

let messages = 0;
/** A message of CP, its XML declaration naming `encoding` (or none). */
function message(body: string, encoding?: string): string {
  const xml = envelope({ id: CP, messageId: `urn:uuid:charset-${++messages}`, body });
  return encoding === undefined ? xml.replace(/^<\?xml[^>]*\?>/, '') : xml.replace('encoding="UTF-8"', `encoding="${encoding}"`);
}

const startTransaction = (idTag: string, meterStart: number) =>
  `<cs:startTransactionRequest><cs:connectorId>1</cs:connectorId><cs:idTag>${idTag}</cs:idTag><cs:timestamp>2026-03-01T10:00:00Z</cs:timestamp><cs:meterStart>${meterStart}</cs:meterStart></cs:startTransactionRequest>`;
const stopTransaction = (transactionId: number, meterStop: number) =>
  `<cs:stopTransactionRequest><cs:transactionId>${transactionId}</cs:transactionId><cs:idTag>${TAG}</cs:idTag><cs:timestamp>2026-03-01T11:00:00Z</cs:timestamp><cs:meterStop>${meterStop}</cs:meterStop></cs:stopTransactionRequest>`;
const authorize = (idTag: string) => `<cs:authorizeRequest><cs:idTag>${idTag}</cs:idTag></cs:authorizeRequest>`;

/** The body element of an answer that is not a fault, by local name. */
function answered(answer: RawAnswer, element: string) {
  assert.equal(answer.status, 200, answer.text.slice(0, 500));
  const found = child(child(readXml(answer.text), SOAP12_NS, 'Body'), CS_NS, element);
  assert.ok(found, `a ${element}: ${answer.text.slice(0, 300)}`);
  return found;
}

const idTagStatus = (response: ReturnType<typeof answered>) => child(child(response, CS_NS, 'idTagInfo'), CS_NS, 'status')?.text;

/** UTF-16 bytes of a text, with its byte order mark. */
function utf16(text: string, order: 'le' | 'be'): Buffer {
  const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
  return order === 'le' ? le : le.swap16();
}

describe('the charset of a SOAP message', () => {
  let t: TestTomada;

  /** Everything a refused message could have written. */
  async function snapshot() {
    const transactions = await t.api('/api/v1/transactions');
    assert.equal(transactions.status, 200);
    return { transactions: transactions.body, events: await t.store.listEvents({ limit: 10_000 }), chargePoint: (await t.api(`/api/v1/charge-points/${CP}`)).body };
  }

  /** Sends a message that must be refused with a Sender fault, then checks nothing was stored and a good message is answered. */
  async function refused(body: Uint8Array, contentType: string, subcode: string, reason: RegExp) {
    const before = await snapshot();
    const answer = await postRaw(t, body, contentType);
    assert.equal(answer.status, 400, answer.text.slice(0, 500));
    const fault = readFault(answer.text);
    assert.deepEqual(fault.code, { namespace: SOAP12_NS, name: 'Sender' });
    assert.deepEqual(fault.subcode, { namespace: TOMADA_FAULT_NS, name: subcode }, fault.reason);
    assert.match(fault.reason, reason);
    assert.deepEqual(await snapshot(), before, 'nothing was stored');
    assert.equal(idTagStatus(answered(await postRaw(t, message(authorize(TAG))), 'authorizeResponse')), 'Accepted', 'the next good message is answered');
  }

  before(async () => {
    t = await startTestTomada({});
    assert.equal((await t.api(`/api/v1/charge-points/${CP}`, { method: 'PUT', body: {} })).status, 201);
    assert.equal((await t.api(`/api/v1/id-tags/${encodeURIComponent(TAG)}`, { method: 'PUT', body: { status: 'Accepted' } })).status < 300, true);
    answered(await postRaw(t, message('<cs:bootNotificationRequest><cs:chargePointVendor>V</cs:chargePointVendor><cs:chargePointModel>M</cs:chargePointModel></cs:bootNotificationRequest>')), 'bootNotificationResponse');
  });

  after(async () => {
    await t?.close();
  });

  test('ISO-8859-1, named by the Content-Type and the declaration: the Accepted session of TAGÉ, journaled so that verify replays it', async () => {
    const bytes = Buffer.from(message(startTransaction(TAG, 1000), 'ISO-8859-1'), 'latin1');
    assert.ok(bytes.includes(Buffer.from('544147c93c', 'hex')), 'TAGÉ as ISO-8859-1 bytes');
    const start = answered(await postRaw(t, bytes, 'application/soap+xml; charset=ISO-8859-1'), 'startTransactionResponse');
    assert.equal(idTagStatus(start), 'Accepted');
    const transactionId = Number(child(start, CS_NS, 'transactionId')?.text);
    const { body: transaction } = await t.api(`/api/v1/transactions/${transactionId}`);
    assert.equal(transaction.idTag, TAG);

    const stop = Buffer.from(message(stopTransaction(transactionId, 4000), 'ISO-8859-1'), 'latin1');
    answered(await postRaw(t, stop, 'application/soap+xml; charset=iso-8859-1'), 'stopTransactionResponse');
    const frames = await t.store.recentJournal(CP, 10);
    const journaledStart = frames.find((row) => row.direction === 'in' && row.frame.toString('utf8').includes('startTransactionRequest'));
    assert.ok(journaledStart?.frame.toString('utf8').includes(`<cs:idTag>${TAG}</cs:idTag>`), 'journaled as the text it was read as, in UTF-8');
    const report = await verifyJournal(t.store);
    assert.equal(report.firstBrokenLink, undefined);
    assert.deepEqual(report.mismatches, [], 'the replay reads the session it stored');
    assert.ok(report.transactionsChecked >= 1);
  });

  test('ISO-8859-1 named by the Content-Type alone, and by the declaration alone', async () => {
    const bare = Buffer.from(message(authorize(TAG)), 'latin1');
    assert.equal(idTagStatus(answered(await postRaw(t, bare, 'application/soap+xml;charset="iso-8859-1"'), 'authorizeResponse')), 'Accepted');
    const declared = Buffer.from(message(authorize(TAG), 'iso-8859-1'), 'latin1');
    assert.equal(idTagStatus(answered(await postRaw(t, declared, 'application/soap+xml'), 'authorizeResponse')), 'Accepted');
  });

  test('UTF-16 with a byte order mark, little- and big-endian, with no charset or with the declaration naming UTF-16', async () => {
    for (const order of ['le', 'be'] as const) {
      assert.equal(idTagStatus(answered(await postRaw(t, utf16(message(authorize(TAG)), order), 'application/soap+xml'), 'authorizeResponse')), 'Accepted', order);
      const declared = utf16(message(authorize(TAG), 'UTF-16'), order);
      assert.equal(idTagStatus(answered(await postRaw(t, declared, `application/soap+xml; charset=utf-16${order}`), 'authorizeResponse')), 'Accepted', order);
    }
  });

  test('bytes that are not UTF-8, with no charset named: Sender/InvalidCharacterEncoding naming UTF-8, nothing stored', async () => {
    const bytes = Buffer.from(message(startTransaction(TAG, 2000)), 'latin1');
    await refused(bytes, 'application/soap+xml', 'InvalidCharacterEncoding', /UTF-8/);
    await refused(Buffer.from(message(startTransaction(TAG, 2000), 'UTF-8'), 'latin1'), 'application/soap+xml; charset=utf-8', 'InvalidCharacterEncoding', /"utf-8"/);
  });

  test('a charset Tomada cannot read: Sender/UnknownCharset naming it, nothing stored', async () => {
    const bytes = Buffer.from(message(startTransaction('TAG', 3000)), 'latin1');
    await refused(bytes, 'application/soap+xml; charset=x-klingon', 'UnknownCharset', /"x-klingon".*Content-Type/);
    await refused(Buffer.from(message(startTransaction('TAG', 3000), 'EBCDIC-XX')), 'application/soap+xml', 'UnknownCharset', /"EBCDIC-XX".*XML declaration/);
  });

  test('the Content-Type and the XML declaration (or the byte order mark) naming different charsets: Sender/CharsetMismatch, nothing stored', async () => {
    const bytes = Buffer.from(message(startTransaction(TAG, 4000), 'UTF-8'), 'latin1');
    await refused(bytes, 'application/soap+xml; charset=ISO-8859-1', 'CharsetMismatch', /"ISO-8859-1".*"UTF-8"/);
    await refused(utf16(message(startTransaction(TAG, 4000)), 'le'), 'application/soap+xml; charset=utf-8', 'CharsetMismatch', /"utf-8".*byte order mark/);
  });

  test('names that differ but read the bytes as the same text (an ASCII body): read, and the session stored', async () => {
    for (const [charset, meterStart] of [['ISO-8859-1', 5000], ['us-ascii', 6000]] as const) {
      const bytes = Buffer.from(message(startTransaction('TAG-ASCII', meterStart), 'UTF-8'), 'utf8');
      const start = answered(await postRaw(t, bytes, `application/soap+xml; charset=${charset}`), 'startTransactionResponse');
      const { body: transaction } = await t.api(`/api/v1/transactions/${Number(child(start, CS_NS, 'transactionId')?.text)}`);
      assert.deepEqual([transaction.idTag, transaction.meterStartWh], ['TAG-ASCII', meterStart], charset);
    }
  });
});
