// How a validation campaign answers its charge point's boots: Accepted with the campaign's own
// heartbeat interval, or Pending (OCPP 1.5: Rejected) once, when a case asked for it.
//
// The Pending is spent when a boot was answered with it, seen on the activity feed once the answer
// is written, and not when the registry chose it. The registry chooses as soon as the boot's data
// has run in its batch, before that batch commits; if the commit then fails, the charge point is
// answered InternalError, and its next boot must still be the one answered Pending.
import type { ActivityFeed } from '../domain/activity.js';
import type { BootOverride } from '../domain/registry.js';
import type { CampaignTiming } from '../domain/validation/types.js';
import { field } from './readings.js';

export class CampaignBoots {
  private pendingArmed = false;
  private readonly stopListening: () => void;

  constructor(
    feed: ActivityFeed,
    chargePointId: string,
    private readonly timing: Pick<CampaignTiming, 'heartbeatIntervalS' | 'pendingIntervalS'>,
  ) {
    this.stopListening = feed.listen((activity) => {
      if (activity.kind !== 'call' || activity.chargePointId !== chargePointId || activity.action !== 'BootNotification') return;
      // An error answer (the boot's batch failed) or an Accepted one (a boot chosen before the
      // case armed the Pending) leaves it armed.
      const status = field.answerStatus(activity);
      if (status !== undefined && status !== 'Accepted') this.pendingArmed = false;
    });
  }

  /** The next boot answered is answered Pending, with the campaign's retry interval. */
  armPending(): void {
    this.pendingArmed = true;
  }

  /** The registry's override for this charge point's boots; it decides and changes nothing. */
  readonly answer: BootOverride = () =>
    this.pendingArmed ? { status: 'Pending', intervalS: this.timing.pendingIntervalS } : { status: 'Accepted', intervalS: this.timing.heartbeatIntervalS };

  close(): void {
    this.stopListening();
  }
}
