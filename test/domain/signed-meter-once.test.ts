// Each signed value of a session is verified once, not again at each later MeterValues: a 10-hour
// session with a signed value a minute held the node's one thread about 0.7 s per message by its end
// (Brainpool P-384). Signature checks are counted at node:crypto's `verify` itself, so the count
// is of the real work. The verdicts stay what verifying every value again gives: valid, tampered,
// wrong key, a key from the message allowed or denied, a key changed mid-session, a new node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto, { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import { SampleDefaults, type MeterSample } from '../../src/domain/model.js';
import { newChargePoint } from '../../src/domain/registry.js';
import { signedMeterStatus } from '../../src/domain/signed-meter.js';
import { Transactions } from '../../src/domain/transactions.js';
import type { Store } from '../../src/store/store.js';
import { withTestStore } from '../support/database.js';

const meter = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const otherMeter = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const spkiHex = (key: KeyObject) => key.export({ type: 'spki', format: 'der' }).toString('hex');

const T0 = Date.parse('2026-12-06T10:00:00Z');
const at = (minute: number) => new Date(T0 + minute * 60_000).toISOString();
const START_WH = 100_000;
const whAt = (minute: number) => START_WH + minute * 100;

/** One OCMF data set of the minute's register, page T{minute}; wrapped with its key when `withKey`. */
function signedValue(minute: number, options: { withKey?: boolean; tamper?: boolean } = {}): string {
  const time = at(minute).replace('.000Z', ',000+0000');
  const payload = JSON.stringify({
    FV: '1.0', GI: 'TOMADA TEST', GS: 'GW-1', GV: '1.0', PG: `T${minute + 1}`, MV: 'Acme', MM: 'M1', MS: 'SN-1', MF: '1.0', IS: true, IT: 'ISO14443', ID: 'AABBCCDD',
    RD: [{ TM: `${time} S`, TX: minute === 0 ? 'B' : 'T', RV: whAt(minute) / 1000, RI: '1-0:1.8.0', RU: 'kWh', RT: 'AC', EF: '', ST: 'G' }],
  });
  const signature = sign('sha256', Buffer.from(payload), { key: meter.privateKey, dsaEncoding: 'der' }).toString('hex');
  const signedPayload = options.tamper ? payload.replace(`"RV":${whAt(minute) / 1000}`, `"RV":${whAt(minute) / 1000 + 1}`) : payload;
  const text = `OCMF|${signedPayload}|${JSON.stringify({ SA: 'ECDSA-secp256r1-SHA256', SD: signature })}`;
  return options.withKey ? JSON.stringify({ signedMeterValue: text, encodingMethod: 'OCMF', publicKey: spkiHex(meter.publicKey) }) : text;
}

/** The minute's readings: the signed register and its plain twin. */
function readings(minute: number, options?: { withKey?: boolean; tamper?: boolean }): MeterSample[] {
  const plain = { ...SampleDefaults, phase: null, timestamp: at(minute), value: String(whAt(minute)) };
  return [plain, { ...plain, format: 'SignedData', value: signedValue(minute, options) }];
}

/** Counts node:crypto's signature checks while `body` runs. */
async function countVerifications(body: () => Promise<void>): Promise<number> {
  const original = crypto.verify;
  let count = 0;
  crypto.verify = ((...args: Parameters<typeof original>) => {
    count++;
    return original(...args);
  }) as typeof original;
  syncBuiltinESMExports();
  try {
    await body();
  } finally {
    crypto.verify = original;
    syncBuiltinESMExports();
  }
  return count;
}

interface Session {
  store: Store;
  transactions: Transactions;
  id: number;
  send(samples: MeterSample[], via?: Transactions): Promise<void>;
  /** The stored verdict, and what verifying every stored signed value again gives. */
  verdicts(meterKeyFromMessage?: boolean): Promise<{ stored: { status: string; reason: string | null }; recomputed: { status: string; reason: string | null } }>;
}

async function withSignedSession(
  t: { skip(reason: string): void },
  options: { registeredKey: string | null; meterKeyFromMessage?: boolean },
  body: (session: Session) => Promise<void>,
) {
  await withTestStore(t, async (store) => {
    await store.transact(async (tx) => {
      await tx.insertChargePoint({ ...newChargePoint('CP-S', 'Accepted', at(0)), meterPublicKey: options.registeredKey });
      await tx.putIdTag({ idTag: 'TAG-S', status: 'Accepted', expiryDate: null, parentIdTag: null });
    });
    const node = (fromMessage = options.meterKeyFromMessage ?? false) => new Transactions(store, () => new Date(T0), { warn: () => undefined }, { meterKeyFromMessage: fromMessage });
    const transactions = node();
    const { transactionId: id } = await transactions.start('CP-S', { connectorId: 1, idTag: 'TAG-S', timestamp: at(0), meterStartWh: START_WH });
    const send = (samples: MeterSample[], via = transactions) => via.meterValues('CP-S', { connectorId: 1, transactionId: id, samples });
    const verdicts = async (fromMessage = options.meterKeyFromMessage ?? false) => {
      const transaction = (await store.getTransaction(id))!;
      const samples = await store.listTransactionSamples(id);
      const recomputed = signedMeterStatus({
        meterStartWh: transaction.meterStartWh,
        meterStopWh: transaction.meterStopWh,
        samples,
        keys: { registered: (await store.getChargePoint('CP-S'))?.meterPublicKey, allowFromMessage: fromMessage },
        replayed: new Set(),
      });
      return { stored: { status: transaction.signedMeterStatus, reason: transaction.signedMeterReason }, recomputed };
    };
    await body({ store, transactions, id, send, verdicts });
  });
}

