// `tomada validate CHARGE_POINT_ID`: runs a validation campaign through the operator API, shows
// each case as it finishes, asks the operator at the terminal to do the manual steps, and saves
// the report. Exit code 0 when the campaign passed, 1 when it failed or is incomplete, 2 for
// invalid options or an API that refused the campaign, 3 for an API that does not answer.
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { ApiClient, CliError, Exit } from '../cli/api-client.js';

export const VALIDATE_USAGE = `Usage: tomada validate CHARGE_POINT_ID --id-tag TAG [options]

Runs the network's validation campaign against a connected charge point and prints its report.

Options:
  --id-tag TAG            an Accepted card the campaign charges with (required)
  --connector N           the connector to test (default 1)
  --case ID               run only this case (repeatable; a partial campaign validates no software)
  --blocked-id-tag TAG    the card to register as Blocked for the blocked-card case
  --case-timeout S        how long a case waits for the charge point (default 60)
  --manual-timeout S      how long a manual step waits for the operator (default 300)
  --heartbeat S           heartbeat interval given during the campaign (default 30; below 10 a trial
                          run: it validates no software)
  --offline S             how long the connection is cut in the offline case (default 60)
  --skip-manual           answer every manual step "cannot be done" (it is then marked not run)
  --report FILE           write the HTML report to FILE (default validation-CAMPAIGN_ID.html)
  --url URL               operator API (default TOMADA_API_URL or http://127.0.0.1:8080)
  --token TOKEN           API token (default TOMADA_API_TOKEN)
  --help                  show this text

Ctrl-C cancels the campaign and follows its wrap-up (it stops the sessions it started) to the
end; a second Ctrl-C stops following it at once (exit 130), the wrap-up going on at Tomada.
`;

interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Asks the operator; undefined when there is no terminal to ask at. `signal` withdraws the question (it rejects). */
  ask?(question: string, signal: AbortSignal): Promise<string>;
  /** Calls `handler` at each Ctrl-C (SIGINT) until the returned function is called. */
  onInterrupt?(handler: () => void): () => void;
}

interface CaseView {
  id: string;
  title: string;
  status: string;
  reason: string | null;
  prompt: string | null;
  notApplicable: boolean;
}

interface CampaignView {
  id: string;
  status: string;
  verdict: string | null;
  counts: Record<string, number>;
  software: Record<string, string>;
  registry?: { validated: boolean; reason: string };
  trial?: string;
  leftRunning?: { transactionId: number; connectorId: number; reason: string }[];
  cancelling?: { at: string; reason: string };
  cases: CaseView[];
}

function terminalIo(): Io {
  const io: Io = {
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
    onInterrupt(handler) {
      process.on('SIGINT', handler);
      return () => void process.off('SIGINT', handler);
    },
  };
  if (process.stdin.isTTY) {
    io.ask = async (question, signal) => {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      // At a question the terminal's Ctrl-C reaches readline, not the process: passed on.
      rl.on('SIGINT', () => void process.emit('SIGINT', 'SIGINT'));
      try {
        return await rl.question(question, { signal });
      } finally {
        rl.close();
      }
    };
  }
  return io;
}

