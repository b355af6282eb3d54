// Where a SOAP charge point's own WS-Addressing From may send the central system's commands
// (TOMADA_SOAP_ENDPOINT_NETWORKS). A charge point, or whoever speaks as it (any operator may
// register one of its own without a password), names that address, and the node POSTs commands
// there and journals the answer, which the operator reads back among the frames: unchecked, the
// node's own API, its database's or NATS's port and the cloud's metadata address are one Reset
// away. An administrator's endpoint is not checked: the administrator is trusted with the network.
import { addressesOf, inNetworks, isLocalhostName, NODE_NETWORKS, ownAddresses, urlHost } from '../networks.js';
import { isIP } from 'node:net';
import { SOAP_ENDPOINT_MAX_CHARS } from '../domain/model.js';

export interface EndpointNetworks {
  /** Networks an endpoint must be in; empty: any not denied. */
  allowed: readonly string[];
  /** Networks no endpoint may be in (the node's own by default, when `allowed` is empty). */
  denied: readonly string[];
}

/** The default: any address but the node's own (its interfaces' and loopback), link-local and multicast ones. */
export const DEFAULT_ENDPOINT_NETWORKS: EndpointNetworks = { allowed: [], denied: NODE_NETWORKS };

/** The setting's name, for the words an operator reads. */
const SETTING = 'TOMADA_SOAP_ENDPOINT_NETWORKS';

/** Why an address may not be an endpoint, or undefined when it may. */
export function addressRefusal(address: string, networks: EndpointNetworks): string | undefined {
  if (networks.allowed.length > 0 && !inNetworks(networks.allowed, address)) return `${address} is outside the networks ${SETTING} lists`;
  if (inNetworks(networks.denied, address)) return `${address} is the node's own or a link-local address, which no charge point's From may name (${SETTING})`;
  // With the default networks, the addresses of the node's interfaces too: what listens on every
  // address (its API, by default) is reached there as on loopback.
  if (networks.denied.length > 0 && inNetworks(ownAddresses(), address)) return `${address} is an address of this node, which no charge point's From may name (${SETTING})`;
  return undefined;
}

/**
 * Why a From may not become its charge point's endpoint, undefined when it may; decided on the
 * URL alone, as the message is answered. With networks listed only an IP address inside them is
 * taken (a host name may resolve elsewhere when a command goes); without, a host name is taken
 * unless it names the machine itself, and is checked again when each command is sent.
 */
export function fromRefusal(endpoint: string, networks: EndpointNetworks): string | undefined {
  // Whatever the networks: a From of 100 KB was kept as the endpoint, where an administrator may
  // set none longer than this.
  if (endpoint.length > SOAP_ENDPOINT_MAX_CHARS) return `${endpoint.length} characters long, longer than the ${SOAP_ENDPOINT_MAX_CHARS} an endpoint may have`;
  const host = urlHost(endpoint);
  if (host === undefined) return 'not a URL';
  if (isIP(host) !== 0) return addressRefusal(host, networks);
  if (networks.allowed.length > 0) return `a host name (${host}), where ${SETTING} takes only IP addresses`;
  if (networks.denied.length > 0 && isLocalhostName(host)) return `${host} names the node itself (${SETTING})`;
  return undefined;
}

/**
 * Why a command may not be sent to an endpoint taken from a From, undefined when it may: every
 * address its host resolves to now must be one a From could name. So a name that resolves to the
 * node, and an endpoint taken before the setting was made, are refused at the command.
 */
export async function sendRefusal(endpoint: string, networks: EndpointNetworks): Promise<string | undefined> {
  if (networks.allowed.length === 0 && networks.denied.length === 0) return undefined;
  const host = urlHost(endpoint);
  if (host === undefined) return 'not a URL';
  const byName = fromRefusal(endpoint, { allowed: [], denied: networks.denied });
  if (byName) return byName;
  let addresses: string[];
  try {
    addresses = await addressesOf(host);
  } catch (error) {
    return `${host} does not resolve (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`;
  }
  for (const address of addresses) {
    const refusal = addressRefusal(address, networks);
    if (refusal) return isIP(host) === 0 ? `${host} resolves to ${refusal}` : refusal;
  }
  return undefined;
}
