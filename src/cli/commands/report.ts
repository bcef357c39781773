import type { Command } from 'commander';
import { TemporalCIError } from '../../errors.js';
import { writeRunReport } from '../../report/run-report.js';
import { out, warn } from '../io.js';
import { openModelRoot } from '../store.js';
import { addHiddenAlias } from './flag-alias.js';
import { positiveInt } from './options.js';

interface ReportFlags {
  runDir?: string;
  modelRoot?: string;
  reportTop?: number;
}

export function registerReport(program: Command): void {
  const report = program
    .command('report')
    .description('(re)generate report.html from run.json, for one run or every run of a model')
    .option('--run-dir <dir>', 'one run folder (holding run.json)')
    .option('--model-root <dir>', 'every run of a model: artifacts/<project>/<suite>/<model>')
    // The same name as `run --report-top`; `--top` was this command's name for it.
    .option('--report-top <n>', 'worst-regressed samples shown with videos', positiveInt, 6);
  addHiddenAlias(report, '--top <n>', 'reportTop', positiveInt).action(async (flags: ReportFlags) => {
    if ((flags.runDir === undefined) === (flags.modelRoot === undefined)) {
      throw new TemporalCIError('USAGE', 'report needs exactly one of --run-dir or --model-root', {
        hint: 'e.g. temporalci report --run-dir artifacts/<project>/<suite>/<model>/<run_id>',
      });
    }
    let dirs: string[];
    if (flags.runDir !== undefined) dirs = [flags.runDir];
    else {
      const { store, model } = await openModelRoot(flags.modelRoot as string);
      dirs = (await store.index(model)).map((e) => store.runDir({ ...model, runId: e.run_id }));
    }
    for (const dir of dirs) {
      const r = await writeRunReport(dir, { topN: flags.reportTop });
      for (const w of r.warnings) warn(w);
      out(`wrote ${r.path}`);
    }
  });
}
