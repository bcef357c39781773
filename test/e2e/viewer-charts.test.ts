import type { ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_CHROMIUM, launchChromium } from '../support/browser.js';
import { REPO_ROOT, tempDir } from '../support/cli.js';
import { startViewer, stopViewer, until } from '../support/viewer.js';
import { cli, sprtSuite } from './sprt-helpers.js';

/**
 * The viewer's charts on a real artifacts folder: a model gated by sprt_regression, run by the built CLI
 * on the mock model — a bootstrap baseline, three clean candidates, then four degraded ones (grain and
 * held frames), each stopped by the SPRT after two waves. The run page's SPRT trace and the trend page's
 * change point are read back from the SVG the browser drew and checked against the API's numbers.
 * TEMPORALCI_SCREENSHOTS=1 also writes docs/img/viewer-sprt.png and docs/img/viewer-trend.png.
 */

let dir: string;
let art: string;
let server: ChildProcess | undefined;
let base: string;
let browser: Browser | undefined;
let ids: string[] = [];
const problems: string[] = [];
const SHOTS = process.env.TEMPORALCI_SCREENSHOTS === '1';
const CLEAN = 4; // the bootstrap baseline and three clean candidates, then DEGRADED degraded ones
const DEGRADED = 4;
const MODEL = 'p/sprt/m';

async function run(suite: string, ...flags: string[]): Promise<void> {
  const r = await cli(['run', path.join(dir, suite), '--artifacts-dir', art, '--no-progress', ...flags]);
  expect([0, 2], r.stdout + r.stderr).toContain(r.code);
}

beforeAll(async () => {
  dir = await tempDir('tci-viewer-charts-');
  art = path.join(dir, 'artifacts');
  // The gate's target (>= 0.1) is a sanity floor far below the values (about 0.99).
  const suite = sprtSuite({});
  await fs.writeFile(path.join(dir, 'clean.yaml'), suite);
  await fs.writeFile(
    path.join(dir, 'bad.yaml'),
    suite.replace('params: {}', 'params: { noise: 12, judder: 2 }'),
  );
  await run('clean.yaml', '--baseline-mode', 'none', '--tag', 'base');
  for (let i = 1; i < CLEAN; i++) await run('clean.yaml', '--baseline-mode', 'tag:base');
  for (let i = 0; i < DEGRADED; i++) await run('bad.yaml', '--baseline-mode', 'tag:base');
  const index = JSON.parse(await fs.readFile(path.join(art, 'p', 'sprt', 'm', 'index.json'), 'utf8')) as {
    runs: { run_id: string }[];
  };
  ids = index.runs.map((r) => r.run_id);
  expect(ids).toHaveLength(CLEAN + DEGRADED);
  const started = await startViewer(art);
  server = started.child;
  base = started.url;
  if (HAS_CHROMIUM) browser = await launchChromium();
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await stopViewer(server);
  await fs.rm(dir, { recursive: true, force: true });
});

async function newPage(): Promise<Page> {
  const page = await browser!.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  return page;
}

interface Trace {
  metric: string;
  decision: string;
  upper: number;
  lower: number;
  looks: { wave: number; n: number; llr: number }[];
}

// Browser-side code is passed as strings: the project compiles without the DOM lib.
/** What the SPRT chart drew: the y of the zero line and both boundaries, and each wave's dot. */
const SPRT_DRAWN = `(() => {
  const svg = document.querySelector('#sprt svg.sprt-chart');
  const y = (sel) => Number(svg.querySelector(sel).getAttribute('y1'));
  return {
    metric: svg.getAttribute('data-metric'),
    zero: y('line.zero'), upper: y('line.bound.upper'), lower: y('line.bound.lower'),
    labels: [...svg.querySelectorAll('text.bound-label')].map((t) => t.textContent),
    dots: [...svg.querySelectorAll('circle.wave')].map((c) => ({
      wave: Number(c.getAttribute('data-wave')), x: Number(c.getAttribute('cx')), y: Number(c.getAttribute('cy')),
    })),
    rows: [...document.querySelectorAll('#sprt table.sprt-waves tbody tr')].map((tr) => tr.textContent),
    caption: document.querySelector('#sprt figcaption').textContent,
  };
})()`;

