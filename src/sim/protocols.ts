// The protocols the simulator speaks, by the names `tomada sim --protocol` takes: an OCPP
// version's wording (protocol-1x.ts) over a transport (WebSocket OCPP-J, or SOAP for 1.5).
import { ocpp15 } from './protocol-15.js';
import { ocpp16 } from './protocol-16.js';
import type { ChargePointProtocol } from './protocol.js';

export const SIM_PROTOCOLS = ['ocpp1.6-json', 'ocpp1.5-json', 'ocpp1.5-soap'] as const;
export type SimProtocolName = (typeof SIM_PROTOCOLS)[number];

export type SimTransportKind = 'websocket' | 'soap';

export interface SimProtocolInfo {
  wording: ChargePointProtocol;
  transport: SimTransportKind;
  /**
   * The central system's endpoint when none is given: for WebSocket the base URL each charge
   * point appends its id to, for SOAP the CentralSystemService endpoint itself.
   */
  defaultUrl: string;
}

export const simProtocols: Readonly<Record<SimProtocolName, SimProtocolInfo>> = {
  'ocpp1.6-json': { wording: ocpp16, transport: 'websocket', defaultUrl: 'ws://127.0.0.1:9000/ocpp' },
  'ocpp1.5-json': { wording: ocpp15, transport: 'websocket', defaultUrl: 'ws://127.0.0.1:9000/ocpp' },
  'ocpp1.5-soap': { wording: ocpp15, transport: 'soap', defaultUrl: 'http://127.0.0.1:9000/ocpp/soap' },
};

export function isSimProtocolName(name: string): name is SimProtocolName {
  return (SIM_PROTOCOLS as readonly string[]).includes(name);
}
