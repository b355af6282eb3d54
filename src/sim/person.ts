// A person standing at the simulated charge points during a validation campaign: it follows the
// campaigns of its charge points through the operator API and, when one waits for a manual step
// (present a card), does it at the charge point and confirms it. Without it, an operator does
// the same by hand through the dashboard or `tomada validate`.
import type { SimulatedChargePoint } from './charge-point.js';

interface WaitingCase {
  id: string;
  status: string;
  action: { kind: string; idTag?: string; connectorId?: number } | null;
}

interface Campaign {
  id: string;
  status: string;
  cases?: WaitingCase[];
}

export interface PersonOptions {
  apiUrl: string;
  token: string;
  chargePoints: readonly SimulatedChargePoint[];
  pollMs?: number;
  log?: (chargePointId: string, message: string) => void;
}

/** Starts acting; returns a function that stops it. */
export function actAsPerson(options: PersonOptions): () => void {
  const done = new Set<string>();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const api = async (path: string, init?: RequestInit) => {
    const response = await fetch(`${options.apiUrl}/api/v1${path}`, {
      ...init,
      headers: { authorization: `Bearer ${options.token}`, ...(init?.body ? { 'content-type': 'application/json' } : {}) },
    });
    if (!response.ok) throw new Error(`${init?.method ?? 'GET'} ${path}: ${response.status}`);
    return response.json() as Promise<unknown>;
  };

  async function visit(cp: SimulatedChargePoint): Promise<void> {
    const list = (await api(`/validations?chargePointId=${encodeURIComponent(cp.id)}&limit=1`)) as { items: Campaign[] };
    const running = list.items.find((c) => c.status === 'running');
    if (!running) return;
    const campaign = (await api(`/validations/${encodeURIComponent(running.id)}`)) as Campaign;
    for (const item of campaign.cases ?? []) {
      const key = `${campaign.id}/${item.id}`;
      if (item.status !== 'waiting' || done.has(key)) continue;
      done.add(key);
      if (item.action?.kind === 'plugIn' && item.action.connectorId !== undefined) {
        cp.plugIn(item.action.connectorId);
        options.log?.(cp.id, `validation: plugged a vehicle into connector ${item.action.connectorId}`);
        await api(`/validations/${encodeURIComponent(campaign.id)}/cases/${encodeURIComponent(item.id)}/confirm`, { method: 'POST', body: JSON.stringify({ done: true }) }).catch(() => undefined);
      } else if (item.action?.kind === 'presentCard' && item.action.idTag) {
        const answer = await cp.presentCard(item.action.idTag);
        options.log?.(cp.id, `validation: presented card ${item.action.idTag} (${answer})`);
        await api(`/validations/${encodeURIComponent(campaign.id)}/cases/${encodeURIComponent(item.id)}/confirm`, { method: 'POST', body: JSON.stringify({ done: true }) }).catch(() => undefined);
      } else {
        await api(`/validations/${encodeURIComponent(campaign.id)}/cases/${encodeURIComponent(item.id)}/confirm`, {
          method: 'POST',
          body: JSON.stringify({ done: false, note: 'the simulator cannot do this step' }),
        }).catch(() => undefined);
      }
    }
  }

  const tick = async () => {
    for (const cp of options.chargePoints) {
      if (stopped) return;
      await visit(cp).catch((error: Error) => options.log?.(cp.id, `validation: ${error.message}`));
    }
    if (!stopped) timer = setTimeout(() => void tick(), options.pollMs ?? 500);
  };
  void tick();
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
