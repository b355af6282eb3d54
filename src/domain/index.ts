// The domain's services, built once per process over one store and one router.
import type { Store } from '../store/store.js';
import { ActivityFeed, OfflineHolds } from './activity.js';
import { Access } from './access.js';
import { ApiTokens } from './api-tokens.js';
import { Commands, type CommandRouter } from './commands.js';
import { IdTags } from './id-tags.js';
import { FrameJournal, type JournalLog } from './journal.js';
import { Operators } from './operators.js';
import { Registry, type RegistryOptions } from './registry.js';
import { systemClock, type Clock } from './time.js';
import { Transactions, type TransactionLog, type TransactionOptions } from './transactions.js';
import { Views } from './views.js';

export interface Domain {
  registry: Registry;
  transactions: Transactions;
  commands: Commands;
  idTags: IdTags;
  views: Views;
  apiTokens: ApiTokens;
  operators: Operators;
  access: Access;
  journal: FrameJournal;
  /** What charge points do on this node, for listeners (validation campaigns, live views). */
  activity: ActivityFeed;
  /** Charge points a validation campaign keeps off the network for a while. */
  holds: OfflineHolds;
}

export function createDomain(
  store: Store,
  router: CommandRouter,
  options: RegistryOptions & TransactionOptions,
  log: TransactionLog & JournalLog,
  clock: Clock = systemClock,
): Domain {
  const activity = new ActivityFeed();
  const registry = new Registry(store, options, clock, activity);
  return {
    registry,
    transactions: new Transactions(store, clock, log, options),
    commands: new Commands(store, router, activity, (chargePoint) => registry.softwareHold(chargePoint, chargePoint)),
    idTags: new IdTags(store),
    views: new Views(store, router),
    apiTokens: new ApiTokens(store, clock),
    journal: new FrameJournal(store, clock, log, activity),
    activity,
    holds: new OfflineHolds(),
    operators: new Operators(store, clock),
    access: new Access(store),
  };
}
