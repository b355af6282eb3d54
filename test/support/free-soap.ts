// A SOAP charge point no node holds: registered with an endpoint an administrator gave it, and
// never heard from with a WS-Addressing From. Any node may start its validation campaign, which is
// what lets two starts reaching two nodes race (src/validation/campaign.ts, Campaigns.begin).
import { newChargePoint } from '../../src/domain/registry.js';
import type { Store } from '../../src/store/store.js';

export async function freeSoapChargePoint(store: Store, id: string, idTag: string): Promise<void> {
  await store.transact(async (tx) => {
    await tx.insertChargePoint({
      ...newChargePoint(id, 'Accepted', new Date().toISOString()),
      ocppVersion: '1.5',
      transport: 'soap',
      // Nothing listens there: the campaigns these tests start send no command.
      soapEndpoint: 'http://127.0.0.1:9/cp',
      soapEndpointSetByAdministrator: true,
    });
    await tx.putIdTag({ idTag, status: 'Accepted', expiryDate: null, parentIdTag: null });
  });
}
