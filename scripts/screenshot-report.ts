/**
 * Regenerates docs/img/report.png: runs the example suites (clean baseline, then the degraded twin) with
 * the built CLI into a temporary folder, opens the degraded run's report.html in headless Chromium and
 * screenshots the verdict, the gates, the regressions and the worst-regressed pair (both videos playing).
 *
 *   npm run build && node --import tsx scripts/screenshot-report.ts
 */
import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, openFile, videoStates } from '../test/support/browser.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cli = path.join(root, 'dist', 'cli', 'main.js');
const out = path.join(root, 'docs', 'img', 'report.png');

function run(suite: string, artifacts: string): void {
  const r = spawnSync(
    process.execPath,
    [
      cli,
      'run',
      path.join(root, 'examples', suite),
      '--artifacts-dir',
      artifacts,
      '--no-progress',
      '--sample',
      '4',
      '--report-top',
      '2',
    ],
    { encoding: 'utf8', env: { ...process.env, CI: 'true', GITHUB_ACTIONS: '', GITHUB_STEP_SUMMARY: '' } },
  );
  // 2 is the expected verdict of the degraded suite; anything else but 0 is a real failure.
  if (r.status !== 0 && r.status !== 2)
    throw new Error(`temporalci run ${suite} exited ${r.status}: ${r.stderr}`);
}

const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tci-shot-'));
try {
  const artifacts = path.join(tmp, 'artifacts');
  run('regression_core.yaml', artifacts);
  run('regression_core_degraded.yaml', artifacts);
  const modelRoot = path.join(artifacts, 'demo-video-model', 'regression_core', 'demo_mock_model');
  const index = JSON.parse(await fs.readFile(path.join(modelRoot, 'index.json'), 'utf8')) as {
    runs: { run_id: string }[];
  };
  const last = index.runs[index.runs.length - 1]!.run_id;
  const browser = await launchChromium();
  try {
    const { page, problems } = await openFile(browser, path.join(modelRoot, last, 'report.html'));
    const states = await videoStates(page);
    if (problems.length || states.some((s) => s.readyState < 2)) {
      throw new Error(`report did not load cleanly: ${JSON.stringify({ problems, states })}`);
    }
    const first = page.locator('article.sample-card').first();
    const box = await first.boundingBox();
    if (!box) throw new Error('no sample card in the report');
    await fs.mkdir(path.dirname(out), { recursive: true });
    const height = Math.ceil(box.y + box.height + 8);
    await page.setViewportSize({ width: 1280, height });
    await page.screenshot({ path: out });
    process.stdout.write(`wrote ${path.relative(root, out)}\n`);
  } finally {
    await browser.close();
  }
} finally {
  await fs.rm(tmp, { recursive: true, force: true });
}
