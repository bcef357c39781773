import type { Command } from 'commander';
import { SuiteValidationError } from '../../errors.js';
import { validateSuite } from '../../suite/load.js';
import { out, warn } from '../io.js';

export function registerValidate(program: Command): void {
  program
    .command('validate')
    .description(
      'check a suite against the schema and the registries; print every problem with file:line:col',
    )
    .argument('<suite>', 'suite YAML file')
    .option('--json', 'print the problems as JSON')
    .action(async (suitePath: string, flags: { json?: boolean }) => {
      const { suite, issues } = await validateSuite(suitePath);
      if (flags.json) {
        out(JSON.stringify({ valid: issues.length === 0, issues }, null, 2));
        process.exitCode = issues.length === 0 ? 0 : 1;
        return;
      }
      // The error boundary prints every issue with its position, then exits 1.
      if (issues.length > 0 || !suite) throw new SuiteValidationError(suitePath, issues);
      for (const w of suite.warnings) warn(w);
      const samples = suite.tests.reduce((n, t) => n + t.prompts.length * t.seeds.length, 0);
      out(
        `valid suite: project=${suite.config.project} suite=${suite.config.suite_name} models=${suite.config.models.length} tests=${suite.tests.length} samples/model=${samples} metrics=${suite.config.metrics.length} gates=${suite.config.gates.length}`,
      );
    });
}
