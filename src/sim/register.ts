// Registers a fleet's charge points and id tags with a central system through its operator API,
// so `tomada sim` can run against a server that refuses unknown charge points (the default).
import { fetchFailure } from '../fetch-failure.js';
import type { FleetMember } from './fleet.js';

export class RegistrationError extends Error {}

async function put(apiUrl: string, token: string, path: string, body: object): Promise<void> {
  let response: Response;
  try {
    response = await fetch(`${apiUrl}/api/v1${path}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  } catch (error) {
    throw new RegistrationError(`cannot reach the operator API at ${apiUrl} (${fetchFailure(error)}): is Tomada running there? Set --api-url or TOMADA_API_URL`);
  }
  if (!response.ok) {
    const hint = response.status === 401 ? ' (check --api-token or TOMADA_API_TOKEN)' : '';
    throw new RegistrationError(`PUT ${path} answered ${response.status}: ${await response.text()}${hint}`);
  }
}

/** What the operator reports about the charge points' protocol (the network compares it with what it observes). */
export interface Declaration {
  declaredOcppVersion: '1.5' | '1.6';
  declaredTransport: 'json' | 'soap';
}

export async function registerFleet(apiUrl: string, token: string, members: readonly FleetMember[], password?: string, declared?: Declaration): Promise<void> {
  const tags = new Set<string>();
  for (const member of members) {
    await put(apiUrl, token, `/charge-points/${encodeURIComponent(member.id)}`, {
      registrationStatus: 'Accepted',
      ...(password === undefined ? {} : { password }),
      ...declared,
    });
    for (const tag of member.idTags) tags.add(tag);
  }
  for (const tag of tags) await put(apiUrl, token, `/id-tags/${encodeURIComponent(tag)}`, { status: 'Accepted' });
}
