import type { Reporter, TestModule } from 'vitest/node';

/**
 * Prints one plain closing line, `N passed, N failed[, N skipped]`, after vitest's own summary, preceded by
 * one `FAILED file > test` line per failure: CI keeps only the tail of a long log, and vitest's own list of
 * failures is far above it. CI reads the count line (not vitest's table), so it must be printed last.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    const names: string[] = [];
    for (const mod of modules) {
      const file = mod.moduleId.replace(`${process.cwd()}/`, '');
      const tests = [...mod.children.allTests()];
      // A failed hook (beforeAll) fails its file and leaves its tests unrun: they count as failed, not skipped.
      if (mod.state() === 'failed' && tests.length > 0 && tests.every((t) => t.result().state !== 'failed')) {
        const unrun = tests.filter((t) => t.result().state !== 'passed').length;
        failed += Math.max(1, unrun);
        passed += tests.length - unrun;
        names.push(`${file} (a hook failed; ${unrun} test(s) did not run)`);
        continue;
      }
      for (const test of tests) {
        const state = test.result().state;
        if (state === 'passed') passed++;
        else if (state === 'failed') {
          failed++;
          names.push(`${file} > ${test.fullName}`);
        } else skipped++;
      }
      // A module that failed to load has no tests but is a failure all the same.
      if (mod.state() === 'failed' && tests.length === 0) {
        failed++;
        names.push(`${file} (did not load)`);
      }
    }
    failed += unhandledErrors.length;
    if (unhandledErrors.length > 0) names.push(`${unhandledErrors.length} unhandled error(s)`);
    if (names.length > 0) process.stdout.write(`\n${names.map((n) => `FAILED ${n}`).join('\n')}\n`);
    const tail = skipped > 0 ? `, ${skipped} skipped` : '';
    process.stdout.write(`\n${passed} passed, ${failed} failed${tail}\n`);
  }
}