test('one more MeterValues late in a long signed session verifies its own signed value alone', async (t) => {
  await withSignedSession(t, { registeredKey: spkiHex(meter.publicKey) }, async ({ transactions, send, verdicts, store }) => {
    const minutes = 60;
    for (let minute = 0; minute < minutes; minute++) await send(readings(minute));
    assert.deepEqual((await verdicts()).stored, { status: 'verified', reason: null });

    // ECDSA signatures are randomised: the resend below is this very message, not signed again.
    const lateMessage = readings(minutes);
    const late = await countVerifications(() => send(lateMessage));
    assert.equal(late, 1, `the 61st signed value alone is verified, not the ${minutes} before it again`);
    const { stored, recomputed } = await verdicts();
    assert.deepEqual(stored, recomputed);
    assert.equal(stored.status, 'verified');

    // A resend stores nothing and verifies nothing again.
    assert.equal(await countVerifications(() => send(lateMessage)), 0, 'a resend');

    // Another node (or this one restarted) knows no verdict yet: it verifies every value once, then
    // only the new ones, and says what this one says.
    const other = new Transactions(store, () => new Date(T0), { warn: () => undefined }, { meterKeyFromMessage: false });
    assert.equal(await countVerifications(() => send(readings(minutes + 1), other)), minutes + 2);
    assert.equal(await countVerifications(() => send(readings(minutes + 2), other)), 1);
    assert.deepEqual((await verdicts()).stored, { status: 'verified', reason: null });
    assert.equal(await countVerifications(() => send(readings(minutes + 3), transactions)), 3, 'the first node verifies the two values it did not see, and the new one');
  });
});

test('verdicts reused are the verdicts verifying again gives: tampered, wrong key, key changed', async (t) => {
  await withSignedSession(t, { registeredKey: spkiHex(meter.publicKey) }, async ({ store, send, verdicts }) => {
    for (let minute = 0; minute < 5; minute++) await send(readings(minute));
    assert.deepEqual((await verdicts()).stored, { status: 'verified', reason: null });

    // A tampered value: failed, then still failed at the next message (its verdict reused).
    await send(readings(5, { tamper: true }));
    let { stored, recomputed } = await verdicts();
    assert.equal(stored.status, 'failed');
    assert.match(stored.reason ?? '', /signature-mismatch/);
    assert.deepEqual(stored, recomputed);
    await send(readings(6));
    ({ stored, recomputed } = await verdicts());
    assert.match(stored.reason ?? '', /signature-mismatch/);
    assert.deepEqual(stored, recomputed);
  });

  await withSignedSession(t, { registeredKey: spkiHex(meter.publicKey) }, async ({ store, send, verdicts }) => {
    for (let minute = 0; minute < 5; minute++) await send(readings(minute));
    // The operator registers another meter's key mid-session: every value fails with it, though each
    // verified with the key before (a verdict is the value's with the key it was made with).
    await store.transact((tx) => tx.updateChargePoint('CP-S', { meterPublicKey: spkiHex(otherMeter.publicKey) }));
    await send(readings(5));
    let { stored, recomputed } = await verdicts();
    assert.equal(stored.status, 'failed');
    assert.match(stored.reason ?? '', /signed value of .*: signature-mismatch/);
    assert.deepEqual(stored, recomputed);
    // And back: verified again.
    await store.transact((tx) => tx.updateChargePoint('CP-S', { meterPublicKey: spkiHex(meter.publicKey) }));
    await send(readings(6));
    ({ stored, recomputed } = await verdicts());
    assert.deepEqual(stored, { status: 'verified', reason: null });
    assert.deepEqual(stored, recomputed);
  });
});

test('verdicts reused follow the policy on keys sent in the message', async (t) => {
  await withSignedSession(t, { registeredKey: null, meterKeyFromMessage: true }, async ({ store, send, verdicts, id }) => {
    for (let minute = 0; minute < 4; minute++) await send(readings(minute, { withKey: true }));
    let { stored, recomputed } = await verdicts();
    assert.deepEqual(stored, { status: 'verified', reason: 'verified with the public key sent in the message (none registered)' });
    assert.deepEqual(stored, recomputed);

    // The same values on a node that denies such keys (a node restarted with the other setting).
    const denying = new Transactions(store, () => new Date(T0), { warn: () => undefined }, { meterKeyFromMessage: false });
    await denying.meterValues('CP-S', { connectorId: 1, transactionId: id, samples: readings(4, { withKey: true }) });
    ({ stored, recomputed } = await verdicts(false));
    assert.equal(stored.status, 'failed');
    assert.match(stored.reason ?? '', /no-key: no public key is registered for the meter, and keys sent by the charge point are not trusted/);
    assert.deepEqual(stored, recomputed);

    // Registering the meter's key: the registered key wins over the message's.
    await store.transact((tx) => tx.updateChargePoint('CP-S', { meterPublicKey: spkiHex(meter.publicKey) }));
    await send(readings(5, { withKey: true }));
    ({ stored, recomputed } = await verdicts());
    assert.deepEqual(stored, { status: 'verified', reason: null });
    assert.deepEqual(stored, recomputed);
  });
});
