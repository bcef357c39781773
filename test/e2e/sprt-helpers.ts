import { type CliResult, runCli } from '../support/cli.js';
import { mockSuite } from '../support/mock-suite.js';

/** The built CLI, run as a user would (shared with every e2e test). */
export function cli(args: string[]): Promise<CliResult> {
  return runCli(args);
}

/** The shared mock suite with an SPRT gate (test/support/mock-suite.ts). */
export function sprtSuite(opts: Omit<Parameters<typeof mockSuite>[0], 'gate'>): string {
  return mockSuite({ ...opts, gate: 'sprt' });
}
