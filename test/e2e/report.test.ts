import { promises as fs } from 'node:fs';
import path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_CHROMIUM, launchChromium, openFile, videoStates } from '../support/browser.js';
import type { CliResult } from '../support/cli.js';
import { type Fixture, makeFixture, runIds, runSuiteCli } from '../support/report-fixture.js';

let f: Fixture;
let browser: Browser | undefined;
let candidate: CliResult;
let baselineId: string;
let candidateId: string;
let summaryFile: string;
let junitFile: string;

beforeAll(async () => {
  f = await makeFixture('tci-report-');
  summaryFile = path.join(f.dir, 'step-summary.md');
  junitFile = path.join(f.dir, 'out', 'junit.xml');
  const base = await runSuiteCli(f, f.baseSuite);
  expect(base.code, base.stderr).toBe(0);
  await fs.writeFile(summaryFile, '# earlier step\n');
  const links = ['--report-url', 'https://ci.example/art', '--viewer-url', 'http://127.0.0.1:8790/'];
  candidate = await runSuiteCli(f, f.badSuite, ['--junit', junitFile, ...links], {
    GITHUB_ACTIONS: 'true',
    GITHUB_STEP_SUMMARY: summaryFile,
  });
  [baselineId, candidateId] = (await runIds(f)) as [string, string];
  // Browser checks need Debian's chromium (CI installs it); without it they are skipped (global-setup.ts says so).
  if (HAS_CHROMIUM) browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

describe('report.html of a degraded run', () => {
  it('fails the run (exit 2) and writes the report into the run folder', async () => {
    expect(candidate.code, candidate.stderr).toBe(2);
    await fs.access(path.join(f.modelRoot, candidateId, 'report.html'));
  });

  it.skipIf(!HAS_CHROMIUM)(
    'opens in Chromium with the verdict, SVG charts and every video playable, without console errors',
    async () => {
      const { page, problems } = await openFile(browser!, path.join(f.modelRoot, candidateId, 'report.html'));
      expect(await page.textContent('#verdict')).toContain('FAIL');
      expect(await page.locator('svg.distribution').count()).toBeGreaterThan(0);
      const states = await videoStates(page);
      expect(states.length).toBe(6); // 3 worst samples × (baseline + candidate)
      for (const s of states) expect(s, JSON.stringify(s)).toMatchObject({ error: null });
      for (const s of states) expect(s.readyState).toBeGreaterThanOrEqual(2);
      expect(problems).toEqual([]);
      await page.close();
    },
  );

  it.skipIf(!HAS_CHROMIUM)(
    'names the worst prompt and seed under the verdict, above the fold at 1280×800, linked to its card',
    async () => {
      const { page } = await openFile(browser!, path.join(f.modelRoot, candidateId, 'report.html'));
      await page.setViewportSize({ width: 1280, height: 800 });
      const rec = JSON.parse(await fs.readFile(path.join(f.modelRoot, candidateId, 'run.json'), 'utf8')) as {
        samples: { sample_id: string; prompt: string; seed: number }[];
      };
      const first = page.locator('#look-first li').first();
      const href = (await first.locator('a').getAttribute('href'))!;
      expect(href).toMatch(/^#sample-/);
      const sample = rec.samples.find((s) => `#sample-${s.sample_id}` === href)!;
      expect(await first.locator('.prompt').textContent()).toBe(sample.prompt);
      expect(await first.locator('.seed').textContent()).toBe(`seed ${sample.seed}`);
      for (const el of [first.locator('.prompt'), first.locator('.seed')]) {
        const box = (await el.boundingBox())!;
        expect(box.y + box.height).toBeLessThanOrEqual(800);
      }
      // The first card is that sample's.
      expect(await page.locator('article.sample-card').first().getAttribute('id')).toBe(href.slice(1));
      await page.close();
    },
  );

  it.skipIf(!HAS_CHROMIUM)(
    'tabulates every sample, and draws distribution labels inside their charts, gated metrics first',
    async () => {
      const { page } = await openFile(browser!, path.join(f.modelRoot, candidateId, 'report.html'));
      const rows = page.locator('#all-samples tbody tr');
      expect(await rows.count()).toBe(3); // every sample, not only the carded ones
      const head = await page.locator('#all-samples thead th').allTextContents();
      expect(head.slice(0, 5)).toEqual(['#', 'status', 'prompt', 'seed', 'test']);
      expect(head).toContain('Δ vbench_temporal.score');
      expect(new Set(await rows.locator('td:nth-child(4)').allTextContents()).size).toBeGreaterThan(1);
      const titles = await page
        .locator('svg.distribution')
        .evaluateAll((s) => s.map((x) => x.getAttribute('aria-label')));
      expect(titles.slice(0, 2)).toEqual(['vbench_temporal.score', 'vbench_temporal.dims.temporal_flicker']);
      // Every label's box lies inside its SVG: "baseline (n=3)" once lost its first letter to the edge.
      const outside =
        (await page.evaluate(`[...document.querySelectorAll('svg.distribution')].flatMap((svg) => {
        const vb = svg.viewBox.baseVal;
        return [...svg.querySelectorAll('text')].flatMap((t) => {
          const b = t.getBBox();
          return b.x < vb.x || b.x + b.width > vb.x + vb.width ? [t.textContent] : [];
        });
      })`)) as string[];
      expect(outside).toEqual([]);
      expect(
        await page.locator('svg.distribution text', { hasText: 'baseline (n=3)' }).count(),
      ).toBeGreaterThan(0);
      await page.close();
    },
  );

  it.skipIf(!HAS_CHROMIUM)(
    "locks a card's two players: play, pause and seek on one move the other (its script allowed by the CSP)",
    async () => {
      const { page, problems } = await openFile(browser!, path.join(f.modelRoot, candidateId, 'report.html'));
      await videoStates(page);
      // Browser-side code as strings: the project compiles without the DOM lib. [baseline, candidate].
      const pair = "document.querySelectorAll('article.sample-card')[0].querySelectorAll('.pair video')";
      const state = `[...${pair}].map((v) => ({ t: v.currentTime, paused: v.paused, seeking: v.seeking }))`;
      type S = { t: number; paused: boolean; seeking: boolean }[];
      const poll = async (ok: (s: S) => boolean) => {
        for (let i = 0; i < 200; i++) {
          const s = (await page.evaluate(state)) as S;
          if (ok(s)) return s;
          await new Promise((r) => setTimeout(r, 50));
        }
        throw new Error(`players never reached the state: ${JSON.stringify(await page.evaluate(state))}`);
      };
      const frame = 1 / 6; // the suite's fps
      await page.evaluate(`${pair}[1].play()`);
      await poll((s) => !s[0]!.paused && s[1]!.t > 0.3); // the baseline plays too
      await page.evaluate(`${pair}[1].pause()`);
      let s = await poll(
        (x) => x[0]!.paused && !x[0]!.seeking && !x[1]!.seeking && Math.abs(x[0]!.t - x[1]!.t) < frame,
      );
      await page.evaluate(`${pair}[0].currentTime = 0.75`); // seek the baseline this time
      s = await poll((x) => !x[0]!.seeking && !x[1]!.seeking && Math.abs(x[1]!.t - 0.75) < 0.05);
      expect(Math.abs(s[0]!.t - s[1]!.t)).toBeLessThan(frame);
      expect(problems).toEqual([]); // a refused script would be a console error
      await page.close();
    },
  );

  it("shows no worst-regressed section and no 'no baseline' notes in the baseline's own report", async () => {
    const html = await fs.readFile(path.join(f.modelRoot, baselineId, 'report.html'), 'utf8');
    expect(html).toContain('id="verdict"');
    expect(html).toContain('id="all-samples"');
    expect(html).not.toContain('Worst-regressed');
    expect(html).not.toContain('no baseline sample with this id');
    expect(html).not.toContain('No baseline video');
  });

  it('shows the worst pair side by side: baseline linked from its own run, candidate from this one', async () => {
    const html = await fs.readFile(path.join(f.modelRoot, candidateId, 'report.html'), 'utf8');
    const card = html.slice(html.indexOf('<article class="card sample-card"'), html.indexOf('</article>'));
    const sources = [...card.matchAll(/<source src="([^"]+)"/g)].map((m) => m[1]);
    expect(sources[0]).toMatch(new RegExp(`^\\.\\./${baselineId}/videos/[0-9a-f]+\\.mp4$`));
    expect(sources[1]).toMatch(/^videos\/[0-9a-f]+\.mp4$/);
    expect(card).toMatch(/poster="thumbs\/[0-9a-f]+-base-poster\.jpg"/);
    expect(card).toContain('worse');
    // Suite strings are escaped, never markup.
    expect(html).toContain('a red &lt;ball&gt; &amp; &quot;friends&quot; bouncing');
    expect(html).not.toContain('<ball>');
    const thumbs = await fs.readdir(path.join(f.modelRoot, candidateId, 'thumbs'));
    expect(thumbs.filter((t) => t.endsWith('-cand-01.jpg')).length).toBe(3);
  });

  it('writes JUnit XML that parses, one testcase per gate and per sample, failures for regressed gates', async () => {
    const xml = await fs.readFile(junitFile, 'utf8');
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml) as {
      testsuites: { tests: string; failures: string; testsuite: { name: string; testcase: unknown } };
    };
    const suite = doc.testsuites.testsuite;
    expect(suite.name).toBe('demo/report_e2e/m1');
    const cases = Array.isArray(suite.testcase) ? suite.testcase : [suite.testcase];
    expect(cases.length).toBe(2 + 3); // two gates, three samples
    const failures = cases.filter((c) => (c as Record<string, unknown>).failure !== undefined);
    expect(failures.length).toBe(Number(doc.testsuites.failures));
    expect(failures.length).toBeGreaterThan(0);
  });

  it('appends a Markdown job summary and prints ::error annotations under GitHub Actions', async () => {
    const md = await fs.readFile(summaryFile, 'utf8');
    expect(md.startsWith('# earlier step\n')).toBe(true);
    expect(md).toContain('FAIL: demo/report\\_e2e/m1');
    expect(md).toMatch(/\| 1 \| vbench\\_temporal\.score \|/);
    expect(md).toContain('report.html');
    expect(Buffer.byteLength(md)).toBeLessThan(1024 * 1024);
    expect(candidate.stdout).toMatch(/^::error title=TemporalCI m1%3A .+,file=.+\.yaml,line=\d+::.+$/m);
    expect(md).toContain('### Samples to look at');
    // --report-url and --viewer-url: the run and each listed sample link to report.html and the viewer.
    const run = ['run', 'demo', 'report_e2e', 'm1', candidateId].map(encodeURIComponent).join('/');
    expect(md).toContain(`[This run in the viewer](http://127.0.0.1:8790/#/${run})`);
    expect(md).toMatch(
      /\]\(https:\/\/ci\.example\/art\/demo\/report_e2e\/m1\/[^/]+\/report\.html#sample-[^)]+\) · \[side by side\]\(http:\/\/127\.0\.0\.1:8790\/#\/sample\//,
    );
  });

  it('prints no annotations and writes no summary outside GitHub Actions', async () => {
    const again = await runSuiteCli(f, f.baseSuite, ['--no-report']);
    expect(again.stdout).not.toContain('::error');
    const ids = await runIds(f);
    await expect(fs.access(path.join(f.modelRoot, ids[ids.length - 1]!, 'report.html'))).rejects.toThrow();
  });
});
