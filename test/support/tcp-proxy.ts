// A TCP proxy for fault tests, put between two real parties (Tomada and PostgreSQL, a charge point
// and Tomada) to play a bad link: it forwards, delays every chunk, slows to so many bytes a
// second, stalls (holds traffic until restored), cuts every open connection, refuses new ones, or
// lets only so many more bytes through before cutting, like a cellular link dropping in the middle
// of a message. Given several targets, it hands each new connection to the next one in turn, as a
// load balancer that is not sticky.
import { createServer, connect, type Server, type Socket } from 'node:net';

interface Held {
  due: number;
  chunk: Buffer;
}

/** One direction of one connection: chunks leave in arrival order, each when its delay is over. */
class Lane {
  private readonly queue: Held[] = [];
  private timer: NodeJS.Timeout | undefined;
  /** Truncated: nothing more goes through. */
  private stopped = false;

  constructor(
    private readonly to: Socket,
    private readonly proxy: TcpProxy,
    private readonly cut: () => void,
  ) {}

  /** When the last slice queued on a slow link is due (throttle). */
  private lastDue = 0;

  push(chunk: Buffer): void {
    if (this.stopped) return;
    const rate = this.proxy.bytesPerSecond;
    if (rate === Infinity) this.queue.push({ due: Date.now() + this.proxy.delayMs, chunk });
    else {
      // A slow link: the chunk leaves in slices, a twentieth of a second's worth every 50 ms.
      const slice = Math.max(1, Math.floor(rate / 20));
      let due = Math.max(Date.now() + this.proxy.delayMs, this.lastDue);
      for (let at = 0; at < chunk.length; at += slice) {
        due += 50;
        this.queue.push({ due, chunk: chunk.subarray(at, at + slice) });
      }
      this.lastDue = due;
    }
    this.flush();
  }

  flush(): void {
    if (this.timer) return;
    while (this.queue.length > 0 && !this.proxy.stalled) {
      const head = this.queue[0]!;
      const wait = head.due - Date.now();
      if (wait > 0) {
        this.timer = setTimeout(() => {
          this.timer = undefined;
          this.flush();
        }, wait);
        return;
      }
      this.queue.shift();
      if (!this.send(head.chunk)) return;
    }
  }

  /** Writes a chunk, or the part of it the truncation budget allows and then cuts. */
  private send(chunk: Buffer): boolean {
    const budget = this.proxy.takeBudget(chunk.length);
    if (budget < chunk.length) {
      // The part that fits is flushed before the cut, or destroy() could drop it unsent.
      this.queue.length = 0;
      this.stopped = true;
      if (budget > 0) this.to.write(chunk.subarray(0, budget), () => this.cut());
      else this.cut();
      return false;
    }
    this.to.write(chunk);
    return true;
  }

  drop(): void {
    clearTimeout(this.timer);
    this.queue.length = 0;
  }
}

export class TcpProxy {
  /** Added to every chunk in both directions. */
  delayMs = 0;
  /** Each direction of each connection carries at most this many bytes a second (throttle). */
  bytesPerSecond = Infinity;
  /** Traffic is held, not forwarded, until restore(). */
  stalled = false;
  private budget = Infinity;
  private refusing = false;
  private readonly lanes = new Set<Lane>();
  private readonly sockets = new Set<Socket>();
  private readonly targets: { host: string; port: number }[];
  /** How many connections were accepted: the next one goes to targets[accepted % targets.length]. */
  private accepted = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    target: { host: string; port: number } | { host: string; port: number }[],
  ) {
    this.targets = Array.isArray(target) ? target : [target];
  }

  /** Listens on 127.0.0.1 (a port chosen by the OS) and forwards to `target`, or to each of several in turn. */
  static async start(target: { host: string; port: number } | { host: string; port: number }[]): Promise<TcpProxy> {
    let proxy: TcpProxy | undefined;
    const server = createServer((client) => proxy!.accept(client));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    if (typeof address !== 'object' || !address) throw new Error('proxy has no port');
    proxy = new TcpProxy(server, address.port, target);
    return proxy;
  }

  /** Delays every chunk, from now on, by `ms`. */
  delay(ms: number): void {
    this.delayMs = ms;
  }

  /** From now on each direction of each connection carries at most `bytesPerSecond`, as a slow cellular link. */
  throttle(bytesPerSecond: number): void {
    this.bytesPerSecond = bytesPerSecond;
  }

  /** Holds all traffic, as a link that went silent without closing. */
  stall(): void {
    this.stalled = true;
  }

  /** Closes every open connection at once, both sides. */
  cutAll(): void {
    for (const socket of this.sockets) socket.destroy();
    for (const lane of this.lanes) lane.drop();
    this.sockets.clear();
    this.lanes.clear();
  }

  /** New connections are reset as soon as they arrive (open ones are left alone). */
  refuse(): void {
    this.refusing = true;
  }

  /** Lets `bytes` more bytes through (both directions together), then cuts that connection. */
  truncateAfter(bytes: number): void {
    this.budget = bytes;
  }

  /** Back to plain forwarding; held traffic flows again. */
  restore(): void {
    this.delayMs = 0;
    this.bytesPerSecond = Infinity;
    this.stalled = false;
    this.budget = Infinity;
    this.refusing = false;
    for (const lane of this.lanes) lane.flush();
  }

  /** Spends up to `wanted` bytes of the truncation budget; returns how many may pass. */
  takeBudget(wanted: number): number {
    const granted = Math.min(wanted, this.budget);
    this.budget -= granted;
    return granted;
  }

  get openConnections(): number {
    return this.sockets.size / 2;
  }

  async close(): Promise<void> {
    this.cutAll();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    if (this.refusing) {
      client.resetAndDestroy();
      return;
    }
    const target = this.targets[this.accepted++ % this.targets.length]!;
    const upstream = connect(target.port, target.host);
    const pair = [client, upstream];
    const lanes: Lane[] = [];
    const cut = () => {
      for (const socket of pair) {
        socket.destroy();
        this.sockets.delete(socket);
      }
      for (const lane of lanes) {
        lane.drop();
        this.lanes.delete(lane);
      }
    };
    const up = new Lane(upstream, this, cut);
    const down = new Lane(client, this, cut);
    lanes.push(up, down);
    for (const socket of pair) {
      socket.setNoDelay(true);
      this.sockets.add(socket);
      socket.on('error', cut);
      socket.on('close', cut);
    }
    for (const lane of lanes) this.lanes.add(lane);
    client.on('data', (chunk: Buffer) => up.push(chunk));
    upstream.on('data', (chunk: Buffer) => down.push(chunk));
  }
}
