import type { ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_CHROMIUM, launchChromium } from '../support/browser.js';
import { REPO_ROOT, runCli } from '../support/cli.js';
import { type Fixture, makeFixture, runIds, runSuiteCli } from '../support/report-fixture.js';
import { startViewer, stopViewer, until } from '../support/viewer.js';

/**
 * `temporalci view` from the built CLI, on a real artifacts folder (a clean baseline run and a degraded
 * candidate of the same mock model), driven by Debian's Chromium. TEMPORALCI_SCREENSHOTS=1 also writes
 * docs/img/viewer-*.png.
 */

let f: Fixture;
let server: ChildProcess;
let base: string; // http://127.0.0.1:<port>
let browser: Browser | undefined;
let candidateId: string;
let baselineId: string;
const problems: string[] = [];
const requests: string[] = [];
const SHOTS = process.env.TEMPORALCI_SCREENSHOTS === '1';

/** A GET with the path sent exactly as written (no client-side `..` normalisation). */
function rawGet(pathname: string): Promise<number> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: pathname, method: 'GET' }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

async function newPage(): Promise<Page> {
  const page = await browser!.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('requestfailed', (r) =>
    problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`),
  );
  page.on('request', (r) => requests.push(r.url()));
  return page;
}

// Browser-side code is passed as strings: the project compiles without the DOM lib. Videos: [baseline, candidate].
const GAP =
  "(() => { const [b, c] = document.querySelectorAll('video'); return Math.abs(b.currentTime - c.currentTime); })()";
const CAND_TIME = "document.querySelectorAll('video')[1].currentTime";
const SETTLED = "[...document.querySelectorAll('video')].every((v) => !v.seeking && v.readyState >= 2)";
const DIFF_SUM = `(() => {
  const c = document.getElementById('diff');
  if (!c || c.width <= 1) return 0;
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let sum = 0;
  for (let i = 0; i < d.length; i += 4) sum += d[i] + d[i + 1] + d[i + 2];
  return sum;
})()`;

/** The mean value of the difference canvas over R, G and B (after its gain); -1 before it is drawn. */
const DIFF_MEAN = `(() => {
  const c = document.getElementById('diff');
  if (!c || c.width <= 1) return -1;
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let sum = 0;
  for (let i = 0; i < d.length; i += 4) sum += d[i] + d[i + 1] + d[i + 2];
  return sum / (3 * (d.length / 4));
})()`;

/** Mean |difference| (0–255) of the wipe canvas against each video, left and right of the line. */
const WIPE_CHECK = `(() => {
  const w = document.getElementById('wipe');
  const [b, c] = document.querySelectorAll('video');
  const W = w.width, H = w.height, x = Math.round(Number(w.dataset.pos) * W);
  const s = document.createElement('canvas');
  s.width = W; s.height = H;
  const sc = s.getContext('2d', { willReadFrequently: true });
  const get = (src) => { sc.drawImage(src, 0, 0, W, H); return sc.getImageData(0, 0, W, H).data; };
  const wd = w.getContext('2d').getImageData(0, 0, W, H).data, bd = get(b), cd = get(c);
  const mad = (o, x0, x1) => {
    let sum = 0, n = 0;
    for (let y = 0; y < H; y++) for (let i = (y * W + x0) * 4; i < (y * W + x1) * 4; i += 4) {
      sum += Math.abs(wd[i] - o[i]) + Math.abs(wd[i + 1] - o[i + 1]) + Math.abs(wd[i + 2] - o[i + 2]);
      n += 3;
    }
    return n ? sum / n : -1;
  };
  return { leftVsCand: mad(cd, 0, x - 2), leftVsBase: mad(bd, 0, x - 2),
           rightVsBase: mad(bd, x + 2, W), rightVsCand: mad(cd, x + 2, W) };
})()`;

/** The first chart's cursor x and the x of its candidate point at the frame the page says it shows. */
const CURSOR_X = `(() => {
  const f = Number(document.getElementById('curves').dataset.frame);
  const svg = document.querySelector('#curves svg.curve');
  const pts = svg.querySelector('polyline.candidate').getAttribute('points').split(' ');
  return [Number(svg.querySelector('line.cursor').getAttribute('x1')), Number(pts[f].split(',')[0])];
})()`;

const runHash = (id: string) => `#/run/demo/report_e2e/m1/${id}`;

beforeAll(async () => {
  f = await makeFixture('tci-viewer-');
  expect((await runSuiteCli(f, f.baseSuite)).code).toBe(0);
  expect((await runSuiteCli(f, f.badSuite)).code).toBe(2);
  [baselineId, candidateId] = (await runIds(f)) as [string, string];
  const started = await startViewer(f.artifacts);
  server = started.child;
  base = started.url;
  if (HAS_CHROMIUM) browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await stopViewer(server);
});

describe('temporalci view', () => {
  it('answers 404 to a ".." path, raw or %-encoded, and to a run that does not exist', async () => {
    expect(await rawGet('/files/../../../../etc/passwd')).toBe(404);
    expect(await rawGet(`/files/demo/report_e2e/m1/${candidateId}/%2e%2e/%2e%2e/index.json`)).toBe(404);
    expect(await rawGet(`/files/demo/report_e2e/m1/${candidateId}/..%2f..%2f..%2f..%2fbase.yaml`)).toBe(404);
    expect(await rawGet('/api/runs/demo/report_e2e/m1/..')).toBe(404);
    expect(await rawGet('/api/runs/demo/report_e2e/m1/20990101T000000000Z-dead')).toBe(404);
  });

  it('refuses an artifacts folder that does not exist (exit 1, with a hint)', async () => {
    const r = await runCli(['view', '--artifacts-dir', path.join(f.dir, 'nowhere'), '--port', '0']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/artifacts folder .*nowhere does not exist/);
    expect(r.stderr).toContain('hint: pass --artifacts-dir');
  });

  it('serves a video with Range requests (206, Content-Range)', async () => {
    const run = (await (await fetch(`${base}/api/runs/demo/report_e2e/m1/${candidateId}`)).json()) as {
      samples: { video_url: string | null }[];
    };
    const url = run.samples.find((s) => s.video_url)!.video_url!;
    const r = await fetch(`${base}${url}`, { headers: { range: 'bytes=0-99' } });
    expect(r.status).toBe(206);
    expect(r.headers.get('content-range')).toMatch(/^bytes 0-99\/\d+$/);
    expect((await r.arrayBuffer()).byteLength).toBe(100);
  });

  it.skipIf(!HAS_CHROMIUM)('home lists the model with its latest status FAIL', async () => {
    const page = await newPage();
    await page.goto(`${base}/#/`);
    const row = page.locator('tr.model[data-model="m1"]');
    await row.waitFor();
    expect(await row.locator('.latest .badge').textContent()).toBe('FAIL');
    expect(await row.locator('.tick').count()).toBe(2);
    // The latest run's gated metrics, with their change vs the baseline the run's regression check recorded.
    const suites = (await (await fetch(`${base}/api/suites`)).json()) as {
      suites: { models: { gated: { metric: string; delta: number | null; passed: boolean }[] }[] }[];
    };
    const gated = suites.suites[0]!.models[0]!.gated;
    expect(gated.map((g) => g.metric)).toEqual([
      'vbench_temporal.score',
      'vbench_temporal.dims.temporal_flicker',
    ]);
    const score = gated[0]!;
    expect(score.delta).toBeLessThan(0); // the degraded candidate scores below its baseline
    const chip = row.locator('.chip[data-metric="vbench_temporal.score"]');
    expect(await chip.locator('.delta').textContent()).toMatch(/^ \(Δ -\d/);
    expect(await chip.getAttribute('class')).toContain(score.passed ? 'pass' : 'fail');
    if (SHOTS) await page.screenshot({ path: path.join(REPO_ROOT, 'docs/img/viewer-home.png') });
    await page.close();
  });

  it.skipIf(!HAS_CHROMIUM)(
    'run page: the worst prompt and seed above the fold, a sortable and filterable table of every sample',
    async () => {
      const api = (await (await fetch(`${base}/api/runs/demo/report_e2e/m1/${candidateId}`)).json()) as {
        worst: { prompt: string; seed: number }[];
      };
      const page = await newPage();
      await page.goto(`${base}/${runHash(candidateId)}`);
      const first = page.locator('#worst .worst-item').first();
      await first.waitFor();
      expect(await page.textContent('#verdict')).toContain('FAIL');
      const prompt = first.locator('.prompt');
      const seed = first.locator('.seed');
      expect(await prompt.textContent()).toBe(api.worst[0]!.prompt);
      expect(await seed.textContent()).toBe(`seed ${api.worst[0]!.seed}`);
      for (const el of [prompt, seed]) {
        const box = (await el.boundingBox())!;
        expect(box.y + box.height).toBeLessThanOrEqual(800);
      }
      // Hostile prompt text stays text.
      expect(await page.locator('ball').count()).toBe(0);
      expect(
        await page.locator('tr.sample td.prompt', { hasText: 'a red <ball> & "friends"' }).count(),
      ).toBeGreaterThan(0);
      if (SHOTS) await page.screenshot({ path: path.join(REPO_ROOT, 'docs/img/viewer-run.png') });

      const key = 'd:vbench_temporal.score';
      const column = async () => {
        const index = await page
          .locator('table.samples thead th')
          .evaluateAll(
            (ths, k) =>
              ths.findIndex((th) => (th as unknown as { dataset: { key: string } }).dataset.key === k),
            key,
          );
        return page
          .locator(`table.samples tbody tr td:nth-child(${index + 1})`)
          .evaluateAll((tds) =>
            tds.map((td) => Number((td as unknown as { dataset: { value: string } }).dataset.value)),
          );
      };
      const ids = () =>
        page
          .locator('table.samples tbody tr')
          .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-sample')));
      const before = await ids();
      expect(before.length).toBe(3);
      await page.click(`th[data-key="${key}"]`);
      const up = await column();
      expect(up).toEqual([...up].sort((a, b) => a - b));
      const upIds = await ids();
      await page.click(`th[data-key="${key}"]`);
      const down = await column();
      expect(down).toEqual([...up].sort((a, b) => b - a));
      expect(new Set(up).size).toBe(3); // three distinct deltas: the two orders differ
      expect(await ids()).not.toEqual(upIds);

      await page.fill('#sample-filter', 'waves');
      const kept = await page.locator('table.samples tbody tr td.prompt').allTextContents();
      expect(kept.length).toBeGreaterThan(0);
      expect(kept.length).toBeLessThan(3);
      for (const p of kept) expect(p).toContain('waves');
      await page.fill('#sample-filter', '');
      expect(await page.locator('table.samples tbody tr').count()).toBe(3);
      await page.close();
    },
  );

  it.skipIf(!HAS_CHROMIUM)(
    'sample page: both players stay within one frame through play, seek and frame-step; the difference is drawn',
    async () => {
      const page = await newPage();
      await page.goto(`${base}/${runHash(candidateId)}`);
      await page.locator('#worst .worst-item .prompt').first().click();
      await page.locator('video').nth(1).waitFor();
      await until(page, "[...document.querySelectorAll('video')].every((v) => v.readyState >= 2 || v.error)");
      const errors = await page.evaluate(
        "[...document.querySelectorAll('video')].map((v) => v.error && v.error.code)",
      );
      expect(errors).toEqual([null, null]);
      const fps = 6; // the suite's video.fps
      const gap = () => page.evaluate(GAP) as Promise<number>;
      const candTime = () => page.evaluate(CAND_TIME) as Promise<number>;
      const settled = () => until(page, SETTLED);

      await page.click('button.play');
      await until(page, `${CAND_TIME} > 0.3`);
      expect(await gap()).toBeLessThan(1 / fps);
      await page.keyboard.press(' '); // pause
      await settled();
      expect(await gap()).toBeLessThan(1 / fps);

      await page.locator('.controls input[type="range"]').fill('0.75');
      await settled();
      expect(await gap()).toBeLessThan(1 / fps);
      const at = await candTime();
      expect(at).toBeCloseTo(0.75, 1);

      await page.keyboard.press('ArrowRight');
      await settled();
      expect(await gap()).toBeLessThan(1 / fps);
      const next = await candTime();
      expect(Math.floor(next * fps)).toBe(Math.floor(at * fps) + 1);
      await page.keyboard.press('ArrowLeft');
      await settled();
      expect(await gap()).toBeLessThan(1 / fps);

      // A noisy candidate against a clean baseline: the difference canvas is not black.
      await until(page, `${DIFF_SUM} > 0`);
      if (SHOTS) await page.screenshot({ path: path.join(REPO_ROOT, 'docs/img/viewer-sample.png') });
      await page.close();
    },
  );

  it('measures per-frame curves of a sample from both kept videos (/frames)', async () => {
    const run = (await (await fetch(`${base}/api/runs/demo/report_e2e/m1/${candidateId}`)).json()) as {
      worst: { sample_id: string }[];
    };
    const url = `${base}/api/runs/demo/report_e2e/m1/${candidateId}/samples/${run.worst[0]!.sample_id}/frames`;
    const r = await fetch(url);
    expect(r.status).toBe(200);
    const data = (await r.json()) as {
      frames: number;
      series: { name: string; candidate: number[]; baseline: number[] }[];
      psnr: number[];
    };
    expect(data.frames).toBe(9); // the suite's num_frames
    expect(data.series.map((s) => s.name)).toEqual(['sharpness', 'colorfulness']);
    for (const s of data.series) {
      expect(s.candidate).toHaveLength(9);
      expect(s.baseline).toHaveLength(9);
      for (const v of [...s.candidate, ...s.baseline]) expect(Number.isFinite(v)).toBe(true);
    }
    // A noisy candidate: its frames are sharper (noise is high-frequency) and far from the baseline's.
    const sharp = data.series[0]!;
    expect(sharp.candidate.every((v, i) => v > sharp.baseline[i]!)).toBe(true);
    expect(data.psnr).toHaveLength(9);
    for (const v of data.psnr) expect(v).toBeLessThan(40);
    expect((await fetch(`${url.replace(/\/frames$/, '')}x/frames`)).status).toBe(404);
  });

  it.skipIf(!HAS_CHROMIUM)(
    'sample page: the wipe shows the candidate left of the dragged line and the baseline right; the curves cursor follows the frame',
    async () => {
      const page = await newPage();
      await page.goto(`${base}/${runHash(candidateId)}`);
      await page.locator('#worst .worst-item .prompt').first().click();
      await page.locator('#curves svg.curve').first().waitFor();
      expect(await page.locator('#curves svg.curve').count()).toBe(3);
      await until(page, "document.getElementById('wipe').width > 1");
      await until(page, SETTLED);
      const fps = 6;

      const canvas = page.locator('#wipe');
      expect(await canvas.getAttribute('data-pos')).toBe('0.500');
      await canvas.scrollIntoViewIfNeeded();
      const box = (await canvas.boundingBox())!;
      const y = box.y + box.height / 2;
      await page.mouse.move(box.x + box.width / 2, y);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * 0.3, y, { steps: 4 });
      await page.mouse.up();
      expect(Number(await canvas.getAttribute('data-pos'))).toBeCloseTo(0.3, 1);
      expect(Number(await page.inputValue('#wipe-pos'))).toBeCloseTo(0.3, 1);
      const m = (await page.evaluate(WIPE_CHECK)) as Record<string, number>;
      expect(m.leftVsCand).toBeLessThan(1);
      expect(m.rightVsBase).toBeLessThan(1);
      expect(m.leftVsBase).toBeGreaterThan(m.leftVsCand! + 5);
      expect(m.rightVsCand).toBeGreaterThan(m.rightVsBase! + 5);

      for (const key of ['ArrowRight', 'ArrowRight', 'ArrowRight']) {
        await page.keyboard.press(key);
        await until(page, SETTLED);
        const frame = Math.floor(((await page.evaluate(CAND_TIME)) as number) * fps);
        await until(page, `document.getElementById('curves').dataset.frame === '${frame}'`);
        const [x1, pointX] = (await page.evaluate(CURSOR_X)) as [number, number];
        expect(x1).toBeCloseTo(pointX, 0);
      }
      if (SHOTS)
        await page.screenshot({
          path: path.join(REPO_ROOT, 'docs/img/viewer-sample-wipe.png'),
          fullPage: true,
        });
      await page.close();
    },
  );

  it('compares any two runs: ?vs=<run> takes the deltas against that run; an unknown one is a 404', async () => {
    type View = {
      baseline: { run_id: string; mode: string };
      samples: { sample_id: string; deltas: Record<string, number | null> }[];
    };
    const get = async (u: string) => (await (await fetch(`${base}${u}`)).json()) as View;
    const forward = await get(`/api/runs/demo/report_e2e/m1/${candidateId}`);
    const reverse = await get(`/api/runs/demo/report_e2e/m1/${baselineId}?vs=${candidateId}`);
    expect(reverse.baseline).toMatchObject({ run_id: candidateId, mode: 'compare' });
    const key = 'vbench_temporal.score';
    for (const s of forward.samples) {
      const r = reverse.samples.find((x) => x.sample_id === s.sample_id)!;
      expect(r.deltas[key]).toBeCloseTo(-s.deltas[key]!, 9);
      expect(s.deltas[key]).not.toBe(0);
    }
    expect(
      (await fetch(`${base}/api/runs/demo/report_e2e/m1/${baselineId}?vs=20990101T000000000Z-dead`)).status,
    ).toBe(404);
  });

  it.skipIf(!HAS_CHROMIUM)(
    "compare page: picking another run shows the deltas against it, and a sample opens both runs' videos",
    async () => {
      const page = await newPage();
      await page.goto(`${base}/${runHash(baselineId)}`);
      await page.locator('#compare-with').waitFor();
      expect(await page.locator('table.samples th[data-key^="d:"]').count()).toBe(0); // no baseline of its own
      await page.selectOption('#compare-with', candidateId);
      await page.waitForURL(`**/#/compare/demo/report_e2e/m1/${candidateId}/${baselineId}`);
      const th = page.locator('table.samples th[data-key="d:vbench_temporal.score"]');
      await th.waitFor();
      expect(await page.textContent('#verdict')).toContain(`compared with ${candidateId}`);
      const forward = (await (await fetch(`${base}/api/runs/demo/report_e2e/m1/${candidateId}`)).json()) as {
        samples: { sample_id: string; deltas: Record<string, number> }[];
      };
      const row = page.locator('table.samples tbody tr').first();
      const id = (await row.getAttribute('data-sample'))!;
      const index = await page
        .locator('table.samples thead th')
        .evaluateAll((ths) => ths.findIndex((t) => t.getAttribute('data-key') === 'd:vbench_temporal.score'));
      const shown = Number(await row.locator(`td:nth-child(${index + 1})`).getAttribute('data-value'));
      const want = forward.samples.find((s) => s.sample_id === id)!.deltas['vbench_temporal.score']!;
      expect(shown).toBeCloseTo(-want, 9);

      await row.locator('td.prompt a').click();
      await page.waitForURL(`**/#/pair/demo/report_e2e/m1/${candidateId}/${baselineId}/${id}`);
      await page.locator('video').nth(1).waitFor();
      const srcs = (await page.evaluate(
        "[...document.querySelectorAll('video')].map((v) => v.src)",
      )) as string[];
      expect(srcs[0]).toContain(`/${candidateId}/`);
      expect(srcs[1]).toContain(`/${baselineId}/`);
      await until(page, "[...document.querySelectorAll('video')].every((v) => v.readyState >= 2)");
      await page.close();
    },
  );

  it.skipIf(!HAS_CHROMIUM)(
    'trend page: the gated metrics by default, the others behind the toggle, each point opens its run',
    async () => {
      const page = await newPage();
      await page.goto(`${base}/#/`);
      await page.locator('tr.model[data-model="m1"] a.trend-link').click();
      await page.waitForURL('**/#/trend/demo/report_e2e/m1');
      const gated = page.locator('#trend-gated figure.trend-fig');
      await gated.first().waitFor();
      expect(await gated.evaluateAll((fs) => fs.map((f) => f.getAttribute('data-path')))).toEqual([
        'vbench_temporal.score',
        'vbench_temporal.dims.temporal_flicker',
      ]);
      const others = page.locator('#trend-others figure.trend-fig');
      expect(await others.count()).toBeGreaterThan(0);
      expect(await others.first().isVisible()).toBe(false);
      await page.check('#show-ungated');
      expect(await others.first().isVisible()).toBe(true);
      const points = page.locator('#trend-gated figure.trend-fig').first().locator('a.point');
      expect(await points.evaluateAll((as) => as.map((a) => a.getAttribute('data-run')))).toEqual([
        baselineId,
        candidateId,
      ]);
      // docs/img/viewer-trend.png comes from viewer-charts.test.ts: a trend with a change point.
      await points.nth(1).locator('circle').click();
      await page.waitForURL(`**/${runHash(candidateId)}`);
      await page.locator('#verdict').waitFor();

      await page.goto(`${base}/#/matrix/demo/report_e2e`);
      const row = page.locator('#matrix tr[data-model="m1"]');
      await row.waitFor();
      expect(await row.locator('.badge').textContent()).toBe('FAIL');
      expect(await page.locator('#matrix thead th').allTextContents()).toEqual([
        'model',
        'status',
        'vbench_temporal.score >= 0.9',
        'vbench_temporal.dims.temporal_flicker >= 0.985',
      ]);
      expect(await row.locator('td.fail').count()).toBeGreaterThan(0);
      if (SHOTS) await page.screenshot({ path: path.join(REPO_ROOT, 'docs/img/viewer-matrix.png') });
      await page.close();
    },
  );

  it.skipIf(!HAS_CHROMIUM)('logged no console error and made no request off 127.0.0.1', () => {
    expect(problems).toEqual([]);
    expect(requests.length).toBeGreaterThan(0);
    for (const r of requests) expect(r.startsWith(`${base}/`) || r.startsWith('data:'), r).toBe(true);
  });

  it.skipIf(!HAS_CHROMIUM)(
    'draws a near-black difference for a candidate identical to its baseline',
    async () => {
      // A clean run again: the mock model is deterministic, so its videos match the first run's.
      expect((await runSuiteCli(f, f.baseSuite)).code).toBe(0);
      const again = (await runIds(f)).at(-1)!;
      const view = (await (await fetch(`${base}/api/runs/demo/report_e2e/m1/${again}`)).json()) as {
        baseline: { run_id: string };
        samples: { sample_id: string; video_url: string | null }[];
      };
      expect(view.baseline.run_id).not.toBe(candidateId); // its baseline is the clean first run
      const sample = view.samples.find((s) => s.video_url)!;
      const page = await browser!.newPage();
      await page.goto(`${base}/#/sample/demo/report_e2e/m1/${again}/${sample.sample_id}`);
      await until(page, `${DIFF_MEAN} >= 0`);
      // Re-encoding may leave a stray low value; a noisy candidate lights up most of the frame.
      expect(await page.evaluate(DIFF_MEAN)).toBeLessThan(255 * 0.05);
      await page.close();
    },
  );

  it.skipIf(!HAS_CHROMIUM)('shows a clear page for a corrupt run.json, and keeps serving', async () => {
    const bad = '20990101T000000000Z-bad0';
    await fs.mkdir(path.join(f.modelRoot, bad));
    await fs.writeFile(path.join(f.modelRoot, bad, 'run.json'), '{"schema_version": 1, "run_id": ');
    const page = await browser!.newPage();
    await page.goto(`${base}/${runHash(bad)}`);
    const panel = page.locator('.error-panel');
    await panel.waitFor();
    expect(await panel.textContent()).toContain('STORE_CORRUPT');
    expect(await rawGet('/api/suites')).toBe(200);
    await page.close();
  });
});

describe('temporalci view on a damaged artifacts folder', () => {
  it.skipIf(!HAS_CHROMIUM)(
    'a run whose run.json was deleted: a clear page for the run, the home and trend pages still drawn',
    async () => {
      // A third run, then its record removed behind the index's back.
      expect((await runSuiteCli(f, f.baseSuite)).code).toBe(0);
      const gone = (await runIds(f)).at(-1)!;
      await fs.rm(path.join(f.modelRoot, gone, 'run.json'));
      const before = problems.length;
      const page = await newPage();
      await page.goto(`${base}/${runHash(gone)}`);
      const panel = page.locator('.error-panel');
      await panel.waitFor();
      expect(await panel.textContent()).toMatch(/RUN_NOT_FOUND|not found/i);
      await page.goto(`${base}/#/`);
      await page.locator('tr.model[data-model="m1"]').waitFor();
      await page.goto(`${base}/#/trend/demo/report_e2e/m1`);
      await page.locator('#trend-gated figure.trend-fig').first().waitFor();
      expect((await fetch(`${base}/api/runs/demo/report_e2e/m1/${gone}`)).status).toBe(404);
      // The page's own fetch of the missing run is the only error it logs.
      expect(problems.slice(before).filter((p) => !p.includes('404'))).toEqual([]);
      await page.close();
    },
  );

  it.skipIf(!HAS_CHROMIUM)(
    'a deleted video: the sample page says it is gone instead of a broken player; /files and /frames answer 404',
    async () => {
      const view = (await (await fetch(`${base}/api/runs/demo/report_e2e/m1/${candidateId}`)).json()) as {
        worst: { sample_id: string }[];
        samples: { sample_id: string; video_url: string | null }[];
      };
      const id = view.worst[0]!.sample_id;
      const url = view.samples.find((s) => s.sample_id === id)!.video_url!;
      const rec = JSON.parse(await fs.readFile(path.join(f.modelRoot, candidateId, 'run.json'), 'utf8')) as {
        samples: { sample_id: string; video_path: string }[];
      };
      const file = path.join(
        f.modelRoot,
        candidateId,
        rec.samples.find((s) => s.sample_id === id)!.video_path,
      );
      await fs.rm(file);
      expect((await fetch(`${base}${url}`)).status).toBe(404);
      const api = `${base}/api/runs/demo/report_e2e/m1/${candidateId}/samples/${id}`;
      expect((await fetch(`${api}/frames`)).status).toBe(404);
      const sample = (await (await fetch(api)).json()) as {
        sample: { video_url: string | null };
        video_missing: string;
      };
      expect(sample.sample.video_url).toBeNull();
      expect(sample.video_missing).toContain('gone from the artifacts folder');

      const before = problems.length;
      const page = await newPage();
      await page.goto(`${base}/#/sample/demo/report_e2e/m1/${candidateId}/${id}`);
      const missing = page.locator('.pane .missing');
      await missing.waitFor();
      expect(await missing.textContent()).toBe(
        `the video of run ${candidateId} is gone from the artifacts folder`,
      );
      // The baseline's video is still shown; no player points at the deleted file.
      const srcs = (await page.evaluate(
        "[...document.querySelectorAll('video')].map((v) => v.src)",
      )) as string[];
      expect(srcs).toHaveLength(1);
      expect(srcs[0]).toContain(`/${baselineId}/`);
      expect(problems.slice(before)).toEqual([]);
      expect(await rawGet('/api/suites')).toBe(200);
      await page.close();
    },
  );
});