interface Drawn {
  metric: string;
  zero: number;
  upper: number;
  lower: number;
  labels: string[];
  dots: { wave: number; x: number; y: number }[];
  rows: string[];
  caption: string;
}

async function sprtOf(page: Page, runId: string): Promise<{ api: Trace; drawn: Drawn }> {
  const view = (await (await fetch(`${base}/api/runs/${MODEL}/${runId}`)).json()) as { sprt: Trace[] };
  expect(view.sprt).toHaveLength(1);
  await page.goto(`${base}/#/run/${MODEL}/${runId}`);
  await page.locator('#sprt svg.sprt-chart circle.wave').first().waitFor();
  return { api: view.sprt[0]!, drawn: (await page.evaluate(SPRT_DRAWN)) as Drawn };
}

/** One scale for every value the chart drew: (y − y₀) / value is the same for the bounds and each wave. */
function expectOneScale(api: Trace, d: Drawn): void {
  const k = (d.upper - d.zero) / api.upper;
  expect(k).toBeLessThan(0); // SVG y grows downwards: a positive LLR is drawn above the zero line
  expect((d.lower - d.zero) / api.lower).toBeCloseTo(k, 1);
  for (const [i, l] of api.looks.entries()) expect((d.dots[i]!.y - d.zero) / l.llr).toBeCloseTo(k, 1);
}

