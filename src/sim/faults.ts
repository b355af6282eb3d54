// Fault modes of the simulator: each makes it misbehave the way a faulty charger would, so that
// exactly one case of a validation campaign catches it (docs/VALIDATION.md lists which).
// Behaviour faults are applied where the charge point decides (charge-point.ts); payload faults
// rewrite an outgoing message just before it is sent (rewriteOutgoing).
import type { JsonObject } from '../ocpp/rpc.js';
import type { SimProtocolName } from './protocols.js';

export const SIM_FAULTS = {
  'no-meter-values': 'sends no MeterValues while charging',
  'wrong-measurand': 'reports Power.Active.Import instead of energy in MeterValues',
  'decreasing-register': 'every second MeterValues reports a register 1 Wh below the previous one',
  'meter-values-without-transaction-id': 'MeterValues without the transactionId',
  'stop-without-energy': 'StopTransaction without transactionData',
  'remote-stop-ignored': 'answers RemoteStopTransaction Accepted and keeps charging',
  'remote-stop-unknown-accepted': 'answers Accepted to a RemoteStopTransaction for a transaction it does not have',
  'busy-start-accepted': 'answers Accepted to a RemoteStartTransaction on a busy connector (and starts nothing)',
  'other-id-tag': 'starts a remotely started transaction with another idTag, and keeps charging when it is refused',
  'unlock-unknown-accepted': 'answers Unlocked for a connector it does not have',
  'no-boot-after-reset': 'reconnects after a reset without sending BootNotification',
  'soft-reset-keeps-transaction': 'reboots on a soft reset without stopping the running transaction',
  'boot-retry-early': 'ignores the interval given with a Pending boot answer and retries at once',
  'heartbeat-interval-ignored': 'sends heartbeats at three times the interval it was given',
  'no-status-connector-0': 'reports no StatusNotification for connector 0 after booting',
  'backlog-dropped': 'discards the transaction messages queued while offline when it reconnects',
  'other-ocpp-version': 'its operator declares another OCPP version than the one it speaks',
} as const;

export type SimFault = keyof typeof SIM_FAULTS;

export function isSimFault(name: string): name is SimFault {
  return Object.hasOwn(SIM_FAULTS, name);
}

/** What the operator declares for a simulated charge point: its real protocol, unless the fault says otherwise. */
export function declaredProtocol(protocol: SimProtocolName, faults: ReadonlySet<SimFault>): { declaredOcppVersion: '1.5' | '1.6'; declaredTransport: 'json' | 'soap' } {
  const transport = protocol === 'ocpp1.5-soap' ? 'soap' : 'json';
  const version = protocol === 'ocpp1.6-json' ? '1.6' : '1.5';
  const declared = faults.has('other-ocpp-version') ? (version === '1.6' ? '1.5' : '1.6') : version;
  return { declaredOcppVersion: declared, declaredTransport: transport };
}

const ENERGY = /^Energy\.Active\.Import\.(Register|Interval)$/;

/** Calls `visit` on every sampled value (1.6 sampledValue entries, 1.5 value entries) of a payload. */
function eachValue(payload: unknown, visit: (value: JsonObject) => void): void {
  if (Array.isArray(payload)) return payload.forEach((item) => eachValue(item, visit));
  if (payload === null || typeof payload !== 'object') return;
  const object = payload as JsonObject;
  if (typeof object.value === 'string' && 'measurand' in object) visit(object);
  for (const child of Object.values(object)) eachValue(child, visit);
}

/** Rewrites outgoing messages for the payload faults; keeps what it needs across messages. */
export class OutgoingFaults {
  private meterValuesSent = 0;
  private lastRegister: { value: number; unit: string } | undefined;

  constructor(private readonly faults: ReadonlySet<SimFault>) {}

  rewrite(action: string, payload: JsonObject): JsonObject {
    if (this.faults.size === 0) return payload;
    const copy = structuredClone(payload);
    if (action === 'MeterValues') {
      this.meterValuesSent += 1;
      if (this.faults.has('meter-values-without-transaction-id')) delete copy.transactionId;
      if (this.faults.has('wrong-measurand')) {
        eachValue(copy, (v) => {
          if (ENERGY.test(String(v.measurand))) Object.assign(v, { measurand: 'Power.Active.Import', unit: 'W' });
        });
      }
      if (this.faults.has('decreasing-register')) this.decrease(copy);
    }
    if (action === 'StopTransaction' && this.faults.has('stop-without-energy')) delete copy.transactionData;
    return copy;
  }

  private decrease(payload: JsonObject): void {
    eachValue(payload, (v) => {
      if (v.measurand !== 'Energy.Active.Import.Register') return;
      const unit = String(v.unit ?? 'Wh');
      const reported = Number(v.value);
      if (this.meterValuesSent % 2 === 0 && this.lastRegister && this.lastRegister.unit === unit) {
        const step = unit === 'kWh' ? 0.001 : 1;
        v.value = unit === 'kWh' ? (this.lastRegister.value - step).toFixed(3) : String(this.lastRegister.value - step);
        this.lastRegister = { value: Number(v.value), unit };
        return;
      }
      this.lastRegister = { value: reported, unit };
    });
  }
}
