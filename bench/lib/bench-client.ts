// A lean OCPP-J client connection for the load generator: one CALL in flight (as OCPP-J requires),
// answers matched by message id, nothing validated (the server is what is measured).
import { nextMessageId } from './charge-point-script.js';
import { LeanWebSocket } from './lean-websocket.js';

export interface Answer {
  ok: boolean;
  /** The CALLRESULT payload, or the CALLERROR code. */
  payload: Record<string, unknown>;
  /** The CALLERROR's code; or, made up here, ConnectionClosed (the connection dropped under the call) or Timeout (no answer in time). */
  errorCode?: string;
}

export interface ConnectOptions {
  protocol?: string;
  localAddress?: string | undefined;
  timeoutMs?: number;
}

export class BenchClient {
  private pending: { id: string; resolve: (answer: Answer) => void } | undefined;
  readonly closed: Promise<void>;
  closedNow = false;

  private constructor(private readonly ws: LeanWebSocket) {
    let closedNow: () => void = () => undefined;
    this.closed = new Promise((resolve) => (closedNow = resolve));
    ws.listen({
      text: (text) => this.onMessage(text),
      close: () => {
        this.closedNow = true;
        const pending = this.pending;
        this.pending = undefined;
        pending?.resolve({ ok: false, payload: {}, errorCode: 'ConnectionClosed' });
        closedNow();
      },
    });
  }

  static async connect(url: string, id: string, options: ConnectOptions = {}): Promise<BenchClient> {
    const ws = await LeanWebSocket.open(`${url}/${id}`, {
      protocol: options.protocol ?? 'ocpp1.6',
      localAddress: options.localAddress,
      timeoutMs: options.timeoutMs ?? 30_000,
    });
    return new BenchClient(ws);
  }

  /**
   * Sends one CALL whose payload is already JSON text; resolves with its answer. With `timeoutMs`,
   * resolves with the error code Timeout when no answer came in that time: the call is given up (an
   * answer to it later is ignored) and the next one may be sent; a caller that wants no late answer
   * on the connection at all terminates it.
   */
  call(action: string, payloadJson: string, timeoutMs?: number): Promise<Answer> {
    if (this.closedNow) return Promise.resolve({ ok: false, payload: {}, errorCode: 'ConnectionClosed' });
    if (this.pending) throw new Error('one CALL in flight at a time');
    const id = nextMessageId();
    return new Promise((resolve) => {
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              if (this.pending?.id !== id) return;
              this.pending = undefined;
              resolve({ ok: false, payload: {}, errorCode: 'Timeout' });
            }, timeoutMs);
      this.pending = { id, resolve: (answer) => (clearTimeout(timer), resolve(answer)) };
      this.ws.send(`[2,"${id}","${action}",${payloadJson}]`);
    });
  }

  /** Sends any text frame without waiting (the fuzzer's way in). */
  sendRaw(text: string | Buffer, binary = false): void {
    this.ws.send(text, binary);
  }

  onFrame: ((frame: unknown[]) => void) | undefined;

  private onMessage(text: string): void {
    let frame: unknown[];
    try {
      frame = JSON.parse(text) as unknown[];
    } catch {
      return;
    }
    if (this.onFrame) return this.onFrame(frame);
    if (frame[0] === 2) {
      // The server's own CALL (a command): bench charge points know none.
      this.ws.send(JSON.stringify([4, frame[1], 'NotImplemented', 'bench client', {}]));
      return;
    }
    const pending = this.pending;
    if (!pending || frame[1] !== pending.id) return;
    this.pending = undefined;
    if (frame[0] === 3) pending.resolve({ ok: true, payload: (frame[2] ?? {}) as Record<string, unknown> });
    else pending.resolve({ ok: false, payload: {}, errorCode: String(frame[2]) });
  }

  close(): Promise<void> {
    this.ws.close();
    return this.closed;
  }

  terminate(): void {
    this.ws.terminate();
  }
}