describe('temporalci view: SPRT trace and trend charts (built CLI, Chromium)', () => {
  it.skipIf(!HAS_CHROMIUM)(
    "run page: a degraded run's SPRT trace draws the LLR of each wave falling through the lower boundary",
    async () => {
      const page = await newPage();
      const { api, drawn } = await sprtOf(page, ids.at(-1)!);
      expect(api.decision).toBe('accept_h0_regression');
      expect(api.looks.map((l) => l.wave)).toEqual([1, 2]);
      expect(drawn.metric).toBe('vbench_temporal.dims.motion_smoothness');
      expect(drawn.dots.map((d) => d.wave)).toEqual([1, 2]);
      expect(drawn.dots[1]!.x).toBeGreaterThan(drawn.dots[0]!.x); // pairs grow left to right
      // Boundaries in place: upper above zero, lower below it; the last wave ends below the lower one.
      expect(drawn.upper).toBeLessThan(drawn.zero);
      expect(drawn.lower).toBeGreaterThan(drawn.zero);
      expect(drawn.dots.at(-1)!.y).toBeGreaterThan(drawn.lower);
      expectOneScale(api, drawn);
      // Each boundary is named on the chart, so the reader knows which side means what.
      expect(drawn.labels).toHaveLength(2);
      expect(drawn.labels.some((t) => /no regression/.test(t))).toBe(true);
      expect(drawn.labels.some((t) => /^regression/.test(t))).toBe(true);
      expect(drawn.caption).toContain('accept_h0_regression');
      expect(drawn.caption).toContain(`8 of 16 pairs`);
      expect(drawn.rows).toHaveLength(2);
      if (SHOTS)
        await page.locator('#sprt').screenshot({ path: path.join(REPO_ROOT, 'docs/img/viewer-sprt.png') });
      await page.close();
    },
  );

  it.skipIf(!HAS_CHROMIUM)(
    "run page: a clean run's SPRT trace rises through the upper boundary",
    async () => {
      const page = await newPage();
      const { api, drawn } = await sprtOf(page, ids[CLEAN - 1]!);
      expect(api.decision).toBe('accept_h1_no_regression');
      expect(drawn.dots.at(-1)!.y).toBeLessThan(drawn.upper);
      expectOneScale(api, drawn);
      // The bootstrap baseline has nothing to trace: the section says so rather than drawing a flat line.
      await page.goto(`${base}/#/run/${MODEL}/${ids[0]}`);
      await page.locator('#verdict').waitFor();
      await page.locator('#sprt .sprt-untested').waitFor();
      expect(await page.locator('#sprt svg.sprt-chart').count()).toBe(0);
      expect(await page.textContent('#sprt .sprt-untested')).toBe(
        'No baseline to pair with (bootstrap): no wave was tested.',
      );
      await page.close();
    },
  );

  it.skipIf(!HAS_CHROMIUM)(
    'trend page: gated metric only by default, the change point marked between the last clean run and the first degraded one, each point linking to its run',
    async () => {
      const page = await newPage();
      await page.goto(`${base}/#/trend/${MODEL}`);
      const gated = page.locator('#trend-gated figure.trend-fig');
      await gated.first().waitFor();
      expect(await gated.evaluateAll((fs) => fs.map((f) => f.getAttribute('data-path')))).toEqual([
        'vbench_temporal.dims.motion_smoothness',
      ]);
      const others = page.locator('#trend-others figure.trend-fig');
      expect(await others.evaluateAll((fs) => fs.map((f) => f.getAttribute('data-path')))).toEqual([
        'vbench_temporal.score',
      ]);
      expect(await others.first().isVisible()).toBe(false);

      const chart = gated.first();
      const points = chart.locator('a.point');
      expect(await points.evaluateAll((as) => as.map((a) => a.getAttribute('href')))).toEqual(
        ids.map((id) => `#/run/${MODEL}/${id}`),
      );
      // The change point: one dashed line, between the dots of the last clean run and the first degraded one.
      const cp = chart.locator('line.changepoint');
      expect(await cp.count()).toBe(1);
      expect(await cp.getAttribute('data-run')).toBe(ids[CLEAN]);
      const cx = Number(await cp.getAttribute('x1'));
      const dotX = (i: number) => points.nth(i).locator('circle').getAttribute('cx').then(Number);
      expect(cx).toBeGreaterThan(await dotX(CLEAN - 1));
      expect(cx).toBeLessThan(await dotX(CLEAN));
      // The values are drawn where they are: the degraded runs below the clean ones, both inside the chart.
      const dotY = (i: number) => points.nth(i).locator('circle').getAttribute('cy').then(Number);
      const [cleanY, badY] = [await dotY(0), await dotY(ids.length - 1)];
      // A 2.7 % drop is drawn tall: the far target is named in the caption, not put on the chart's scale.
      expect(badY - cleanY).toBeGreaterThan(40);
      expect(await chart.locator('line.target').count()).toBe(0);
      expect(await chart.locator('figcaption').textContent()).toContain('target 0.1 (below the chart)');
      const listed = chart.locator('ul.changepoints li');
      expect(await listed.count()).toBe(1);
      expect(await listed.textContent()).toMatch(/change at .+: 0\.99\d* → 0\.96\d* \(-2\.\d %\)/);
      if (SHOTS) await page.screenshot({ path: path.join(REPO_ROOT, 'docs/img/viewer-trend.png') });

      await page.check('#show-ungated');
      expect(await others.first().isVisible()).toBe(true);
      // The change point's link opens the first degraded run.
      await listed.locator('a').click();
      await page.waitForURL(`**/#/run/${MODEL}/${ids[CLEAN]}`);
      await page.locator('#verdict').waitFor();
      // And a point opens its own run.
      await page.goBack();
      await points.nth(1).locator('circle').click();
      await page.waitForURL(`**/#/run/${MODEL}/${ids[1]}`);
      await until(page, "document.getElementById('verdict') !== null");
      await page.close();
    },
  );

  it.skipIf(!HAS_CHROMIUM)('logged no console error', () => {
    expect(problems).toEqual([]);
  });
});
