import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { rankSamples } from '../../src/report/analysis.js';
import type { RunRecord } from '../../src/schema/run.js';
import { CLI, type CliResult, REPO_ROOT, runCli } from '../support/cli.js';
import { type Fixture, makeFixture, runIds, runSuiteCli } from '../support/report-fixture.js';

/**
 * `temporalci pr-comment` against a local stand-in for the GitHub REST API, with the variables a runner
 * sets on a pull_request event: the first call creates the comment, the second updates the same one.
 */

const TOKEN = 'ghs_pr-comment-e2e-s3cret-t0ken';
const REPO = 'octo/videos';
const PR = 42;
const REPORT_URL = 'https://ci.example/artifacts';

interface Comment {
  id: number;
  body: string;
}

interface Hit {
  method: string;
  url: string;
  authorized: boolean;
  body: string;
}

let server: Server;
let api: string;
const hits: Hit[] = [];
/** The PR's comments: two from people on page 1 (so the listing must follow the Link header), then ours. */
const comments: Comment[] = [
  { id: 1, body: 'LGTM' },
  // A reply quoting our comment holds the marker too, but not at the start: it must never be edited.
  {
    id: 2,
    body: '> <!-- temporalci:pr-comment key=demo%2Freport_e2e -->\n> ## ❌ TemporalCI: FAIL\n\nlook at the flicker',
  },
];
let nextId = 1000;

function listPage(url: URL): { page: Comment[]; next: string | null } {
  const page = Number(url.searchParams.get('page') ?? '1');
  const first = page === 1 ? comments.slice(0, 2) : comments.slice(2);
  const next = page === 1 ? `${api}/repos/${REPO}/issues/${PR}/comments?per_page=100&page=2` : null;
  return { page: first, next };
}

function answer(
  req: { method?: string; url?: string },
  body: string,
): { status: number; json: unknown; link?: string } {
  const url = new URL(req.url ?? '/', api);
  const list = `/repos/${REPO}/issues/${PR}/comments`;
  if (req.method === 'GET' && url.pathname === list) {
    const { page, next } = listPage(url);
    return {
      status: 200,
      json: page,
      ...(next ? { link: `<${next}>; rel="next", <${next}>; rel="last"` } : {}),
    };
  }
  if (req.method === 'POST' && url.pathname === list) {
    const c = { id: nextId++, body: (JSON.parse(body) as { body: string }).body };
    comments.push(c);
    return {
      status: 201,
      json: { ...c, html_url: `https://github.example/${REPO}/pull/${PR}#issuecomment-${c.id}` },
    };
  }
  const m = /^\/repos\/octo\/videos\/issues\/comments\/(\d+)$/.exec(url.pathname);
  const existing = m ? comments.find((c) => c.id === Number(m[1])) : undefined;
  if (req.method === 'PATCH' && existing) {
    existing.body = (JSON.parse(body) as { body: string }).body;
    return {
      status: 200,
      json: {
        ...existing,
        html_url: `https://github.example/${REPO}/pull/${PR}#issuecomment-${existing.id}`,
      },
    };
  }
  return { status: 404, json: { message: 'Not Found' } };
}

/**
 * One step of action.yml run as the runner runs it (`bash --noprofile --norc -eo pipefail`), with the env
 * the step declares (its `${{ }}` values given here) and `npx` replaced by the built CLI.
 */
