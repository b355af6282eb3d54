// Runs `tomada serve` as a separate OS process (so a test can SIGKILL it) and reads its ports
// from its own "Tomada is running" log line.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { ROOT, tomadaArgs } from './cli-entry.js';

export interface ServerProcess {
  child: ChildProcess;
  ocppPort: number;
  httpPort: number;
  exited: Promise<number | null>;
  /** The `msg` of every log line it wrote so far. */
  logged: string[];
}

export function spawnServer(env: Record<string, string>): Promise<ServerProcess> {
  const child = spawn(process.execPath, tomadaArgs('serve'), {
    cwd: ROOT,
    // The ports are read from an info line, so the level is at least info.
    env: { ...process.env, TOMADA_HOST: '127.0.0.1', TOMADA_OCPP_PORT: '0', TOMADA_HTTP_PORT: '0', ...env, TOMADA_LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // 'close', not 'exit': 'exit' can come before the last lines of stdout are read, and a test
  // reads `logged` once the process has exited.
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    // Generous: a cold tsx start on a loaded 2-core machine can take many seconds. A server that
    // does not start is killed, so it cannot keep the test process alive.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('server did not start within 60 s'));
    }, 60_000);
    let stderr = '';
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    void exited.then((code) => reject(new Error(`server exited with ${code} before starting: ${stderr}`)));
    const logged: string[] = [];
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (!line.startsWith('{')) return;
      const entry = JSON.parse(line) as { msg?: string; ocppPort?: number; httpPort?: number };
      logged.push(entry.msg ?? '');
      if (entry.msg === 'Tomada is running') {
        clearTimeout(timer);
        resolve({ child, ocppPort: entry.ocppPort!, httpPort: entry.httpPort!, exited, logged });
      }
    });
  });
}
