// A campaign's report as one self-contained, printable HTML page: the verdict, the software tested,
// every case with its criterion and reason, and the frames that are its evidence.
import type { CaseRecord, LeftRunning, Validation } from '../domain/validation/types.js';

const escape = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const VERDICT_WORDS: Record<string, string> = {
  pass: 'PASSED',
  fail: 'FAILED',
  incomplete: 'INCOMPLETE',
};

function frames(item: CaseRecord): string {
  if (item.frames.length === 0) return '<p class="muted">No frames crossed during this case.</p>';
  const rows = item.frames
    .map((f) => `<tr><td>${escape(f.at)}</td><td>${f.direction === 'in' ? '→ CS' : '← CS'}</td><td>${escape(f.action ?? '')}</td><td><code>${escape(f.frame)}</code></td></tr>`)
    .join('\n');
  return `<table class="frames"><thead><tr><th>Time (UTC)</th><th>Direction</th><th>Action</th><th>Frame</th></tr></thead><tbody>${rows}</tbody></table>`;
}

/** What the tries at the charge point's returns did since the campaign ended (left-running.ts), if any were made. */
function afterwards(left: LeftRunning): string {
  const a = left.afterwards;
  if (!a) return '';
  return `; since the campaign ended (${a.attempts} remote stop${a.attempts === 1 ? '' : 's'} sent), at ${escape(a.at)}: ${escape(a.reason)}`;
}

/**
 * Under the verdict, when the campaign does not (or will not) validate its software: a PASSED
 * page alone, printed, read as the network's approval of a trial run or of a partial campaign
 * (the reason was only in the table below). And a cancelled campaign still stopping its sessions.
 */
function validityNote(v: Validation, inRegistry: boolean): string {
  const notes = [
    ...(v.verdict === 'pass' && v.registry?.validated === false ? [`Its cases passed, but this campaign validates no software: ${v.registry.reason}${inRegistry ? ' (the software is already validated in the registry)' : ''}.`] : []),
    ...(v.status === 'running' && v.trial !== undefined ? [`A trial run: it will validate no software (${v.trial}).`] : []),
    ...(v.cancelling ? [`Cancelled at ${v.cancelling.at} (${v.cancelling.reason}): stopping the sessions it started.`] : []),
  ];
  return notes.map((note) => `<p class="verdict-note"><strong>${escape(note)}</strong></p>\n`).join('');
}

function caseSection(item: CaseRecord, index: number): string {
  return `<section class="case ${item.status}">
<h3>${index + 1}. ${escape(item.title)} <span class="badge ${item.status}">${escape(item.status)}</span></h3>
<p class="muted"><code>${escape(item.id)}</code> · ${item.messages.map(escape).join(', ')}</p>
<dl>
<dt>Stimulus</dt><dd>${escape(item.stimulus)}</dd>
<dt>Expected</dt><dd>${escape(item.expected)}</dd>
<dt>Result</dt><dd>${escape(item.reason ?? (item.prompt ? `Waiting: ${item.prompt}` : 'not run yet'))}</dd>
</dl>
<details${item.status === 'fail' ? ' open' : ''}><summary>Evidence: ${item.frames.length} frame(s)</summary>${frames(item)}</details>
</section>`;
}

/**
 * The campaign's report. `inRegistry`: the registry holds the software it tested, read as the page
 * is made; said of a campaign that validates none (until 2026-12-07 it read "software not
 * validated" of software the registry held as validated).
 */
export function reportHtml(v: Validation, inRegistry = false): string {
  const software = v.software;
  const already = inRegistry && v.registry?.validated === false ? ' (already validated in the registry)' : '';
  const verdict = v.verdict === null ? 'RUNNING' : VERDICT_WORDS[v.verdict] ?? v.verdict;
  const c = v.counts;
  // counts.skipped holds both kinds of skip: only those not applicable leave a campaign passable.
  const notApplicable = v.cases.filter((item) => item.status === 'skipped' && item.notApplicable).length;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Validation ${escape(v.id)} — ${escape(v.chargePointId)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#111}
h1{font-size:1.5rem}.muted{color:#555;font-size:.9rem}
.verdict{font-size:1.4rem;font-weight:bold;padding:.5rem 1rem;display:inline-block;border-radius:.3rem}
.verdict.pass{background:#d7f5dd}.verdict.fail{background:#fbd5d5}.verdict.incomplete,.verdict.running{background:#fff1c2}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.25rem .4rem;text-align:left;vertical-align:top;font-size:.85rem}
.frames code{word-break:break-all;white-space:pre-wrap}
.badge{font-size:.8rem;padding:.1rem .4rem;border-radius:.2rem;background:#eee;text-transform:uppercase}
.badge.pass{background:#d7f5dd}.badge.fail{background:#fbd5d5}.badge.manual,.badge.waiting{background:#fff1c2}
.case{border-top:1px solid #ddd;margin-top:1rem;page-break-inside:avoid}dt{font-weight:bold}dd{margin:0 0 .4rem 1rem}
@media print{details{display:block}details>summary{display:none}details:not([open])>*{display:block}body{margin:0}}
</style></head><body>
<h1>OCPP validation report</h1>
<p class="verdict ${escape(v.verdict ?? 'running')}">${escape(verdict)}</p>
${validityNote(v, inRegistry)}<p>${c.pass} passed · ${c.fail} failed · ${notApplicable} not applicable · ${c.skipped - notApplicable} skipped, not run · ${c.manual} manual steps not run · ${c.pending} pending</p>
<table>
<tr><th>Charge point</th><td>${escape(v.chargePointId)} (connector ${v.connectorId})</td></tr>
<tr><th>Vendor / model</th><td>${escape(software.vendor ?? '?')} / ${escape(software.model ?? '?')}</td></tr>
<tr><th>Firmware</th><td>${escape(software.firmwareVersion ?? '?')}</td></tr>
<tr><th>OCPP</th><td>${escape(software.ocppVersion ?? '?')} over ${escape(software.transport ?? '?')}</td></tr>
<tr><th>Campaign</th><td>${escape(v.id)} · ${escape(v.status)} · started ${escape(v.startedAt)}${v.finishedAt ? ` · finished ${escape(v.finishedAt)}` : ''}</td></tr>
<tr><th>Cards</th><td>valid ${escape(v.idTag)} · blocked ${escape(v.blockedIdTag)}</td></tr>
<tr><th>Time limits</th><td>${Object.entries(v.timing).map(([name, s]) => `${escape(name)} ${s} s`).join(' · ')}</td></tr>
<tr><th>Registry</th><td>${v.registry ? `${v.registry.validated ? 'software validated' : 'this campaign validates no software'}: ${escape(v.registry.reason)}${already}` : v.status === 'running' ? 'decided when the campaign ends' : 'not recorded'}</td></tr>
${v.leftRunning?.length ? `<tr><th>Left running</th><td>${v.leftRunning.map((l) => `transaction ${l.transactionId} on connector ${l.connectorId}: ${escape(l.reason)}${afterwards(l)}`).join('<br>')}${v.leftRunning.some((l) => !l.afterwards?.ended) ? `. A remote stop is sent again at each return of the charge point; or end ${v.leftRunning.length === 1 ? 'it' : 'them'} there` : ''}.</td></tr>\n` : ''}</table>
<h2>Cases</h2>
${v.cases.map(caseSection).join('\n')}
<p class="muted">Generated by Tomada. Frames are shown exactly as they crossed the wire; the frame journal keeps them hash-chained.</p>
</body></html>
`;
}
