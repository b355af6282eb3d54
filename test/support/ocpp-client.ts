// A raw OCPP-J client for tests: sends any frame (valid or not) and waits for the answer with a
// given message id, so tests can speak to the server exactly as a faulty charger would.
import WebSocket from 'ws';

export type Frame = unknown[];

export class TestClient {
  readonly received: Frame[] = [];
  /** CALLs the server sent us, answered by `onCall` (default: Accepted). */
  onCall: (action: string, payload: any) => object | undefined = () => ({ status: 'Accepted' });
  /** How long `onCall`'s answers wait before they are sent: a slow charge point. */
  answerDelayMs = 0;
  private waiters: { match: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  private counter = 0;
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      const frame = JSON.parse(data.toString()) as Frame;
      this.received.push(frame);
      if (frame[0] === 2) {
        const answer = this.onCall(frame[2] as string, frame[3]);
        const send = () => ws.send(JSON.stringify([3, frame[1], answer]));
        if (answer !== undefined) (this.answerDelayMs > 0 ? setTimeout(send, this.answerDelayMs) : send());
      }
      for (const waiter of [...this.waiters]) {
        if (waiter.match(frame)) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.resolve(frame);
        }
      }
    });
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  static connect(
    url: string,
    id: string,
    options: { protocols?: string[]; password?: string } = {},
  ): Promise<TestClient> {
    const headers: Record<string, string> = {};
    if (options.password !== undefined) headers.authorization = `Basic ${Buffer.from(`${id}:${options.password}`).toString('base64')}`;
    const ws = new WebSocket(`${url}/${encodeURIComponent(id)}`, options.protocols ?? ['ocpp1.6'], { headers });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new TestClient(ws)));
      ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { statusCode: res.statusCode })));
      ws.once('error', reject);
    });
  }

  /** Waits for the first received frame (past or future) that matches. */
  waitFor(match: (frame: Frame) => boolean, timeoutMs = 5000): Promise<Frame> {
    const seen = this.received.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('timed out waiting for a frame')), timeoutMs);
      this.waiters.push({ match, resolve: (f) => (clearTimeout(timer), resolve(f)) });
    });
  }

  sendRaw(text: string | Buffer, binary = false): void {
    this.ws.send(text, { binary });
  }

  /** Sends a CALL and resolves with the CALLRESULT or CALLERROR frame answering it. */
  async call(action: string, payload: unknown, messageId = `m${++this.counter}`): Promise<Frame> {
    this.ws.send(JSON.stringify([2, messageId, action, payload]));
    return this.waitFor((f) => (f[0] === 3 || f[0] === 4) && f[1] === messageId);
  }

  /** Sends a CALL that must succeed and returns its payload. */
  async ok(action: string, payload: unknown): Promise<any> {
    const frame = await this.call(action, payload);
    if (frame[0] !== 3) throw new Error(`${action} failed: ${JSON.stringify(frame)}`);
    return frame[2];
  }

  close(): Promise<{ code: number; reason: string }> {
    this.ws.close();
    return this.closed;
  }
}

export const boot = (client: TestClient) => client.ok('BootNotification', { chargePointVendor: 'TestVendor', chargePointModel: 'TestModel', firmwareVersion: '1.0' });
