// A validation campaign's record as a node leaves it in the store while running one (or when it is
// killed during one): one case passed, one waiting for the operator at the charge point. A charge
// point runs one campaign at a time (migration 0025): two running records need two charge points.
import { DefaultTiming, type Validation } from '../../src/domain/validation/types.js';

export function runningCampaign(id: string, node?: string, chargePointId = 'CP-X'): Validation {
  return {
    id,
    chargePointId,
    connectorId: 1,
    idTag: 'T',
    blockedIdTag: 'B',
    status: 'running',
    verdict: null,
    software: {},
    timing: DefaultTiming,
    startedAt: new Date().toISOString(),
    finishedAt: null,
    counts: { pass: 1, fail: 0, skipped: 0, manual: 0, pending: 1 },
    cases: [
      { id: 'ocpp.version', title: 'v', messages: [], stimulus: '', expected: '', status: 'pass', prompt: null, action: null, reason: 'ok', notApplicable: false, startedAt: null, finishedAt: null, frames: [] },
      { id: 'authorize.valid', title: 'a', messages: [], stimulus: '', expected: '', status: 'waiting', prompt: 'Present', action: { kind: 'presentCard', idTag: 'T' }, reason: null, notApplicable: false, startedAt: null, finishedAt: null, frames: [] },
    ],
    ...(node !== undefined ? { node } : {}),
  };
}
