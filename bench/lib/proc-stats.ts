// CPU time and memory of a process, read from /proc (Linux): what the server under test costs,
// measured from outside so the measurement adds nothing to it.
import { readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/PID/stat times; 100 on every Linux this runs on (getconf CLK_TCK). */
const CLOCK_TICKS = 100;

export interface ProcSample {
  /** user + system CPU seconds since the process started. */
  cpuSeconds: number;
  rssBytes: number;
  /** Peak RSS (VmHWM). */
  peakRssBytes: number;
  at: number;
}

export function sampleProcess(pid: number): ProcSample {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces: fields are counted after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { cpuSeconds: (utime + stime) / CLOCK_TICKS, rssBytes: kb('VmRSS'), peakRssBytes: kb('VmHWM'), at: performance.now() };
}

/** CPU use between two samples, in percent of one core (200 % = both cores of this machine). */
export function cpuPercent(from: ProcSample, to: ProcSample): number {
  const seconds = (to.at - from.at) / 1000;
  return seconds > 0 ? ((to.cpuSeconds - from.cpuSeconds) / seconds) * 100 : NaN;
}

/** Samples a process every `intervalMs` and keeps the highest RSS seen. */
export class ProcWatch {
  private timer: NodeJS.Timeout | undefined;
  maxRssBytes = 0;
  constructor(private readonly pid: number, intervalMs = 500) {
    this.timer = setInterval(() => {
      try {
        this.maxRssBytes = Math.max(this.maxRssBytes, sampleProcess(this.pid).rssBytes);
      } catch {
        // the process ended; stop() follows
      }
    }, intervalMs);
    this.timer.unref();
  }
  stop(): void {
    clearInterval(this.timer);
  }
}

export const mib = (bytes: number) => bytes / 1024 / 1024;

/**
 * Connections the kernel dropped because a listener's accept queue was full (TcpExt
 * ListenOverflows in /proc/net/netstat, for the whole network namespace), and that queue's cap
 * (net.core.somaxconn). Each drop costs the client a SYN retransmission: 1 s, then 3, 7, 15 s.
 */
export function acceptQueueDrops(): { drops: number; somaxconn: number } {
  const lines = readFileSync('/proc/net/netstat', 'utf8').split('\n').filter((line) => line.startsWith('TcpExt:'));
  const names = lines[0]?.split(/\s+/) ?? [];
  const values = lines[1]?.split(/\s+/) ?? [];
  const drops = Number(values[names.indexOf('ListenOverflows')]);
  return { drops, somaxconn: Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8').trim()) };
}
