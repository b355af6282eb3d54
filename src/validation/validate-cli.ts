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
`;

interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Asks the operator; undefined when there is no terminal to ask at. */
  ask?(question: string): Promise<string>;
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
  cases: CaseView[];
}

function terminalIo(): Io {
  const io: Io = { out: (t) => void process.stdout.write(t), err: (t) => void process.stderr.write(t) };
  if (process.stdin.isTTY) {
    io.ask = async (question) => {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return await rl.question(question);
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
    while (campaign.status === 'running') {
      for (const item of campaign.cases) {
        if (['pass', 'fail', 'skipped', 'manual'].includes(item.status) && !shown.has(item.id)) {
          shown.add(item.id);
          io.err(`${item.status.toUpperCase().padEnd(7)} ${item.id} — ${item.reason ?? ''}\n`);
        }
        if (item.status === 'waiting' && !asked.has(item.id)) {
          asked.add(item.id);
          await manualStep(io, api, campaign.id, item, values['skip-manual']);
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
      campaign = (await api(`/validations/${encodeURIComponent(campaign.id)}`)) as CampaignView;
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
        `software: ${Object.values(campaign.software).join(' / ')}${campaign.registry ? ` — ${campaign.registry.validated ? 'validated' : 'not validated'}: ${campaign.registry.reason}` : ''}\n` +
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

/** Asks the operator to do a manual step at the charge point, and passes the answer on. */
async function manualStep(io: Io, api: (path: string, body?: unknown) => Promise<unknown>, id: string, item: CaseView, skip: boolean): Promise<void> {
  const path = `/validations/${encodeURIComponent(id)}/cases/${encodeURIComponent(item.id)}/confirm`;
  if (skip || !io.ask) {
    io.err(`MANUAL  ${item.id}: ${item.prompt} — ${skip ? 'skipped (--skip-manual)' : 'no terminal to ask at: waiting for it to happen, or for a confirmation from the dashboard'}\n`);
    if (skip) await api(path, { done: false, note: 'skipped with --skip-manual' }).catch(() => undefined);
    return;
  }
  const answer = await io.ask(`MANUAL  ${item.prompt}\n        Press Enter when done, or type "skip" if it cannot be done: `);
  const done = answer.trim().toLowerCase() !== 'skip';
  // The case may have ended meanwhile (the message came before the answer): that is not an error.
  await api(path, done ? { done: true } : { done: false, note: 'the operator could not do it' }).catch(() => undefined);
}
