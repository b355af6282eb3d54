// Which firmware and diagnostics status notifications are resends. OCPP 1.5 and 1.6 give these
// notifications nothing but a status (no job id, no timestamp), and Tomada does not send the
// UpdateFirmware or GetDiagnostics that starts a job, so a job is only seen through its statuses.
// A charge point whose answer was lost sends the same notification again, on that connection after
// its own timeout or after it reconnects (an Installed after the reboot that follows it): the same
// status as its latest of that kind, minutes later at most. A new job brings another status first
// (Downloading, Uploading) on 1.6; one that fails at once, or a 1.5 charge point's (no in-progress
// statuses), may repeat the last status of the job before it, which counts as new once the window
// below has passed since that one.
import type { StoredEvent } from '../store/store.js';

/** The event types kept for these notifications (data: {status}). */
export type JobStatusType = 'firmwareStatus' | 'diagnosticsStatus';

/** How long after a status the same status from the charge point is taken as its resend. */
export const RESEND_WITHIN_MS = 10 * 60_000;

/** Whether `status`, received at `at`, repeats `latest`, the charge point's latest event of that kind. */
export function isResend(latest: StoredEvent | undefined, status: string, at: string): boolean {
  if (!latest || latest.data.status !== status) return false;
  const sinceMs = Date.parse(at) - Date.parse(latest.at);
  return sinceMs >= 0 && sinceMs <= RESEND_WITHIN_MS;
}