async function actionStep(
  name: string,
  env: Record<string, string>,
): Promise<CliResult & { outputs: Record<string, string> }> {
  const action = parse(await fs.readFile(path.join(REPO_ROOT, 'action.yml'), 'utf8')) as {
    runs: { steps: { name?: string; run?: string; env?: Record<string, string> }[] };
  };
  const step = action.runs.steps.find((s) => s.name === name);
  if (step?.run === undefined) throw new Error(`action.yml has no step "${name}"`);
  expect(Object.keys(env).sort()).toEqual(Object.keys(step.env ?? {}).sort());
  const bin = path.join(f.dir, 'bin');
  await fs.mkdir(bin, { recursive: true });
  // `npx --yes temporalci@<version> ARGS…` → the CLI this checkout built.
  await fs.writeFile(
    path.join(bin, 'npx'),
    `#!/bin/sh\nshift 2\nexec "${process.execPath}" "${CLI}" "$@"\n`,
    {
      mode: 0o755,
    },
  );
  const outputFile = path.join(f.dir, `github-output-${Date.now()}`);
  await fs.writeFile(outputFile, '');
  const r = await new Promise<CliResult>((resolve, reject) => {
    const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', step.run as string], {
      cwd: f.dir,
      env: {
        ...process.env,
        ...githubEnv(),
        GITHUB_OUTPUT: outputFile,
        RUNNER_TEMP: f.dir,
        PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`,
        NO_COLOR: '1',
        ...env,
      } as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  const outputs = Object.fromEntries(
    (await fs.readFile(outputFile, 'utf8'))
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  return { ...r, outputs };
}

let f: Fixture;
let eventFile: string;
let since: string;
let pkg: string;
let summaryFile: string;
let bad: CliResult & { outputs: Record<string, string> };
let candidate: RunRecord;
let baseline: RunRecord;

function githubEnv(over: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: 'pull_request',
    GITHUB_EVENT_PATH: eventFile,
    GITHUB_REPOSITORY: REPO,
    GITHUB_API_URL: api,
    GITHUB_SERVER_URL: 'https://github.example',
    GITHUB_RUN_ID: '777',
    GITHUB_TOKEN: TOKEN,
    GITHUB_STEP_SUMMARY: summaryFile,
    ...over,
  };
}

function prComment(env: Record<string, string | undefined> = {}): Promise<CliResult> {
  return runCli(
    ['pr-comment', '--artifacts-dir', f.artifacts, '--since', since, '--report-url', REPORT_URL],
    { cwd: f.dir, env: githubEnv(env) },
  );
}

function expectNoToken(r: CliResult): void {
  expect(r.stdout).not.toContain(TOKEN);
  expect(r.stderr).not.toContain(TOKEN);
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      const authorized = req.headers.authorization === `Bearer ${TOKEN}`;
      hits.push({ method: req.method ?? '', url: req.url ?? '', authorized, body });
      const a = authorized ? answer(req, body) : { status: 401, json: { message: 'Bad credentials' } };
      res.statusCode = a.status;
      res.setHeader('content-type', 'application/json');
      if ('link' in a && a.link) res.setHeader('link', a.link);
      res.end(JSON.stringify(a.json));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  f = await makeFixture('tci-pr-comment-');
  eventFile = path.join(f.dir, 'event.json');
  await fs.writeFile(eventFile, JSON.stringify({ action: 'synchronize', pull_request: { number: PR } }));
  const base = await runSuiteCli(f, f.baseSuite);
  expect(base.code, base.stderr).toBe(0);
  // The candidate runs through the action's own steps: Prepare (the job's start), then Run the suite.
  await new Promise((resolve) => setTimeout(resolve, 1100)); // --since has whole seconds
  const prep = await actionStep('Prepare', { BASE_REF: 'main', SUITE: 'bad.yaml' });
  expect(prep.code, prep.stderr).toBe(0);
  since = prep.outputs.since as string;
  pkg = prep.outputs.package as string;
  summaryFile = path.join(f.dir, 'step-summary.md');
  bad = await actionStep('Run the suite', {
    PACKAGE: pkg,
    SUITE: f.badSuite,
    ARTIFACTS: f.artifacts,
    BASELINE_MODE: 'latest_pass',
    REPORT_URL: '',
    VIEWER_URL: 'http://127.0.0.1:8790/',
    COORDINATOR_URL: '',
    TEMPORALCI_TOKEN: '',
    ARGS: '--sample 3',
  });
  const [baseId, candId] = (await runIds(f)) as [string, string];
  const read = async (id: string) =>
    JSON.parse(await fs.readFile(path.join(f.modelRoot, id, 'run.json'), 'utf8')) as RunRecord;
  baseline = await read(baseId);
  candidate = await read(candId);
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('pr-comment on a pull request', () => {
  it("runs the suite through the action's step, which records exit code 2 and writes the step summary", async () => {
    expect(bad.code, bad.stderr).toBe(0);
    expect(bad.outputs['exit-code']).toBe('2');
    expect(pkg).toMatch(/^temporalci@\d+\.\d+\.\d+/);
    const summary = await fs.readFile(summaryFile, 'utf8');
    expect(summary).toContain('FAIL');
    // The action's viewer-url input reaches `run --viewer-url`: the summary links the run in the viewer.
    expect(summary).toContain('[This run in the viewer](http://127.0.0.1:8790/#/run/');
    await fs.access(path.join(f.artifacts, 'junit.xml'));
  });

  it('creates the comment with the worst sample, then updates the same comment', async () => {
    const first = await prComment();
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(
      `created comment https://github.example/${REPO}/pull/${PR}#issuecomment-1000`,
    );
    expect(hits.every((h) => h.authorized)).toBe(true);
    // The listing followed the Link header to page 2 before posting.
    expect(hits.map((h) => h.method)).toEqual(['GET', 'GET', 'POST']);
    expect(hits[1]!.url).toContain('page=2');
    const ours = comments.filter((c) => c.id >= 1000);
    expect(ours).toHaveLength(1);
    const created = ours[0]!.body;

    hits.length = 0;
    const second = await prComment();
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('updated comment');
    expect(hits.map((h) => `${h.method} ${new URL(h.url, api).pathname}`)).toEqual([
      `GET /repos/${REPO}/issues/${PR}/comments`,
      `GET /repos/${REPO}/issues/${PR}/comments`,
      `PATCH /repos/${REPO}/issues/comments/1000`,
    ]);
    expect(comments.filter((c) => c.id >= 1000)).toHaveLength(1);
    expect(comments.find((c) => c.id === 1000)!.body).toBe(created);
    for (const r of [first, second]) expectNoToken(r);
  });

  it("shows the verdict, the failing gate, and the worst sample's prompt, seed and poster frame", async () => {
    const body = comments.find((c) => c.id === 1000)!.body;
    expect(body).toContain('## ❌ TemporalCI: FAIL');
    for (const g of candidate.gates.filter((x) => !x.passed))
      expect(body).toContain(g.reason.replace(/>/g, '&gt;'));
    const worst = rankSamples(candidate, baseline)[0]!.sample;
    const row = body.split('\n').find((l) => l.includes(`poster frame of sample ${worst.sample_id}`));
    expect(row, body).toBeDefined();
    // The prompt `a red <ball> & "friends" bouncing`, escaped so GitHub shows it as written.
    expect(row).toContain(worst.prompt.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;'));
    expect(row).toContain(`| ${worst.seed} |`);
    expect(row).toContain('worse');
    const poster = `demo/report_e2e/m1/${candidate.run_id}/thumbs/${worst.sample_id}-cand-poster.jpg`;
    expect(row).toContain(`![poster frame of sample ${worst.sample_id}](${REPORT_URL}/${poster})`);
    await fs.access(path.join(f.artifacts, ...poster.split('/')));
    expect(body).toContain(`[report](${REPORT_URL}/demo/report_e2e/m1/${candidate.run_id}/report.html)`);
    expect(body).toContain(`[workflow run](https://github.example/${REPO}/actions/runs/777)`);
    // Only this job's run (--since): not the baseline run restored from the base branch.
    expect(body).not.toContain(`Run \`${baseline.run_id}\``);
  });

  it('reads the runs of `run --output-json` (--results): local ones as from the store, fleet ones with video links', async () => {
    const results = path.join(f.dir, 'temporalci-result.json');
    const dry = (args: string[]) =>
      runCli(
        ['pr-comment', '--artifacts-dir', f.artifacts, '--report-url', REPORT_URL, '--dry-run', ...args],
        {
          cwd: f.dir,
          env: githubEnv({ GITHUB_TOKEN: undefined }),
        },
      );
    const fromStore = await dry(['--since', since]);
    const fromFile = await dry(['--results', results]);
    expect(fromFile.code, fromFile.stderr).toBe(0);
    expect(fromFile.stdout).toBe(fromStore.stdout);

    // The same run as a fleet returns it: its records are not in the local folder.
    const payload = JSON.parse(await fs.readFile(results, 'utf8')) as { runs: Record<string, unknown>[] };
    const fleetFile = path.join(f.dir, 'fleet-result.json');
    const fleet = {
      ...payload,
      runs: payload.runs.map((r) => ({ ...r, project: 'fleetproj', run_dir: 's3://b/x' })),
    };
    await fs.writeFile(fleetFile, JSON.stringify(fleet));
    const r = await dry(['--results', fleetFile]);
    expect(r.code, r.stderr).toBe(0);
    const failing = candidate.samples.find((x) => r.stdout.includes(`/videos/${x.sample_id}.mp4`));
    expect(failing, r.stdout).toBeDefined();
    expect(r.stdout).toContain(
      `[video](${REPORT_URL}/fleetproj/report_e2e/m1/${candidate.run_id}/${failing!.video_path})`,
    );
    expect(r.stdout).toContain('### ❌ FAIL · fleetproj/report\\_e2e/m1');
  });

  it('skips with a one-line note and exit 0 outside a pull request', async () => {
    hits.length = 0;
    const r = await prComment({ GITHUB_EVENT_NAME: 'push' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['pr-comment: skipped, the push event has no pull request']);
    expect(hits).toHaveLength(0);
  });

  it('says which call failed, with a stable code and exit 1, and never shows the token', async () => {
    const refused = await prComment({ GITHUB_TOKEN: `${TOKEN}-revoked` });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      'GitHub API: listing the comments of the pull request returned HTTP 401: Bad credentials',
    );
    expect(refused.stderr).toContain('hint: GITHUB_TOKEN is not valid');
    expect(refused.stderr).not.toContain('revoked');
    expectNoToken(refused);

    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const down = await prComment({ GITHUB_API_URL: `http://127.0.0.1:${port}` });
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(
      /error: GitHub API: listing the comments of the pull request failed: .*ECONNREFUSED/,
    );
    expect(down.stderr).not.toContain('internal error');
    expectNoToken(down);
  });

  it("updates the same comment from the action's comment step, then exits with the run's code", async () => {
    hits.length = 0;
    const artifactUrl = `https://github.example/${REPO}/actions/runs/777/artifacts/5`;
    const r = await actionStep('Comment on the pull request', {
      PACKAGE: pkg,
      ARTIFACTS: f.artifacts,
      SINCE: since,
      REPORT_URL: REPORT_URL,
      VIEWER_URL: '',
      ARTIFACT_URL: artifactUrl,
      COORDINATOR_URL: '',
      GITHUB_TOKEN: TOKEN,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('updated comment');
    expect(r.stdout).not.toContain('::warning');
    expect(hits.filter((h) => h.method === 'POST')).toHaveLength(0);
    expect(comments.filter((c) => c.id >= 1000)).toHaveLength(1);
    expect(comments.find((c) => c.id === 1000)!.body).toContain(`(${artifactUrl})`);
    expectNoToken(r);

    const exit = await actionStep("Exit with the run's exit code", {
      CODE: bad.outputs['exit-code'] as string,
    });
    expect(exit.code).toBe(2);
    const none = await actionStep("Exit with the run's exit code", { CODE: '' });
    expect(none.code).toBe(1);
    expect(none.stdout).toContain('::error title=TemporalCI::the suite did not run');
  });
});
