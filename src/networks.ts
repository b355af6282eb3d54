// Which IP networks the central system's own outgoing requests may reach: a webhook's POST (URLs
// set by operators) and a command to a SOAP charge point (the address it names in its
// WS-Addressing From). Both are requests made on someone else's word, so both are kept away from
// the node itself and the services beside it.
import { lookup as lookupCallback, type LookupAddress } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import { networkInterfaces } from 'node:os';
import { sourceAllowed } from './domain/registry.js';

/**
 * The node's own addresses and those no charger is ever reached at: loopback (the node's API, its
 * database, its NATS), "this network" (0.0.0.0 reaches the node too), link-local (with the cloud
 * metadata address 169.254.169.254), multicast and reserved.
 */
export const NODE_NETWORKS: readonly string[] = [
  '0.0.0.0/8',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '224.0.0.0/3', // multicast, reserved, broadcast
  '::/128',
  '::1/128',
  'fe80::/10',
  'ff00::/8',
];

/** Those and the private networks: by default no webhook reaches them. */
export const PRIVATE_NETWORKS: readonly string[] = [
  ...NODE_NETWORKS,
  '10.0.0.0/8',
  '100.64.0.0/10', // carrier-grade NAT
  '172.16.0.0/12',
  '192.168.0.0/16',
  '192.0.0.0/24', // IETF protocol assignments
  '198.18.0.0/15', // benchmarking, used inside some clouds
  'fc00::/7', // unique local
];

/**
 * The IPv4 address an IPv6 one carries where a gateway would reach it: NAT64 (64:ff9b::/96, on an
 * IPv6-only network a name of a private IPv4 host resolves there) and 6to4 (2002::/16). Checked
 * against the networks too, so the IPv4 ones cannot be reached through them.
 */
function embeddedIPv4(address: string): string | undefined {
  if (isIP(address) !== 6) return undefined;
  const [head = '', tail] = address.toLowerCase().split('::');
  const groups = (part: string | undefined) => (part ? part.split(':').flatMap((g) => (g.includes('.') ? dottedGroups(g) : [parseInt(g, 16)])) : []);
  const left = groups(head);
  const right = groups(tail);
  const all = tail === undefined ? left : [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
  const v4 = (high: number, low: number) => [high >> 8, high & 255, low >> 8, low & 255].join('.');
  if (all[0] === 0x64 && all[1] === 0xff9b && all.slice(2, 6).every((g) => g === 0)) return v4(all[6]!, all[7]!);
  if (all[0] === 0x2002) return v4(all[1]!, all[2]!);
  return undefined;
}

/** A dotted IPv4 tail of an IPv6 address as its two 16-bit groups. */
function dottedGroups(dotted: string): number[] {
  const [a = 0, b = 0, c = 0, d = 0] = dotted.split('.').map(Number);
  return [(a << 8) | b, (c << 8) | d];
}

/** Whether an address is in one of the networks (IPv4-mapped, NAT64 and 6to4 addresses also as their IPv4 one). */
export function inNetworks(networks: readonly string[], address: string): boolean {
  if (networks.length === 0) return false;
  const carried = embeddedIPv4(address);
  return sourceAllowed(networks, address).allowed || (carried !== undefined && sourceAllowed(networks, carried).allowed);
}

/** The host a URL names, as a connection to it is opened (an IPv6 address without its brackets). */
export function urlHost(url: string): string | undefined {
  try {
    return new URL(url).hostname.replace(/^\[(.*)\]$/, '$1');
  } catch {
    return undefined;
  }
}

/** Names that always mean the machine itself (RFC 6761 §6.3), whatever a resolver says. */
export function isLocalhostName(host: string): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return name === 'localhost' || name.endsWith('.localhost');
}

/** Every address a host is reached at: itself when it is one, else what the system's resolver gives. */
export async function addressesOf(host: string): Promise<string[]> {
  if (isIP(host) !== 0) return [host];
  return (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);
}

/** How long the interfaces' addresses are taken as read: reading them costs about 120 µs. */
const OWN_ADDRESSES_READ_EVERY_MS = 5_000;
let ownRead: { at: number; addresses: readonly string[] } | undefined;

/**
 * The addresses of this machine's own interfaces, read again after 5 s (an address may come or
 * go; read at every SOAP message, they cost a third of its From's check). Services listening on
 * every address (the node's API by default, a NATS monitoring port) answer there as on loopback,
 * so a request kept from loopback is kept from these too.
 */
export function ownAddresses(): readonly string[] {
  const now = Date.now();
  if (ownRead === undefined || now - ownRead.at >= OWN_ADDRESSES_READ_EVERY_MS) {
    const addresses = Object.values(networkInterfaces()).flatMap((entries) => (entries ?? []).map((entry) => entry.address.replace(/%.*$/, '')));
    ownRead = { at: now, addresses };
  }
  return ownRead.addresses;
}

/**
 * A lookup for a connection (http.request's `lookup`) that resolves as usual, then fails the whole
 * name with the error `refuse` gives for any address it resolves to. The address is checked where
 * the connection is opened, so a name that resolves elsewhere than when it was checked before
 * (DNS rebinding) gains nothing. A literal address is never looked up: check it before.
 */
export function guardedLookup(refuse: (address: string) => Error | undefined): LookupFunction {
  return (hostname, options, callback) => {
    lookupCallback(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 0);
      const list = addresses as unknown as LookupAddress[];
      for (const entry of list) {
        const refused = refuse(entry.address);
        if (refused) return callback(refused as NodeJS.ErrnoException, '', 0);
      }
      if (options.all) return (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, list);
      const first = list[0];
      if (!first) return callback(Object.assign(new Error(`${hostname} resolves to no address`), { code: 'ENOTFOUND' }), '', 0);
      callback(null, first.address, first.family);
    });
  };
}
