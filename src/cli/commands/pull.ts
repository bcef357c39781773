import type { Command } from 'commander';
import { TemporalCIError } from '../../errors.js';
import { REPORT_FILE, writeRunReport } from '../../report/run-report.js';
import { safeSegment } from '../../store/paths.js';
import { openDatabase } from '../../store/postgres/connection.js';
import { PostgresRunStore } from '../../store/postgres/store.js';
import { pullModel } from '../../store/pull.js';
import { s3ConfigFromEnv } from '../../store/s3/config.js';
import { S3ArtifactStore } from '../../store/s3/store.js';
import { out, warn } from '../io.js';
import { openLocalStore } from '../store.js';

interface PullFlags {
  project: string;
  suite: string;
  model?: string;
  artifactsDir: string;
  databaseUrl?: string;
  json?: boolean;
}

export function registerPull(program: Command): void {
  program
    .command('pull')
    .description(
      "copy a suite's run history from a fleet (Postgres + S3) into a local artifacts folder; every local command then works on it offline",
    )
    .requiredOption('--project <name>', 'the project of the suite')
    .requiredOption('--suite <name>', 'the suite_name')
    .option('--model <name>', 'only this model (default: every model of the suite)')
    .option('--artifacts-dir <dir>', 'the local artifacts folder to pull into', 'artifacts')
    .option('--database-url <url>', 'the fleet database (default: $TEMPORALCI_DATABASE_URL)')
    .option('--json', 'print what was pulled as JSON')
    .action(async (flags: PullFlags) => {
      for (const [what, v] of [
        ['--project', flags.project],
        ['--suite', flags.suite],
        ['--model', flags.model],
      ] as const) {
        if (v !== undefined) safeSegment(v, what);
      }
      const url = flags.databaseUrl ?? process.env.TEMPORALCI_DATABASE_URL;
      if (!url) {
        throw new TemporalCIError('USAGE', 'no fleet database given', {
          hint: 'set TEMPORALCI_DATABASE_URL=postgres://USER:PASSWORD@HOST:PORT/DATABASE (as for `temporalci serve`), or pass --database-url',
        });
      }
      const s3 = s3ConfigFromEnv(process.env);
      if (s3 === null) {
        throw new TemporalCIError('USAGE', "no S3 bucket given for the fleet's artifacts", {
          hint: 'set TEMPORALCI_S3_BUCKET (and TEMPORALCI_S3_ENDPOINT for MinIO/R2) as for `temporalci serve`; credentials come from the AWS_* variables',
        });
      }
      const db = await openDatabase(url, { warn });
      const artifacts = new S3ArtifactStore(s3);
      try {
        const runs = new PostgresRunStore(db, { warn });
        const local = openLocalStore(flags.artifactsDir);
        const models = (await runs.listModels(flags.project, flags.suite)).filter(
          (m) => flags.model === undefined || m.model === flags.model,
        );
        if (models.length === 0) {
          throw new TemporalCIError(
            'RUN_NOT_FOUND',
            `the fleet has no runs of ${flags.project}/${flags.suite}${flags.model ? ` for model ${flags.model}` : ''}`,
            {
              hint: "check --project and --suite (the suite file's `project` and `suite_name`), and --model",
            },
          );
        }
        const results = [];
        for (const model of models) {
          const r = await pullModel(
            { runs, artifacts, names: (run) => artifacts.artifactNames(run) },
            local,
            model,
            async (_record, run) => {
              // The fleet's page links its videos by presigned URLs that expire: the local copy gets its own.
              await local.remove({ run, name: REPORT_FILE });
              const page = await writeRunReport(local.runDir(run));
              for (const w of page.warnings) warn(`report of ${run.runId}: ${w}`);
            },
          );
          results.push(r);
          if (!flags.json) {
            out(
              `${model.project}/${model.suite}/${model.model}: pulled ${r.pulled.length} run(s), ${r.files} file(s); ${r.present} already here${r.tags.length > 0 ? `; tags ${r.tags.join(', ')}` : ''}`,
            );
          }
        }
        if (flags.json) {
          out(
            JSON.stringify(
              {
                artifacts_dir: flags.artifactsDir,
                models: results.map((r) => ({
                  ...r.model,
                  pulled: r.pulled,
                  present: r.present,
                  files: r.files,
                  tags: r.tags,
                })),
              },
              null,
              2,
            ),
          );
        }
      } finally {
        artifacts.destroy();
        await db.close();
      }
    });
}
