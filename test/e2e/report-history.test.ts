import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_CHROMIUM, launchChromium, openFile } from '../support/browser.js';
import { runCli } from '../support/cli.js';
import { type Fixture, makeFixture, runIds, runSuiteCli } from '../support/report-fixture.js';

let f: Fixture;
let browser: Browser | undefined;
let ids: string[];

beforeAll(async () => {
  f = await makeFixture('tci-history-');
  // PASS, FAIL, PASS, FAIL: without --report, to keep it quick.
  for (const suite of [f.baseSuite, f.badSuite, f.baseSuite, f.badSuite]) {
    await runSuiteCli(f, suite, ['--no-report']);
  }
  ids = await runIds(f);
  // Browser checks need Debian's chromium (CI installs it); without it they are skipped (global-setup.ts says so).
  if (HAS_CHROMIUM) browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

const cli = (args: string[]) => runCli(args, { cwd: f.dir });

describe('history commands', () => {
  it.skipIf(!HAS_CHROMIUM)(
    'trend writes a page with the status strip, one SVG chart per metric, and the run table',
    async () => {
      const r = await cli(['trend', '--model-root', f.modelRoot]);
      expect(r.code, r.stderr).toBe(0);
      const { page, problems } = await openFile(browser!, path.join(f.modelRoot, 'trend.html'));
      expect(await page.textContent('#summary')).toContain('4 runs · 2 passed');
      expect(await page.locator('svg.status-strip').count()).toBe(1);
      expect(await page.locator('svg.line-chart').count()).toBe(4);
      expect(await page.locator('#h-runs + div tbody tr').count()).toBe(4);
      // The gated metrics first (issue 15: 27 flat sub-values came before them), in gate order.
      const titles = await page
        .locator('svg.line-chart')
        .evaluateAll((s) => s.map((x) => x.getAttribute('aria-label')));
      expect(titles.slice(0, 2)).toEqual(['vbench_temporal.score', 'vbench_temporal.dims.temporal_flicker']);
      // Each run row links to that run's report.html, beside trend.html in the model folder; newest first.
      const hrefs = await page
        .locator('#h-runs + div tbody tr td:first-child a')
        .evaluateAll((as) => as.map((a) => a.getAttribute('href')));
      expect(hrefs).toEqual([...ids].reverse().map((id) => `${id}/report.html`));
      expect(problems).toEqual([]);
      await page.close();
    },
  );

  it.skipIf(!HAS_CHROMIUM)(
    'compare exits 2 when the candidate regresses and 0 the other way; HTML opens cleanly',
    async () => {
      const worse = await cli(['compare', ids[0]!, ids[1]!, '--model-root', f.modelRoot]);
      expect(worse.code, worse.stderr).toBe(2);
      expect(worse.stdout).toContain('verdict: REGRESSED');
      expect(worse.stdout).toMatch(/vbench_temporal\.score: .* worse/);
      const better = await cli(['compare', ids[1]!, ids[2]!, '--model-root', f.modelRoot]);
      expect(better.code).toBe(0);
      const html = path.join(f.modelRoot, ids[1]!, `compare-${ids[0]}.html`);
      const { page, problems } = await openFile(browser!, html);
      expect(await page.textContent('#verdict')).toContain('REGRESSED');
      expect(problems).toEqual([]);
      await page.close();
    },
  );

  it('compare lists a metric that exists in only one run instead of crashing', async () => {
    const dir = path.join(f.modelRoot, ids[3]!);
    const file = path.join(dir, 'run.json');
    const rec = JSON.parse(await fs.readFile(file, 'utf8')) as { metrics: Record<string, unknown> };
    rec.metrics.extra_metric = { values: { score: 0.5 }, sample_count: 3 };
    await fs.writeFile(file, JSON.stringify(rec));
    const r = await cli(['compare', ids[2]!, ids[3]!, '--model-root', f.modelRoot]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toContain('extra_metric.score: only in candidate');
    const back = await cli(['compare', ids[3]!, ids[2]!, '--model-root', f.modelRoot]);
    expect(back.stdout).toContain('extra_metric.score: only in baseline');
  });

  it('history filters by status and date; status exits with the latest verdict', async () => {
    const fails = await cli(['history', '--model-root', f.modelRoot, '--status', 'FAIL', '--json']);
    expect((JSON.parse(fails.stdout) as { run_id: string }[]).map((r) => r.run_id)).toEqual([ids[1], ids[3]]);
    const future = await cli(['history', '--model-root', f.modelRoot, '--since', '2999-01-01', '--json']);
    expect(JSON.parse(future.stdout)).toEqual([]);
    expect((await cli(['status', '--model-root', f.modelRoot])).code).toBe(2);
  });

  it('export csv has one row per run and a column per metric; jsonl one run per line', async () => {
    const csv = await cli(['export', 'csv', '--model-root', f.modelRoot]);
    const lines = csv.stdout.trim().split('\n');
    expect(lines.length).toBe(5);
    expect(lines[0]).toContain('vbench_temporal.score');
    const jsonl = await cli(['export', 'jsonl', '--model-root', f.modelRoot]);
    const rows = jsonl.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows.map((r) => r.run_id)).toEqual(ids);
    expect(rows[0]!.samples).toBeUndefined();
  });

  it('annotate sets a note; badge writes an SVG', async () => {
    expect(
      (await cli(['annotate', '--model-root', f.modelRoot, '--run-id', ids[0]!, '--note', 'first run'])).code,
    ).toBe(0);
    const hist = JSON.parse((await cli(['history', '--model-root', f.modelRoot, '--json'])).stdout) as {
      note: string | null;
    }[];
    expect(hist[0]!.note).toBe('first run');
    expect(
      (await cli(['badge', '--model-root', f.modelRoot, '--metric', 'vbench_temporal.score'])).code,
    ).toBe(0);
    const svg = await fs.readFile(path.join(f.modelRoot, 'badge.svg'), 'utf8');
    expect(svg).toMatch(/^<svg [^>]*aria-label="TemporalCI vbench_temporal\.score: 0\.\d+ \(FAIL\)"/);
  });

  it('prune --keep-last 1 keeps tagged runs and the baseline, keeps index.json consistent; --dry-run deletes nothing', async () => {
    expect((await cli(['tag', 'set', 'golden', ids[0]!, '--model-root', f.modelRoot])).code).toBe(0);
    const dry = await cli(['prune', '--model-root', f.modelRoot, '--keep-last', '1', '--dry-run']);
    expect(dry.stdout).toContain(`would delete ${ids[1]}`);
    expect(await runIds(f)).toEqual(ids);
    const r = await cli(['prune', '--model-root', f.modelRoot, '--keep-last', '1']);
    expect(r.code, r.stderr).toBe(0);
    // ids[0] tagged; ids[2] latest PASS (and the baseline of ids[3]); ids[3] newest. ids[1] goes.
    expect(await runIds(f)).toEqual([ids[0], ids[2], ids[3]]);
    await expect(fs.access(path.join(f.modelRoot, ids[1]!))).rejects.toThrow();
    for (const id of [ids[0], ids[2], ids[3]]) await fs.access(path.join(f.modelRoot, id!, 'run.json'));
    // The next run still finds its latest_pass baseline.
    const next = await runSuiteCli(f, f.baseSuite, ['--json', '--no-report']);
    expect(
      (JSON.parse(next.stdout) as { runs: { baseline: { run_id: string } }[] }).runs[0]!.baseline.run_id,
    ).toBe(ids[2]);
  });
});
