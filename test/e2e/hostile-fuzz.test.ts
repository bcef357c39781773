import { promises as fs } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { setTimer, timeoutSignal } from '../../src/platform/timers.js';
import { MAX_TIMER_S } from '../../src/schema/limits.js';
import { safeSegment } from '../../src/store/paths.js';
import { defaultRegistries, validateSuiteBytes } from '../../src/suite/load.js';
import { hasStackTrace, runCli, tempDir } from '../support/cli.js';

/**
 * Whatever `validate` accepts, `run` runs: fuzzed suite documents (names, run settings, video sizes) are
 * validated in-process (never a throw, never a hang, never an internal error), every accepted one has
 * timers and folder names the engine can use, and a few accepted ones run through the built CLI on the
 * mock model to a verdict or a per-sample error that is not INTERNAL.
 */

const HANG_MS = 5000;

function withinHangLimit<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not return within ${HANG_MS} ms`)), HANG_MS);
  });
  return Promise.race([p, hang]).finally(() => clearTimeout(timer));
}

const weirdNumber = fc.oneof(
  fc.double({ noNaN: false }),
  fc.integer(),
  fc.double({ min: 0, max: 120, noNaN: true }),
  fc.constantFrom(2.01, 0.0001, 4_294_968, 3_000_000, MAX_TIMER_S, MAX_TIMER_S + 1, 1e308, -1, 0),
);
const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: undefined });
/** Mostly valid values, so that accepted documents are common, with hostile ones mixed in. */
const mostly = <T>(valid: fc.Arbitrary<T>, hostile: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: valid, weight: 9 }, { arbitrary: hostile, weight: 1 });
const name = mostly(
  fc.stringMatching(/^[a-z][a-z0-9_-]{0,20}$/),
  fc.oneof(
    fc.string({ minLength: 0, maxLength: 300 }),
    fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$/),
    fc.constantFrom('a..b', 'm'.repeat(128), 'm'.repeat(129), '.hidden', 'ok-name'),
  ),
);

const runSettings = fc.record(
  {
    workers: maybe(mostly(fc.integer({ min: 1, max: 64 }), weirdNumber)),
    retries: maybe(mostly(fc.integer({ min: 0, max: 3 }), weirdNumber)),
    timeout_s: maybe(mostly(fc.double({ min: 2, max: 600, noNaN: true }), weirdNumber)),
    deadline_s: maybe(mostly(fc.double({ min: 60, max: MAX_TIMER_S, noNaN: true }), weirdNumber)),
    max_failed_ratio: maybe(mostly(fc.double({ min: 0, max: 1, noNaN: true }), weirdNumber)),
    wave_size: maybe(mostly(fc.integer({ min: 1, max: 8 }), weirdNumber)),
  },
  { requiredKeys: [] },
);

const suiteDoc = fc.record({
  project: name,
  suite: name,
  model: name,
  test: name,
  run: runSettings,
  frames: mostly(fc.constant(2), fc.integer({ min: -2, max: 4 })),
  size: mostly(fc.constant(16), fc.integer({ min: 0, max: 40 })),
});
type SuiteDoc = typeof suiteDoc extends fc.Arbitrary<infer T> ? T : never;

function render(d: SuiteDoc): string {
  const run = Object.entries(d.run)
    .filter(([, v]) => v !== undefined)
    .map(
      ([k, v]) =>
        `  ${k}: ${Number.isNaN(v) ? '.nan' : v === Infinity ? '.inf' : v === -Infinity ? '-.inf' : v}`,
    )
    .join('\n');
  return [
    'version: 1',
    `project: ${JSON.stringify(d.project)}`,
    `suite_name: ${JSON.stringify(d.suite)}`,
    'models:',
    `  - name: ${JSON.stringify(d.model)}`,
    '    adapter: mock',
    'tests:',
    `  - id: ${JSON.stringify(d.test)}`,
    '    prompts: ["a red ball", "a slow pan"]',
    `    video: {num_frames: ${d.frames}, fps: 8, resolution: ${d.size}}`,
    'metrics:',
    '  - name: vbench_temporal',
    'gates:',
    '  - metric: vbench_temporal.score',
    '    op: ">="',
    '    value: 0',
    run === '' ? '' : `run:\n${run}`,
    '',
  ].join('\n');
}

describe('fuzzed suites and run settings', () => {
  const accepted: string[] = [];
  const rejected: string[] = [];

  it('validate never throws, hangs or fails internally; accepted settings are usable by the engine', async () => {
    const registries = defaultRegistries();
    await fc.assert(
      fc.asyncProperty(suiteDoc, async (d) => {
        const text = render(d);
        const r = await withinHangLimit(
          validateSuiteBytes('fuzz.yaml', new TextEncoder().encode(text), registries),
          'validate',
        );
        for (const i of r.issues) expect(i.message).not.toMatch(/internal error|Maximum call stack/);
        if (r.suite === undefined) {
          rejected.push(r.issues[0]?.message ?? '');
          return;
        }
        const { config } = r.suite;
        for (const n of [config.project, config.suite_name, ...config.models.map((m) => m.name)]) {
          expect(safeSegment(n, 'name')).toBe(n);
        }
        for (const s of [config.run.timeout_s, config.run.deadline_s]) {
          if (s === undefined) continue;
          timeoutSignal(s);
          clearTimeout(setTimer(s, () => {}));
        }
        if (accepted.length < 40) accepted.push(text);
      }),
      { numRuns: 400, interruptAfterTimeLimit: 40_000 },
    );
    expect(accepted.length, rejected.slice(0, 5).join('\n')).toBeGreaterThan(0);
  }, 90_000);

  it('accepted suites run on the mock model to a verdict or a per-sample error that is not INTERNAL', async () => {
    const picks = accepted.slice(0, 3);
    for (const text of picks) {
      const dir = await tempDir('temporalci-fuzz-');
      await fs.writeFile(path.join(dir, 'suite.yaml'), text);
      const validated = await runCli(['validate', 'suite.yaml'], { cwd: dir });
      expect(validated.code, validated.stderr).toBe(0);
      const r = await runCli(['run', 'suite.yaml', '--no-progress', '--artifacts-dir', 'art'], { cwd: dir });
      const output = `${r.stdout}\n${r.stderr}`;
      expect(output).not.toMatch(/internal error/);
      expect(hasStackTrace(output), output).toBe(false);
      if (r.code === 1) {
        const runJson = await findRunJson(path.join(dir, 'art'));
        const record = JSON.parse(await fs.readFile(runJson, 'utf8')) as {
          samples: { error?: { code?: string } }[];
          errors: string[];
        };
        const codes = record.samples.map((s) => s.error?.code).filter((c) => c !== undefined);
        // An errored run explains itself: per-sample error codes, or run-level errors (a fuzzed 0 s deadline
        // can end the run before any sample started, on a slow machine).
        expect(codes.length + record.errors.length, output).toBeGreaterThan(0);
        expect(codes).not.toContain('INTERNAL');
        for (const e of record.errors) expect(e, output).not.toMatch(/internal/i);
      } else {
        expect([0, 2], output).toContain(r.code);
      }
    }
  }, 600_000);
});

/** A flag value: mostly a plausible number, sometimes anything a shell could pass. */
const flagValue = (valid: fc.Arbitrary<number>) =>
  fc.oneof(
    { arbitrary: valid.map(String), weight: 24 },
    fc.oneof(
      fc.string({ maxLength: 12 }),
      weirdNumber.map(String),
      fc.constantFrom('', ' ', '1e999', '0x10', '-0', '1_000', 'NaN', '--json', '٣'),
    ),
  );

/** `temporalci run`'s settings given as flags, fuzzed the same way as the suite's `run:` block. */
const runFlags = fc.record(
  {
    '--workers': maybe(flagValue(fc.integer({ min: 1, max: 4 }))),
    '--retries': maybe(flagValue(fc.integer({ min: 0, max: 2 }))),
    '--timeout': maybe(flagValue(fc.double({ min: 5, max: 600, noNaN: true }))),
    '--deadline': maybe(flagValue(fc.double({ min: 60, max: MAX_TIMER_S, noNaN: true }))),
    '--max-failed-ratio': maybe(flagValue(fc.double({ min: 0, max: 1, noNaN: true }))),
    '--sample': maybe(flagValue(fc.integer({ min: 1, max: 3 }))),
    '--inter-sample-delay': maybe(flagValue(fc.double({ min: 0, max: 0.2, noNaN: true }))),
    '--report-top': maybe(flagValue(fc.integer({ min: 1, max: 9 }))),
    '--baseline-mode': maybe(
      mostly(
        fc.constantFrom('latest_pass', 'latest', 'none', 'rolling:3', 'tag:good'),
        fc.oneof(
          fc.string({ maxLength: 20 }),
          fc.constantFrom('rolling:0', 'rolling:-1', 'tag:', 'tag:../x'),
        ),
      ),
    ),
    '--gate-override': maybe(
      mostly(
        fc.constantFrom('vbench_temporal.score >= 0', 'vbench_temporal.score <= 2'),
        fc.oneof(
          fc.string({ maxLength: 30 }),
          fc.constantFrom('x >= 1', 'vbench_temporal.score >= NaN', '>= 1'),
        ),
      ),
    ),
  },
  { requiredKeys: [] },
);

describe('fuzzed run flags', () => {
  it('the built CLI never fails internally on fuzzed flags: a clear refusal naming the flag, or a verdict', async () => {
    const dir = await tempDir('temporalci-fuzz-flags-');
    await fs.writeFile(
      path.join(dir, 'suite.yaml'),
      render({ project: 'p', suite: 's', model: 'm', test: 't', run: {}, frames: 2, size: 16 }),
    );
    const picks = fc.sample(runFlags, { numRuns: 10, seed: 4242 });
    let refused = 0;
    let ran = 0;
    for (const [i, flags] of picks.entries()) {
      const art = path.join(dir, `art-${i}`);
      const argv = Object.entries(flags)
        .filter(([, v]) => v !== undefined)
        .flatMap(([k, v]) => [`${k}=${v}`]);
      const r = await runCli(['run', 'suite.yaml', '--no-progress', '--artifacts-dir', art, ...argv], {
        cwd: dir,
      });
      const output = `${r.stdout}\n${r.stderr}`;
      expect(output, argv.join(' ')).not.toMatch(/internal error/i);
      expect(hasStackTrace(output), output).toBe(false);
      expect([0, 1, 2], `${argv.join(' ')}\n${output}`).toContain(r.code);
      const wroteNothing = await fs.stat(art).then(
        () => false,
        () => true,
      );
      if (r.code === 1 && wroteNothing) {
        // Refused before anything was written: one `error:` line that names the flag's value or setting.
        expect(r.stderr, argv.join(' ')).toMatch(/^error: /m);
        const named = /option '(--[a-z-]+)/.exec(r.stderr)?.[1];
        if (named !== undefined) expect(Object.keys(flags)).toContain(named);
        refused++;
        continue;
      }
      if (r.code === 1) {
        const record = JSON.parse(await fs.readFile(await findRunJson(art), 'utf8')) as {
          samples: { error?: { code?: string } }[];
        };
        const codes = record.samples.map((s) => s.error?.code).filter((c) => c !== undefined);
        expect(codes.length, output).toBeGreaterThan(0);
        expect(codes).not.toContain('INTERNAL');
      }
      ran++;
    }
    // The fuzz mixes mostly-valid and hostile values: both paths must have been exercised.
    expect(refused, 'no fuzzed flag was refused').toBeGreaterThan(0);
    expect(ran, 'no fuzzed flag set ran to a verdict').toBeGreaterThan(0);
  }, 600_000);
});

async function findRunJson(root: string): Promise<string> {
  for (const e of await fs.readdir(root, { recursive: true, withFileTypes: true })) {
    if (e.isFile() && e.name === 'run.json') return path.join(e.parentPath, e.name);
  }
  throw new Error(`no run.json under ${root}`);
}
