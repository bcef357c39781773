import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_CHROMIUM, launchChromium, openFile } from '../support/browser.js';
import { type CliResult, hasStackTrace, runCli, tempDir } from '../support/cli.js';

/**
 * Suite-level outputs: `status --suite-root` over every model of a suite folder, and the suite's index.html
 * rewritten after each run. Three mock models: one passes, one fails its gates (noise and judder), one errors
 * (every generation fails).
 */

const SUITE = `version: 1
project: demo
suite_name: suite_e2e
models:
  - name: good
    adapter: mock
    params: {}
  - name: bad
    adapter: mock
    params: { noise: 12, judder: 2 }
  - name: broken
    adapter: mock
    params: { fail_rate: 1 }
tests:
  - id: t1
    prompts: ["waves on a beach", "a red ball"]
    seeds: [0]
    video: { num_frames: 9, fps: 6, resolution: 96 }
metrics:
  - name: vbench_temporal
    params: { dims: ["temporal_flicker", "motion_smoothness"] }
gates:
  - metric: vbench_temporal.score
    op: ">="
    value: 0.9
  - metric: vbench_temporal.dims.temporal_flicker
    op: ">="
    value: 0.985
`;

const NOTE = '<script>alert("x")</script> & more';

let dir: string;
let artifacts: string;
let suiteRoot: string;
let browser: Browser | undefined;

const cli = (args: string[]): Promise<CliResult> => runCli(args, { cwd: dir });
const run = (...models: string[]) =>
  cli([
    ...['run', 'suite.yaml', '--artifacts-dir', artifacts, '--no-progress'],
    ...models.flatMap((m) => ['--include-model', m]),
  ]);

interface SuiteStatusJson {
  exit_code: number;
  models: {
    model: string;
    runs: number;
    latest: { status: string; run_id: string } | null;
    strip: string[];
  }[];
}

async function suiteStatus(): Promise<{ r: CliResult; json: SuiteStatusJson }> {
  const r = await cli(['status', '--suite-root', suiteRoot, '--json']);
  expect(r.stderr).not.toSatisfy(hasStackTrace);
  return { r, json: JSON.parse(r.stdout) as SuiteStatusJson };
}

beforeAll(async () => {
  dir = await tempDir('tci-suite-status-');
  artifacts = path.join(dir, 'artifacts');
  suiteRoot = path.join(artifacts, 'demo', 'suite_e2e');
  await fs.writeFile(path.join(dir, 'suite.yaml'), SUITE);
  if (HAS_CHROMIUM) browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('status --suite-root', () => {
  it('exits 0 when every latest run passed, 2 when one failed, 1 when one errored', async () => {
    expect((await run('good')).code).toBe(0);
    const pass = await suiteStatus();
    expect(pass.r.code).toBe(0);
    expect(pass.json.models.map((m) => [m.model, m.latest?.status])).toEqual([['good', 'PASS']]);

    expect((await run('bad')).code).toBe(2);
    const fail = await suiteStatus();
    expect(fail.r.code).toBe(2);
    expect(fail.json.exit_code).toBe(2);

    // A note on the passing run, to see it escaped in index.html (rewritten by the next run).
    const goodRun = pass.json.models[0]!.latest!.run_id;
    const annotated = await cli([
      ...['annotate', '--model-root', path.join(suiteRoot, 'good'), '--run-id', goodRun, '--note', NOTE],
    ]);
    expect(annotated.code, annotated.stderr).toBe(0);

    expect((await run('broken')).code).toBe(1);
    const error = await suiteStatus();
    expect(error.r.code).toBe(1);
    expect(error.json.models.map((m) => [m.model, m.runs, m.latest?.status])).toEqual([
      ['bad', 1, 'FAIL'],
      ['broken', 1, 'ERROR'],
      ['good', 1, 'PASS'],
    ]);

    // The text table: one row per model with its latest status.
    const text = await cli(['status', '--suite-root', suiteRoot]);
    expect(text.code).toBe(1);
    const row = (model: string) => text.stdout.split('\n').find((l) => l.startsWith(`${model} `)) ?? '';
    expect(row('good')).toMatch(/\bPASS\b/);
    expect(row('bad')).toMatch(/\bFAIL\b/);
    expect(row('broken')).toMatch(/\bERROR\b/);

    // A model folder whose history is empty has no verdict to rely on: exit 1 even if the others pass.
    const empty = path.join(dir, 'empty-suite');
    await fs.mkdir(path.join(empty, 'm'), { recursive: true });
    await fs.writeFile(path.join(empty, 'm', 'index.json'), JSON.stringify({ schema_version: 1, runs: [] }));
    const none = await cli(['status', '--suite-root', empty]);
    expect(none.code).toBe(1);
    expect(none.stdout).toMatch(/^m .*NO RUNS/m);
  }, 180_000);

  it('is a usage error with both or neither root, and an error for a missing folder', async () => {
    expect((await cli(['status'])).code).toBe(1);
    const missing = await cli(['status', '--suite-root', path.join(dir, 'nope')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('does not exist');
    expect(missing.stderr).not.toSatisfy(hasStackTrace);
  });
});

describe('suite index.html', () => {
  it('has a card per model with its latest status, a strip and working links; text is escaped', async () => {
    const html = await fs.readFile(path.join(suiteRoot, 'index.html'), 'utf8');
    for (const [model, status] of [
      ['good', 'PASS'],
      ['bad', 'FAIL'],
      ['broken', 'ERROR'],
    ] as const) {
      const start = html.indexOf(`<article class="card model" id="model-${model}"`);
      expect(start).toBeGreaterThan(-1);
      const card = html.slice(start, html.indexOf('</article>', start));
      expect(card).toContain(`${status}</span>`);
      expect(card).toContain('class="chart status-strip"');
      // Every link of the card points at a file that exists.
      const hrefs = [...card.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!);
      expect(hrefs).toContain(`${model}/trend.html`);
      for (const href of hrefs) await fs.access(path.join(suiteRoot, decodeURIComponent(href)));
    }
    expect(html).toMatch(/href="good\/[^"/]+\/report\.html"/);
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more');
  });

  it.skipIf(!HAS_CHROMIUM)('opens in Chromium without console errors', async () => {
    const { page, problems } = await openFile(browser!, path.join(suiteRoot, 'index.html'));
    expect(await page.locator('article.model').count()).toBe(3);
    expect(await page.locator('svg.status-strip').count()).toBe(3);
    expect(await page.getByRole('heading', { level: 2, name: /good/ }).count()).toBe(1);
    expect(await page.locator('#summary').textContent()).toContain('1 PASS, 1 FAIL, 1 ERROR or INTERRUPTED');
    expect(problems).toEqual([]);
    await page.close();
  });
});
