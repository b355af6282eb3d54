// One fuzzing process: a few connections (as charge points of one protocol each), each sending
// fuzz frames one at a time and checking that exactly the answer due comes back, with the right
// message id, and that none comes for a stray answer.
import WebSocket from 'ws';
import { frameSource, type FrameKind, type FuzzFrame, type Protocol } from './frames.js';

export interface FuzzWorkerConfig {
  url: string;
  /** One charge point per connection: [id, protocol]. */
  connections: Array<[string, Protocol]>;
  frames: number;
  seed: number;
  perAction?: number;
  answerTimeoutMs: number;
}

export interface FuzzTally {
  sent: number;
  /** Frames that were due an answer. */
  due: number;
  answered: number;
  unanswered: number;
  /** Answers with a message id we were not waiting for (a stray answer answered, or a wrong id). */
  unexpected: number;
  /** Connections the server closed (it should close none). */
  closes: number;
  byKind: Record<FrameKind, number>;
  /** CALLRESULT, or the CALLERROR code, of each answer. */
  answers: Record<string, number>;
}

export type FuzzReport = { type: 'progress'; sent: number } | ({ type: 'done' } & FuzzTally);

const tally: FuzzTally = {
  sent: 0,
  due: 0,
  answered: 0,
  unanswered: 0,
  unexpected: 0,
  closes: 0,
  byKind: { valid: 0, invalid: 0, framing: 0, 'stray-answer': 0, binary: 0 },
  answers: {},
};

function open(url: string, id: string, protocol: Protocol): Promise<WebSocket> {
  const ws = new WebSocket(`${url}/${id}`, [protocol], { perMessageDeflate: false });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_q, r) => reject(new Error(`HTTP ${r.statusCode}`)));
  });
}

/** One frame source per protocol, shared by the connections (making the payload pools is the slow part). */
const sources = new Map<Protocol, () => FuzzFrame>();

async function drive(config: FuzzWorkerConfig, id: string, protocol: Protocol, quota: number, seed: number): Promise<void> {
  let next = sources.get(protocol);
  if (!next) sources.set(protocol, (next = frameSource({ protocol, seed, perAction: config.perAction })));
  let ws = await open(config.url, id, protocol);
  let waiting: { id: string; resolve: () => void } | undefined;
  const attach = (socket: WebSocket) => {
    socket.on('message', (data) => {
      let frame: unknown;
      try {
        frame = JSON.parse(data.toString());
      } catch {
        tally.unexpected++;
        return;
      }
      if (!Array.isArray(frame) || (frame[0] !== 3 && frame[0] !== 4)) {
        tally.unexpected++;
        return;
      }
      if (!waiting || frame[1] !== waiting.id) {
        tally.unexpected++;
        return;
      }
      const key = frame[0] === 3 ? 'CALLRESULT' : String(frame[2]);
      tally.answers[key] = (tally.answers[key] ?? 0) + 1;
      tally.answered++;
      const done = waiting;
      waiting = undefined;
      done.resolve();
    });
    socket.on('error', () => undefined);
  };
  attach(ws);
  for (let i = 0; i < quota; i++) {
    if (ws.readyState !== WebSocket.OPEN) {
      tally.closes++;
      ws = await open(config.url, id, protocol);
      attach(ws);
    }
    const frame: FuzzFrame = next();
    tally.sent++;
    tally.byKind[frame.kind]++;
    if (frame.expectId === null) {
      ws.send(frame.data, { binary: frame.binary });
      continue;
    }
    tally.due++;
    const answered = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        waiting = undefined;
        resolve(false);
      }, config.answerTimeoutMs);
      waiting = { id: frame.expectId!, resolve: () => (clearTimeout(timer), resolve(true)) };
    });
    ws.send(frame.data, { binary: frame.binary });
    if (!(await answered)) tally.unanswered++;
  }
  // The server may have closed the connection after the last frame: a close like any other, and
  // its 'close' event has fired already (waited for, the worker would never report).
  if (ws.readyState !== WebSocket.OPEN) tally.closes++;
  if (ws.readyState === WebSocket.CLOSED) return;
  // A last round trip, so an answer wrongly given to a trailing stray frame is still seen.
  const closing = new Promise((resolve) => ws.once('close', resolve));
  if (ws.readyState === WebSocket.OPEN) ws.close();
  await closing;
}

process.on('message', (config: FuzzWorkerConfig) => {
  const perConnection = Math.ceil(config.frames / config.connections.length);
  const progress = setInterval(() => process.send!({ type: 'progress', sent: tally.sent } satisfies FuzzReport), 5000);
  void Promise.all(config.connections.map(([id, protocol], i) => drive(config, id, protocol, perConnection, config.seed + i * 104_729))).then(
    () => {
      clearInterval(progress);
      process.send!({ type: 'done', ...tally } satisfies FuzzReport, () => process.exit(0));
    },
    (error: unknown) => {
      console.error('fuzz worker failed:', error);
      process.exit(1);
    },
  );
});
