import { type Command, Option } from 'commander';
import { TemporalCIError } from '../../errors.js';
import { ALERT_WORDS, alertOf } from '../../notify/alert.js';
import { buildPayload, eventOf, type WebhookFormat } from '../../notify/payload.js';
import { deliver, describeTarget, resolveWebhook } from '../../notify/webhook.js';
import { reportLocation } from '../../report/reporters/ci.js';
import { out } from '../io.js';
import { openModelRoot } from '../store.js';

interface AlertFlags {
  modelRoot: string;
  webhookUrl?: string;
  webhookFormat?: WebhookFormat;
  reportUrl?: string;
  json?: boolean;
}

export function registerAlert(program: Command): void {
  program
    .command('alert')
    .description(
      "the model's latest run against the one before: new failure, recovered, still failing or still passing; with --webhook-url, notifies on a new failure or a recovery only; exit 0 unless a notification could not be delivered",
    )
    .requiredOption('--model-root <dir>', 'artifacts/<project>/<suite>/<model>')
    .option(
      '--webhook-url <url>',
      'POST a notification when the state changed (a secret: never printed; ${ENV} expands)',
    )
    .addOption(
      new Option('--webhook-format <format>', 'webhook payload')
        .choices(['slack', 'discord', 'json'])
        .default('json'),
    )
    .option(
      '--report-url <base>',
      'public URL of the artifacts folder; the notification links the report there',
    )
    .option('--json', 'print as JSON')
    .action(async (flags: AlertFlags) => {
      // Checked first: a malformed URL is a usage error even when nothing would be sent.
      const target =
        flags.webhookUrl === undefined
          ? null
          : resolveWebhook(undefined, {
              url: flags.webhookUrl,
              format: flags.webhookFormat,
              notifyOn: 'change',
            });
      const { store, model } = await openModelRoot(flags.modelRoot);
      const d = alertOf(await store.index(model));
      if (!d) {
        throw new TemporalCIError('RUN_NOT_FOUND', `no run with a verdict under ${flags.modelRoot}`, {
          hint: 'run the suite first',
        });
      }
      let notified: 'sent' | 'not_configured' | 'no_change' = target ? 'no_change' : 'not_configured';
      if (target && d.changed) {
        const run = { ...model, runId: d.latest.run_id };
        const record = await store.readRun(run);
        const where = reportLocation(store.runDir(run), store.artifactsDir, flags.reportUrl);
        const previous = d.previous?.status ?? null;
        const sent = await deliver(
          target,
          buildPayload(target.format, {
            record,
            previousStatus: previous,
            event: eventOf(record.status, previous),
            reportPath: where.path,
            reportUrl: where.url,
          }),
        );
        if (!sent.ok) {
          throw new TemporalCIError(
            'RUN_FAILED',
            `the ${ALERT_WORDS[d.state]} notification to ${describeTarget(target.url)} failed after ${sent.attempts} attempt(s): ${sent.error ?? 'unknown error'}`,
            { hint: 'check the webhook URL and that its service is up; `alert` can be run again' },
          );
        }
        notified = 'sent';
      }
      if (flags.json) {
        out(JSON.stringify({ model_root: flags.modelRoot, ...d, notified }, null, 2));
        return;
      }
      const before = d.previous ? `previous ${d.previous.run_id} ${d.previous.status}` : 'its first run';
      out(`${ALERT_WORDS[d.state]}: ${d.latest.run_id} ${d.latest.status} (${before})`);
      if (notified === 'sent') out(`notified ${describeTarget(target!.url)}`);
      else if (notified === 'no_change') out('no notification: the state did not change');
    });
}
