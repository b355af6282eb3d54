// The validated-software registry: the communication software (vendor, model, firmware, OCPP
// version, transport) the network has validated, by a passed campaign or by an operator's approval
// referring to a bench report. Boots are checked against it (Registry, TOMADA_UNVALIDATED_SOFTWARE).
import { randomUUID } from 'node:crypto';
import { InvalidRequest, NotFound } from '../domain/errors.js';
import type { SoftwareIdentity, ValidatedSoftware } from '../domain/model.js';
import type { Store, StoreWriter } from '../store/store.js';

/**
 * The longest software identity the registry keeps: vendor, model and firmware version together,
 * in UTF-8 bytes. The registry's unique index holds the whole identity, and PostgreSQL's index
 * entries end at about 2,700 bytes: a lenient charge point's firmware version of some kilobytes
 * (lenient mode forgives a field's length) failed the end of its passed campaign there, which then
 * stayed running until a restart, where SQLite entered it. OCPP allows 20, 20 and 50 characters.
 */
export const SOFTWARE_IDENTITY_MAX_BYTES = 2_000;

/** Why `identity` cannot be entered in the registry, if it cannot. */
export function unregistrable(identity: SoftwareIdentity): string | undefined {
  const bytes = Buffer.byteLength(identity.vendor) + Buffer.byteLength(identity.model) + Buffer.byteLength(identity.firmwareVersion);
  if (bytes <= SOFTWARE_IDENTITY_MAX_BYTES) return undefined;
  return `the software's vendor, model and firmware version (${bytes} bytes together) are longer than the validated-software registry keeps (${SOFTWARE_IDENTITY_MAX_BYTES} bytes; OCPP allows 20, 20 and 50 characters)`;
}

export class SoftwareRegistry {
  constructor(private readonly store: Store) {}

  list(): Promise<ValidatedSoftware[]> {
    return this.store.listValidatedSoftware();
  }

  find(identity: SoftwareIdentity): Promise<ValidatedSoftware | undefined> {
    return this.store.findValidatedSoftware(identity);
  }

  /** Whether the registry holds this software; never for one a charge point did not wholly report (a campaign's, say). */
  async holds(identity: Partial<SoftwareIdentity>): Promise<boolean> {
    const { vendor, model, firmwareVersion, ocppVersion, transport } = identity;
    if (vendor === undefined || model === undefined || firmwareVersion === undefined || ocppVersion === undefined || transport === undefined) return false;
    return (await this.find({ vendor, model, firmwareVersion, ocppVersion, transport })) !== undefined;
  }

  /** A passed campaign validates the software it tested. */
  recordPassed(identity: SoftwareIdentity, validationId: string): Promise<ValidatedSoftware> {
    return this.add(identity, { source: 'campaign', validationId, reference: null, approvedBy: null });
  }

  /** A passed campaign validates the software it tested, in the transaction that closes its record. */
  recordPassedIn(tx: StoreWriter, identity: SoftwareIdentity, validationId: string): Promise<ValidatedSoftware> {
    return this.addIn(tx, this.entry(identity, { source: 'campaign', validationId, reference: null, approvedBy: null }));
  }

  /** An operator's approval, referring to a bench report (its reference is kept). */
  approve(identity: SoftwareIdentity, reference: string, approvedBy: string | null): Promise<ValidatedSoftware> {
    return this.add(identity, { source: 'manual', validationId: null, reference, approvedBy });
  }

  async remove(id: string): Promise<void> {
    const at = new Date().toISOString();
    await this.store.transact(async (tx) => {
      const entry = (await tx.listValidatedSoftware()).find((s) => s.id === id);
      if (!entry || !(await tx.deleteValidatedSoftware(id))) throw new NotFound(`Validated software ${id} not found`);
      await tx.insertEvent({ at, chargePointId: null, type: 'softwareWithdrawn', data: { software: entry } });
    });
  }

  private add(identity: SoftwareIdentity, how: Pick<ValidatedSoftware, 'source' | 'validationId' | 'reference' | 'approvedBy'>): Promise<ValidatedSoftware> {
    return this.store.transact((tx) => this.addIn(tx, this.entry(identity, how)));
  }

  private entry(identity: SoftwareIdentity, how: Pick<ValidatedSoftware, 'source' | 'validationId' | 'reference' | 'approvedBy'>): ValidatedSoftware {
    return {
      id: randomUUID(),
      vendor: identity.vendor,
      model: identity.model,
      firmwareVersion: identity.firmwareVersion,
      ocppVersion: identity.ocppVersion,
      transport: identity.transport,
      ...how,
      approvedAt: new Date().toISOString(),
    };
  }

  private async addIn(tx: StoreWriter, entry: ValidatedSoftware): Promise<ValidatedSoftware> {
    const why = unregistrable(entry);
    if (why) throw new InvalidRequest(`Software cannot be validated: ${why}`);
    const stored = await tx.insertValidatedSoftware(entry);
    if (stored.id === entry.id) await tx.insertEvent({ at: entry.approvedAt, chargePointId: null, type: 'softwareApproved', data: { software: stored } });
    return stored;
  }
}
