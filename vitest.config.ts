import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['./test/support/global-setup.ts'],
    // End-to-end tests spawn ffmpeg and the built CLI; two cores are shared, so keep parallelism modest.
    maxWorkers: 2,
    // Generous: a test that hangs still fails, and a slow CI runner does not turn a pass into a timeout.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
