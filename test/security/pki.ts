// A throwaway PKI for the TLS tests, made with the `openssl` command in a temporary folder: a test
// CA, a server certificate for 127.0.0.1/localhost, client certificates with chosen CNs, and a
// second ("rogue") CA with its own client certificates. EC P-256 keys, so it takes milliseconds.
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** `false` when `openssl` can be run, else why the TLS tests are skipped (node:test's `skip`). */
export function opensslSkip(): string | false {
  const probe = spawnSync('openssl', ['version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    return `the openssl command is not available (${probe.error?.message ?? probe.stderr.trim()}): the test PKI cannot be made, so the TLS tests are skipped`;
  }
  return false;
}

export interface KeyPair {
  certFile: string;
  keyFile: string;
  cert: Buffer;
  key: Buffer;
}

export interface TestPki {
  dir: string;
  ca: KeyPair;
  server: KeyPair;
  /** Client certificates issued by the test CA, by CN. */
  clients: Record<string, KeyPair>;
  /** Client certificates issued by another CA (not trusted by the server), by CN. */
  rogueClients: Record<string, KeyPair>;
  remove(): void;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function pair(dir: string, name: string): KeyPair {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  return { certFile, keyFile, cert: readFileSync(certFile), key: readFileSync(keyFile) };
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function makeCa(dir: string, name: string, cn: string): KeyPair {
  writeFileSync(
    join(dir, `${name}.cnf`),
    [
      '[req]',
      'distinguished_name = dn',
      'prompt = no',
      '[dn]',
      `CN = ${cn}`,
      '[v3_ca]',
      'basicConstraints = critical,CA:TRUE',
      'keyUsage = critical,keyCertSign,cRLSign',
      'subjectKeyIdentifier = hash',
      '',
    ].join('\n'),
  );
  openssl(dir, ['req', '-x509', '-new', ...EC, '-keyout', `${name}.key`, '-out', `${name}.crt`, '-days', '2', '-config', `${name}.cnf`, '-extensions', 'v3_ca']);
  return pair(dir, name);
}

function issue(dir: string, ca: string, name: string, cn: string, extensions: string[]): KeyPair {
  writeFileSync(join(dir, `${name}.req.cnf`), ['[req]', 'distinguished_name = dn', 'prompt = no', '[dn]', `CN = ${cn}`, ''].join('\n'));
  writeFileSync(join(dir, `${name}.ext`), [...extensions, 'basicConstraints = CA:FALSE', 'authorityKeyIdentifier = keyid', ''].join('\n'));
  openssl(dir, ['req', '-new', ...EC, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-config', `${name}.req.cnf`]);
  openssl(dir, [
    'x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`,
    '-set_serial', `0x${randomBytes(8).toString('hex')}`, '-days', '2', '-out', `${name}.crt`, '-extfile', `${name}.ext`,
  ]);
  return pair(dir, name);
}

const CLIENT = ['keyUsage = critical,digitalSignature', 'extendedKeyUsage = clientAuth'];

export function makePki(options: { clients: string[]; rogueClients?: string[] }): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'tomada-pki-'));
  try {
    const ca = makeCa(dir, 'ca', 'Tomada Test CA');
    const server = issue(dir, 'ca', 'server', '127.0.0.1', [
      'keyUsage = critical,digitalSignature',
      'extendedKeyUsage = serverAuth',
      'subjectAltName = IP:127.0.0.1,DNS:localhost',
    ]);
    const clients: Record<string, KeyPair> = {};
    options.clients.forEach((cn, i) => (clients[cn] = issue(dir, 'ca', `client${i}`, cn, CLIENT)));
    const rogueClients: Record<string, KeyPair> = {};
    if (options.rogueClients?.length) {
      makeCa(dir, 'rogue-ca', 'Rogue CA');
      options.rogueClients.forEach((cn, i) => (rogueClients[cn] = issue(dir, 'rogue-ca', `rogue${i}`, cn, CLIENT)));
    }
    return { dir, ca, server, clients, rogueClients, remove: () => rmSync(dir, { recursive: true, force: true }) };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