export async function validateCommand(argv: string[], io: Io = terminalIo()): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'id-tag': { type: 'string' },
        connector: { type: 'string', default: '1' },
        case: { type: 'string', multiple: true },
        'blocked-id-tag': { type: 'string' },
        'case-timeout': { type: 'string' },
        'manual-timeout': { type: 'string' },
        heartbeat: { type: 'string' },
        offline: { type: 'string' },
        'skip-manual': { type: 'boolean', default: false },
        report: { type: 'string' },
        url: { type: 'string' },
        token: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    io.err(`tomada validate: ${(error as Error).message}\n\n${VALIDATE_USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(VALIDATE_USAGE);
    return 0;
  }
  const chargePointId = positionals[0];
  const token = values.token ?? process.env.TOMADA_API_TOKEN;
  const problems = [
    positionals.length !== 1 && 'give exactly one CHARGE_POINT_ID',
    values['id-tag'] === undefined && '--id-tag is required',
    token === undefined && 'an API token is required (--token or TOMADA_API_TOKEN)',
    !/^[1-9]\d*$/.test(values.connector) && '--connector must be a positive integer',
  ].filter(Boolean);
  const timing: Record<string, number> = {};
  for (const [option, key] of [
    ['case-timeout', 'caseTimeoutS'],
    ['manual-timeout', 'manualTimeoutS'],
    ['heartbeat', 'heartbeatIntervalS'],
    ['offline', 'offlineS'],
  ] as const) {
    const raw = values[option];
    if (raw === undefined) continue;
    if (!/^[1-9]\d*$/.test(raw)) problems.push(`--${option} must be a whole number of seconds`);
    else timing[key] = Number(raw);
  }
  if (problems.length > 0) {
    io.err(`tomada validate: ${problems.join('; ')}\n\n${VALIDATE_USAGE}`);
    return 2;
  }
  const url = (values.url ?? process.env.TOMADA_API_URL ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
  try {
    // Present: its absence is one of the problems above.
    const client = new ApiClient({ url, token: token! });
    const api = (path: string, body?: unknown): Promise<unknown> => client.request(body === undefined ? 'GET' : 'POST', path, body);
    let campaign = (await api('/validations', {
      chargePointId,
      connectorId: Number(values.connector),
      idTag: values['id-tag'],
      ...(values.case ? { cases: values.case } : {}),
      ...(values['blocked-id-tag'] ? { blockedIdTag: values['blocked-id-tag'] } : {}),
      ...(Object.keys(timing).length > 0 ? { timing } : {}),
    })) as CampaignView;
    io.err(`campaign ${campaign.id} started against ${chargePointId} (${campaign.cases.length} cases)\n`);
    // Said at once: a trial run found out at its end would have cost the engineer the whole campaign.
    if (campaign.trial !== undefined) io.err(`a trial run: ${campaign.trial}; it will validate no software\n`);
    const shown = new Set<string>();
    const asked = new Set<string>();
    const interrupt = new Interrupt(io, api, campaign.id, 2 * (timing.caseTimeoutS ?? 60));
    try {
      while (campaign.status === 'running' && !interrupt.leaving) {
        for (const item of campaign.cases) {
          if (['pass', 'fail', 'skipped', 'manual'].includes(item.status) && !shown.has(item.id)) {
            shown.add(item.id);
            io.err(`${item.status.toUpperCase().padEnd(7)} ${item.id} — ${item.reason ?? ''}\n`);
          }
          if (item.status === 'waiting' && !asked.has(item.id) && !interrupt.cancelled) {
            asked.add(item.id);
            await manualStep(io, api, campaign.id, item, values['skip-manual'], interrupt.signal);
          }
        }
        await interrupt.sleep(1000);
        campaign = await readAgain(io, api, campaign.id, interrupt);
      }
    } finally {
      interrupt.close();
    }
    if (campaign.status === 'running') {
      io.err(`stopped following campaign ${campaign.id}: it is still running at Tomada${campaign.cancelling ? ', cancelled, stopping its sessions' : ''}; read it with GET /api/v1/validations/${campaign.id}, or the dashboard\n`);
      return 130;
    }
    for (const item of campaign.cases) {
      if (!shown.has(item.id)) io.err(`${item.status.toUpperCase().padEnd(7)} ${item.id} — ${item.reason ?? ''}\n`);
    }
    const report = values.report ?? `validation-${campaign.id}.html`;
    await client.download(`/validations/${encodeURIComponent(campaign.id)}/report.html`, report, process.stdout, 'text/html');
    const c = campaign.counts;
    // counts.skipped holds both kinds of skip: only those not applicable leave a campaign passable.
    const notApplicable = campaign.cases.filter((item) => item.status === 'skipped' && item.notApplicable).length;
    io.out(
      `${(campaign.verdict ?? campaign.status).toUpperCase()}: ${c.pass} passed, ${c.fail} failed, ${notApplicable} not applicable, ${(c.skipped ?? 0) - notApplicable} skipped (not run), ${c.manual} manual steps not run\n` +
        `software: ${Object.values(campaign.software).join(' / ')}${registryLine(campaign.registry, await inRegistry(api, campaign))}\n` +
        (campaign.leftRunning ?? []).map((l) => `LEFT RUNNING: transaction ${l.transactionId} on connector ${l.connectorId} (${l.reason}): a remote stop is sent again when the charge point comes back, or end it there\n`).join('') +
        `report: ${report}\n`,
    );
    return campaign.verdict === 'pass' ? 0 : 1;
  } catch (error) {
    if (!(error instanceof CliError)) throw error;
    io.err(`tomada validate: ${error.message}\n`);
    // 1 says the campaign failed: an API that refused it is 2, one that does not answer 3, as for the operator commands.
    return error.exitCode === Exit.unreachable ? Exit.unreachable : 2;
  }
}

/**
 * Ctrl-C while the campaign runs: the first cancels it at Tomada and the command follows its
 * wrap-up to the end (the report, the sessions left running); a second stops following at once,
 * the wrap-up going on at Tomada. Before 2026-12-07 Ctrl-C ended the command and nothing else:
 * the campaign went on at Tomada, its manual steps waiting for nobody.
 */
class Interrupt {
  cancelled = false;
  leaving = false;
  private readonly abort = new AbortController();
  private wake: () => void = () => undefined;
  private readonly stopListening: () => void;

  constructor(
    private readonly io: Io,
    private readonly api: (path: string, body?: unknown) => Promise<unknown>,
    private readonly id: string,
    wrapUpS: number,
  ) {
    this.stopListening =
      io.onInterrupt?.(() => {
        if (this.cancelled) {
          this.leaving = true;
        } else {
          this.cancelled = true;
          io.err(`cancelling campaign ${id}: it stops the sessions it started (up to about ${wrapUpS} s); Ctrl-C again to stop following it\n`);
          void this.api(`/validations/${encodeURIComponent(id)}/cancel`, { reason: 'cancelled at the terminal (tomada validate)' }).catch((error: unknown) =>
            this.io.err(`tomada validate: the cancel failed: ${(error as Error).message}\n`),
          );
        }
        this.abort.abort();
        this.wake();
      }) ?? (() => undefined);
  }

  /** Aborted at a Ctrl-C: a question at the terminal is withdrawn. */
  get signal(): AbortSignal {
    return this.abort.signal;
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.wake = () => (clearTimeout(timer), resolve());
    });
  }

  close(): void {
    this.stopListening();
  }
}

/** How long the campaign is asked for again while Tomada does not answer, before the command gives up. */
const OUTAGE_PATIENCE_MS = 120_000;

/**
 * What the campaign did for the registry, after the software it tested. One that validates nothing
 * says so of itself, and that the registry holds the software already when it does: until
 * 2026-12-07 it said "not validated" of software the registry held as validated.
 */
function registryLine(registry: CampaignView['registry'], inRegistry: boolean): string {
  if (!registry) return '';
  if (registry.validated) return ` — validated: ${registry.reason}`;
  return ` — this campaign validates no software: ${registry.reason}${inRegistry ? ' (already validated in the registry)' : ''}`;
}

const IDENTITY = ['vendor', 'model', 'firmwareVersion', 'ocppVersion', 'transport'] as const;

/** Whether the registry holds the software a campaign that validated none tested; false when it cannot be read. */
async function inRegistry(api: (path: string) => Promise<unknown>, campaign: CampaignView): Promise<boolean> {
  if (!campaign.registry || campaign.registry.validated) return false;
  try {
    const { items } = (await api('/software')) as { items: Record<string, string>[] };
    return items.some((held) => IDENTITY.every((key) => held[key] !== undefined && held[key] === campaign.software[key]));
  } catch (error) {
    // The campaign's own lines matter more than this note: a token that may not read it, or an outage, leaves it out.
    if (error instanceof CliError) return false;
    throw error;
  }
}

/**
 * The campaign read again, through a short outage: a node restarting (whose restart closes the
 * campaign as interrupted, which is then read and reported), or a balancer answering for it
 * meanwhile. Until 2026-12-07 the command exited 3 at the first failed read, with the campaign
 * running on at Tomada and nobody following it.
 */
async function readAgain(io: Io, api: (path: string) => Promise<unknown>, id: string, interrupt: Interrupt): Promise<CampaignView> {
  const giveUpAt = Date.now() + OUTAGE_PATIENCE_MS;
  let told = false;
  for (;;) {
    try {
      const campaign = (await api(`/validations/${encodeURIComponent(id)}`)) as CampaignView;
      if (told) io.err('tomada validate: Tomada answers again; following the campaign on\n');
      return campaign;
    } catch (error) {
      if (!(error instanceof CliError) || error.exitCode !== Exit.unreachable || Date.now() >= giveUpAt || interrupt.leaving) throw error;
      if (!told) io.err(`tomada validate: ${error.message}; asking again for up to ${OUTAGE_PATIENCE_MS / 1000} s (the campaign goes on at Tomada meanwhile)\n`);
      told = true;
      await interrupt.sleep(2000);
    }
  }
}

/** Asks the operator to do a manual step at the charge point, and passes the answer on. */
async function manualStep(io: Io, api: (path: string, body?: unknown) => Promise<unknown>, id: string, item: CaseView, skip: boolean, signal: AbortSignal): Promise<void> {
  const path = `/validations/${encodeURIComponent(id)}/cases/${encodeURIComponent(item.id)}/confirm`;
  if (skip || !io.ask) {
    io.err(`MANUAL  ${item.id}: ${item.prompt} — ${skip ? 'skipped (--skip-manual)' : 'no terminal to ask at: waiting for it to happen, or for a confirmation from the dashboard'}\n`);
    if (skip) await api(path, { done: false, note: 'skipped with --skip-manual' }).catch(() => undefined);
    return;
  }
  let answer: string;
  try {
    answer = await io.ask(`MANUAL  ${item.prompt}\n        Press Enter when done, or type "skip" if it cannot be done: `, signal);
  } catch (error) {
    // Withdrawn by a Ctrl-C: the campaign is being cancelled, the step with it.
    if (signal.aborted) return;
    throw error;
  }
  const done = answer.trim().toLowerCase() !== 'skip';
  // The case may have ended meanwhile (the message came before the answer): that is not an error.
  await api(path, done ? { done: true } : { done: false, note: 'the operator could not do it' }).catch(() => undefined);
}
