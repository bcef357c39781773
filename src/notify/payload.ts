import { percent } from '../platform/format.js';
import type { RunRecord } from '../schema/run.js';

/**
 * Webhook bodies. Slack incoming webhooks need `text` (and take `blocks`); Discord webhooks need `content`
 * or `embeds`; the generic JSON body carries the run's facts for any other receiver. Texts are cut to each
 * service's documented limits, because an over-long field makes the whole message bounce.
 */

export type WebhookFormat = 'slack' | 'discord' | 'json';

export interface NotifyFacts {
  record: RunRecord;
  /** Status of the model's previous run (from index.json), null for its first run. */
  previousStatus: string | null;
  event: 'failure' | 'recovery' | 'still_failing' | 'pass' | 'error';
  reportPath: string;
  reportUrl: string | null;
}

export function eventOf(status: string, previous: string | null): NotifyFacts['event'] {
  if (status === 'ERROR') return 'error';
  if (status === 'PASS') return previous !== null && previous !== 'PASS' ? 'recovery' : 'pass';
  return previous === 'FAIL' ? 'still_failing' : 'failure';
}

function cut(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

function num(v: number | null): string {
  if (v === null) return 'missing';
  return Number.isInteger(v) ? String(v) : v.toPrecision(6);
}

function gateFailures(rec: RunRecord) {
  return rec.gates
    .filter((g) => !g.passed)
    .map((g) => ({
      metric: g.metric,
      op: g.op,
      value: g.value,
      method: g.method,
      actual: g.actual,
      reason: g.reason,
    }));
}

function topRegressions(rec: RunRecord) {
  return rec.regressions
    .filter((r) => r.regressed)
    .sort((a, b) => (a.relative_delta ?? 0) - (b.relative_delta ?? 0))
    .slice(0, 5);
}

function headline(f: NotifyFacts): string {
  const r = f.record;
  const label =
    f.event === 'recovery'
      ? 'recovered'
      : f.event === 'still_failing'
        ? 'still failing'
        : f.event === 'failure'
          ? 'failed'
          : f.event === 'error'
            ? 'errored'
            : 'passed';
  return `TemporalCI ${r.status}: ${r.project}/${r.suite_name}/${r.model_name} ${label} (run ${r.run_id})`;
}

function detailLines(f: NotifyFacts): string[] {
  const r = f.record;
  const lines = gateFailures(r).map(
    (g) => `gate ${g.metric} ${g.op} ${String(g.value)}: actual ${num(g.actual)} (${g.reason})`,
  );
  for (const reg of topRegressions(r)) {
    const rel = reg.relative_delta === null ? '' : ` (${percent(reg.relative_delta)})`;
    lines.push(`regression ${reg.metric}: ${num(reg.baseline)} -> ${num(reg.current)}${rel}`);
  }
  for (const e of r.errors) lines.push(`error: ${e}`);
  return lines;
}

function genericPayload(f: NotifyFacts): Record<string, unknown> {
  const r = f.record;
  return {
    event: f.event,
    run_id: r.run_id,
    status: r.status,
    previous_status: f.previousStatus,
    project: r.project,
    suite_name: r.suite_name,
    model_name: r.model_name,
    timestamp_utc: r.timestamp_utc,
    baseline_run_id: r.baseline.run_id,
    counts: r.counts,
    gate_failed: r.gate_failed,
    regression_failed: r.regression_failed,
    gate_failures: gateFailures(r),
    regressions: topRegressions(r),
    errors: r.errors,
    report_path: f.reportPath,
    report_url: f.reportUrl,
  };
}

// Slack mrkdwn: &, < and > must be escaped or they start links/mentions.
function slackEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function slackPayload(f: NotifyFacts): Record<string, unknown> {
  const text = slackEscape(headline(f));
  const details = detailLines(f).map((l) => `• ${slackEscape(l)}`);
  const report = f.reportUrl
    ? `<${f.reportUrl}|Open the report>`
    : `Report: \`${slackEscape(f.reportPath)}\``;
  const blocks: Record<string, unknown>[] = [
    { type: 'section', text: { type: 'mrkdwn', text: cut(`*${text}*`, 3000) } },
  ];
  if (details.length)
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: cut(details.join('\n'), 3000) } });
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: cut(report, 3000) }] });
  return { text: cut(text, 3000), blocks };
}

const DISCORD_COLOUR = { PASS: 0x1a7f37, FAIL: 0xcf222e, ERROR: 0x9a6700, INTERRUPTED: 0x9a6700 } as const;

function discordPayload(f: NotifyFacts): Record<string, unknown> {
  const r = f.record;
  const fields = [
    { name: 'Status', value: r.status, inline: true },
    { name: 'Previous', value: f.previousStatus ?? 'none', inline: true },
    { name: 'Samples', value: `${r.counts.measured}/${r.counts.planned} measured`, inline: true },
    ...detailLines(f)
      .slice(0, 20)
      .map((l, i) => ({ name: i === 0 ? 'Details' : '\u200b', value: cut(l, 1024), inline: false })),
  ];
  return {
    content: cut(headline(f), 2000),
    // Discord turns @everyone and role pings in webhook text into notifications unless told not to.
    allowed_mentions: { parse: [] },
    embeds: [
      {
        title: cut(`${r.project}/${r.suite_name}/${r.model_name}`, 256),
        description: cut(f.reportUrl ? `[Open the report](${f.reportUrl})` : `Report: ${f.reportPath}`, 4096),
        color: DISCORD_COLOUR[r.status] ?? 0x6e7781, // grey for any other status (e.g. interrupted)
        timestamp: r.finished_utc,
        fields,
      },
    ],
  };
}

export function buildPayload(format: WebhookFormat, f: NotifyFacts): Record<string, unknown> {
  if (format === 'slack') return slackPayload(f);
  if (format === 'discord') return discordPayload(f);
  return genericPayload(f);
}
