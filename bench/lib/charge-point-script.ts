// What one simulated OCPP 1.6-J charge point sends, as prebuilt JSON text (the load generator
// must cost far less than the server it loads): a boot, then charging sessions in a loop —
// StartTransaction, MeterValues with a realistic three-phase sample set, Heartbeats, and a
// StopTransaction with its transaction data. Every payload passes the 1.6 schemas.

export type BenchAction = 'BootNotification' | 'StatusNotification' | 'Heartbeat' | 'StartTransaction' | 'MeterValues' | 'StopTransaction';

/** MeterValues in a session unless told otherwise: with 4, the mix is 50 % MeterValues, 25 % Heartbeat, 12.5 % each Start and Stop. */
export const DEFAULT_METER_VALUES = 4;

/**
 * One session: a start, `meterValues` MeterValues with a Heartbeat after every other one, a stop.
 * Longer sessions (a real one sends a MeterValues a minute for hours) show what grows with them.
 */
export function sessionCycle(meterValues: number): BenchAction[] {
  const cycle: BenchAction[] = ['StartTransaction'];
  for (let i = 1; i <= meterValues; i++) {
    cycle.push('MeterValues');
    if (i % 2 === 1 && i < meterValues) cycle.push('Heartbeat');
  }
  cycle.push('StopTransaction');
  return cycle;
}

let counter = 0;
/** Message ids unique within the process (the server only needs them unique per connection). */
export function nextMessageId(): string {
  counter = (counter + 1) % 1e12;
  return `m${counter}`;
}

export class ChargePointScript {
  private step = 0;
  private readonly cycle: BenchAction[];
  private meterWh = Math.floor(Math.random() * 1_000_000);
  private transactionId: number | undefined;
  private readonly idTag: string;

  constructor(
    readonly id: string,
    meterValues = DEFAULT_METER_VALUES,
  ) {
    this.idTag = ChargePointScript.idTagOf(id);
    this.cycle = sessionCycle(meterValues);
  }

  /** The id tag a bench charge point starts its sessions with (registerIdTags registers it Accepted). */
  static idTagOf(id: string): string {
    return `T-${id}`.slice(0, 20);
  }

  static boot(): string {
    return '{"chargePointVendor":"Tomada-bench","chargePointModel":"Load-1","firmwareVersion":"1.0.0","chargePointSerialNumber":"SN-1"}';
  }

  static status(status: 'Available' | 'Charging' = 'Available'): string {
    return `{"connectorId":1,"errorCode":"NoError","status":"${status}","timestamp":"${new Date().toISOString()}"}`;
  }

  /** The next CALL of the session loop: [action, payload JSON]. */
  next(): [BenchAction, string] {
    const action = this.cycle[this.step]!;
    this.step = (this.step + 1) % this.cycle.length;
    const now = new Date().toISOString();
    switch (action) {
      case 'StartTransaction':
        this.transactionId = undefined;
        return [action, `{"connectorId":1,"idTag":"${this.idTag}","meterStart":${this.meterWh},"timestamp":"${now}"}`];
      case 'MeterValues': {
        this.meterWh += 40 + Math.floor(Math.random() * 20);
        const tx = this.transactionId === undefined ? '' : `,"transactionId":${this.transactionId}`;
        return [action, `{"connectorId":1${tx},"meterValue":[{"timestamp":"${now}","sampledValue":[${sampledValues(this.meterWh)}]}]}`];
      }
      case 'Heartbeat':
        return [action, '{}'];
      case 'StopTransaction': {
        this.meterWh += 40;
        const tx = this.transactionId ?? 0;
        return [
          action,
          `{"transactionId":${tx},"idTag":"${this.idTag}","meterStop":${this.meterWh},"timestamp":"${now}","reason":"EVDisconnected",` +
            `"transactionData":[{"timestamp":"${now}","sampledValue":[{"value":"${this.meterWh}","context":"Transaction.End","measurand":"Energy.Active.Import.Register","unit":"Wh"}]}]}`,
        ];
      }
      default:
        throw new Error(`no payload for ${action}`);
    }
  }

  /** Reads what the loop needs from an answer (the transaction id of a start). */
  answered(action: BenchAction, payload: { transactionId?: unknown }): void {
    if (action === 'StartTransaction' && typeof payload.transactionId === 'number') this.transactionId = payload.transactionId;
  }
}

function sampledValues(meterWh: number): string {
  const amps = (15 + Math.random() * 2).toFixed(1);
  const volts = (228 + Math.random() * 4).toFixed(1);
  return [
    `{"value":"${meterWh}","context":"Sample.Periodic","measurand":"Energy.Active.Import.Register","location":"Outlet","unit":"Wh"}`,
    `{"value":"${(Number(amps) * Number(volts) * 3).toFixed(0)}","context":"Sample.Periodic","measurand":"Power.Active.Import","unit":"W"}`,
    `{"value":"${amps}","context":"Sample.Periodic","measurand":"Current.Import","phase":"L1","unit":"A"}`,
    `{"value":"${amps}","context":"Sample.Periodic","measurand":"Current.Import","phase":"L2","unit":"A"}`,
    `{"value":"${amps}","context":"Sample.Periodic","measurand":"Current.Import","phase":"L3","unit":"A"}`,
    `{"value":"${volts}","context":"Sample.Periodic","measurand":"Voltage","phase":"L1-N","unit":"V"}`,
  ].join(',');
}
