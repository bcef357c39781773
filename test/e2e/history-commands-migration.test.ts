import { promises as fs } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/schema/run.js';
import { type CliResult, hasStackTrace, runCli, tempDir } from '../support/cli.js';

/**
 * The original tool's history commands (`metrics-show`, `summary`, `tune-gates`, `alert`) on real runs of
 * the mock adapter: one model whose params change from run to run (so its metric values differ: a real
 * history to tune from), and a second model for the suite-wide table. No baseline: a run's status is its
 * gates' verdict alone, so each test knows which runs pass.
 */

const suite = (params: string) => `version: 1
project: demo
suite_name: mig
models:
  - name: m
    adapter: mock
    params: ${params}
  - name: other
    adapter: mock
    params: { noise: 1 }
tests:
  - id: t
    prompts: ["a red ball bouncing", "a slow pan over a lake"]
    seeds: [0, 1]
    video: {num_frames: 6, fps: 8, resolution: 64}
metrics:
  - name: vbench_temporal
  - name: ti
gates:
  - metric: vbench_temporal.score
    op: ">="
    value: 0.96
  - metric: ti.mean
    op: "<="
    value: 10
`;

/** Params of model `m` that pass (each a little different) and one that fails the score gate. */
const PASSING = ['{}', '{ noise: 2 }', '{ noise: 4 }', '{ noise: 1 }'];
const FAILING = '{ flicker: 6 }';

/** Tests that make runs take several mock runs each; the machine's two cores are shared. */
const RUNS_TIMEOUT = 240_000;

let dir: string;
let artifacts: string;
let suiteRoot: string;
let modelRoot: string;

const cli = (args: string[]): Promise<CliResult> => runCli(args, { cwd: dir });

async function cleanCli(args: string[]): Promise<CliResult> {
  const r = await cli(args);
  expect(r.stderr).not.toSatisfy(hasStackTrace);
  return r;
}

/** One run of model `m` (or `model`) with these params; returns its exit code and record. */
async function runModel(params: string, model = 'm'): Promise<{ code: number | null; rec: RunRecord }> {
  const file = path.join(dir, 'suite.yaml');
  await fs.writeFile(file, suite(params));
  const json = path.join(dir, 'out.json');
  const r = await cli([
    ...['run', file, '--artifacts-dir', artifacts, '--no-progress', '--no-report', '--baseline-mode', 'none'],
    ...['--include-model', model, '--output-json', json],
  ]);
  expect(r.stderr).not.toSatisfy(hasStackTrace);
  const rec = (JSON.parse(await fs.readFile(json, 'utf8')) as { runs: RunRecord[] }).runs[0]!;
  return { code: r.code, rec };
}

beforeAll(async () => {
  dir = await tempDir('tci-history-mig-');
  artifacts = path.join(dir, 'artifacts');
  suiteRoot = path.join(artifacts, 'demo', 'mig');
  modelRoot = path.join(suiteRoot, 'm');
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('metrics-show', () => {
  let first: RunRecord;
  let failed: RunRecord;

  it(
    'shows the latest run by default and any run by id, as a table or JSON',
    async () => {
      const a = await runModel(PASSING[0]!);
      expect(a.code).toBe(0);
      first = a.rec;
      const b = await runModel(FAILING);
      expect(b.code).toBe(2);
      failed = b.rec;

      const text = await cleanCli(['metrics-show', '--model-root', modelRoot]);
      expect(text.code).toBe(0);
      const lines = text.stdout.split('\n');
      expect(lines[0]).toMatch(new RegExp(`^FAIL  ${failed.run_id} `));
      // The gate table: the failing gate with its measured value.
      const gateLine = lines.find((l) => l.startsWith('vbench_temporal.score ') && l.includes('>= 0.96'));
      expect(gateLine).toMatch(/\bFAIL$/);
      // The metric table: every run-level scalar of the record, with its value.
      const score = failed.metrics.vbench_temporal!.values.score as number;
      expect(lines).toContainEqual(expect.stringMatching(/^ti\.max +\d/));
      expect(text.stdout).toContain(String(score).slice(0, 6));

      const json = await cleanCli([
        'metrics-show',
        '--model-root',
        modelRoot,
        '--run-id',
        first.run_id,
        '--json',
      ]);
      expect(json.code).toBe(0);
      const shown = JSON.parse(json.stdout) as {
        run_id: string;
        status: string;
        metrics: Record<string, number>;
        gates: { metric: string; actual: number; passed: boolean }[];
        samples: { sample_id: string; metrics: Record<string, number | null> }[];
      };
      expect(shown.run_id).toBe(first.run_id);
      expect(shown.status).toBe('PASS');
      expect(shown.metrics['vbench_temporal.score']).toBe(first.metrics.vbench_temporal!.values.score);
      expect(shown.gates.map((g) => [g.metric, g.passed])).toEqual([
        ['vbench_temporal.score', true],
        ['ti.mean', true],
      ]);
      // Per-sample values are the record's own.
      expect(shown.samples).toHaveLength(first.samples.length);
      const s0 = first.samples[0]!;
      const row = shown.samples.find((s) => s.sample_id === s0.sample_id)!;
      expect(row.metrics['ti.mean']).toBe((s0.metrics.ti as { mean: number }).mean);
    },
    RUNS_TIMEOUT,
  );

  it('lists per-sample values with --samples', async () => {
    const r = await cleanCli([
      'metrics-show',
      '--model-root',
      modelRoot,
      '--run-id',
      first.run_id,
      '--samples',
    ]);
    expect(r.code).toBe(0);
    for (const s of first.samples) {
      expect(r.stdout).toMatch(new RegExp(`^${s.sample_id} +${s.seed} +ti\\.mean +\\d`, 'm'));
    }
  });

  it('refuses an unknown run id and a folder that is not a model, without a stack trace', async () => {
    const unknown = await cleanCli(['metrics-show', '--model-root', modelRoot, '--run-id', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no run nope');
    expect(unknown.stderr).toContain(first.run_id);
    const missing = await cleanCli(['metrics-show', '--model-root', path.join(suiteRoot, 'absent')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/does not exist/);
  });
});

describe('summary', () => {
  it(
    'tabulates every model’s latest status and gate values, and exits as status --suite-root',
    async () => {
      // After metrics-show: m's latest run FAILed; `other` has not run yet.
      const other = await runModel('{ noise: 1 }', 'other');
      expect(other.code).toBe(0);
      const r = await cleanCli(['summary', '--suite-root', suiteRoot, '--json']);
      expect(r.code).toBe(2);
      const s = JSON.parse(r.stdout) as {
        exit_code: number;
        columns: { label: string }[];
        rows: {
          model: string;
          status: string;
          run_id: string;
          cells: { actual: number; passed: boolean }[];
        }[];
      };
      expect(s.exit_code).toBe(2);
      expect(s.columns.map((c) => c.label)).toEqual(['vbench_temporal.score >= 0.96', 'ti.mean <= 10']);
      const byModel = Object.fromEntries(s.rows.map((row) => [row.model, row]));
      expect(byModel.m!.status).toBe('FAIL');
      expect(byModel.m!.cells[0]!.passed).toBe(false);
      expect(byModel.other).toMatchObject({ status: 'PASS', run_id: other.rec.run_id });
      expect(byModel.other!.cells.map((c) => c.actual)).toEqual(other.rec.gates.map((g) => g.actual));

      const text = await cleanCli(['summary', '--suite-root', suiteRoot]);
      expect(text.code).toBe(2);
      const row = (model: string) => text.stdout.split('\n').find((l) => l.startsWith(`${model} `)) ?? '';
      expect(text.stdout.split('\n')[0]).toMatch(
        /^model +status +run +vbench_temporal\.score >= 0\.96 +ti\.mean <= 10$/,
      );
      expect(row('m')).toMatch(/^m +FAIL +\S+ +[\d.]+ FAIL +[\d.]+ PASS$/);
      expect(row('other')).toMatch(
        new RegExp(`^other +PASS +${other.rec.run_id} +[\\d.]+ PASS +[\\d.]+ PASS$`),
      );
    },
    RUNS_TIMEOUT,
  );

  it('tabulates every suite of an artifacts folder, as the original did', async () => {
    const r = await cleanCli(['summary', '--artifacts-dir', artifacts, '--json']);
    expect(r.code).toBe(2);
    const s = JSON.parse(r.stdout) as {
      exit_code: number;
      suites: { project: string; suite: string; rows: { model: string }[] }[];
    };
    expect(s.exit_code).toBe(2);
    expect(s.suites.map((t) => [t.project, t.suite, t.rows.map((row) => row.model)])).toEqual([
      ['demo', 'mig', ['m', 'other']],
    ]);
    const text = await cleanCli(['summary', '--artifacts-dir', artifacts]);
    expect(text.stdout.split('\n')[0]).toBe('demo / mig');
  });

  it('refuses a folder with no model histories', async () => {
    const empty = path.join(artifacts, 'demo', 'nothing');
    await fs.mkdir(empty, { recursive: true });
    const r = await cleanCli(['summary', '--suite-root', empty]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no model folders');
    const neither = await cleanCli(['summary']);
    expect(neither.code).toBe(1);
    expect(neither.stderr).toContain('exactly one of --suite-root or --artifacts-dir');
  });
});

/** Linear-interpolated quantile, as numpy's default, to check the suggestions against. */
function quantileOf(values: readonly number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  return s[lo]! + (s[Math.ceil(pos)]! - s[lo]!) * (pos - lo);
}

interface TuneJson {
  passing_runs: number;
  runs: number;
  suggestions: {
    gate: { metric: string; op: string; value: number };
    kind: string;
    suggested: number;
    based_on: number;
    last_pass: { run_id: string; value: number };
  }[];
}

describe('tune-gates', () => {
  it('refuses with too few passing runs, saying how many there are', async () => {
    // m so far: one PASS, one FAIL.
    const r = await cleanCli(['tune-gates', '--model-root', modelRoot]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('needs at least 5 passing runs');
    expect(r.stderr).toContain('has 1 among its last 2 run(s)');
    expect(r.stdout).toBe('');
  });

  it(
    'suggests each threshold from the passing runs only, never failing the latest passing run',
    async () => {
      const passes: RunRecord[] = [];
      for (const p of PASSING.slice(1)) {
        const r = await runModel(p);
        expect(r.code).toBe(0);
        passes.push(r.rec);
      }
      const history = await cleanCli(['history', '--model-root', modelRoot, '--json']);
      const statuses = (JSON.parse(history.stdout) as { status: string }[]).map((e) => e.status);
      expect(statuses).toEqual(['PASS', 'FAIL', 'PASS', 'PASS', 'PASS']);

      const r = await cleanCli([
        'tune-gates',
        '--model-root',
        modelRoot,
        '--min-runs',
        '3',
        '--quantile',
        '0.1',
        '--json',
      ]);
      expect(r.code).toBe(0);
      const t = JSON.parse(r.stdout) as TuneJson;
      expect(t).toMatchObject({ passing_runs: 4, runs: 5 });
      const passRecords = [
        JSON.parse(
          (
            await cleanCli([
              'metrics-show',
              '--model-root',
              modelRoot,
              '--run-id',
              statusRun(history.stdout, 0),
              '--json',
            ])
          ).stdout,
        ) as { gates: { metric: string; actual: number }[] },
        ...passes,
      ];
      const last = passes[passes.length - 1]!;
      for (const [metric, op, q] of [
        ['vbench_temporal.score', '>=', 0.1],
        ['ti.mean', '<=', 0.9],
      ] as const) {
        const s = t.suggestions.find((x) => x.gate.metric === metric)!;
        expect(s.kind).toBe('suggested');
        expect(s.gate.op).toBe(op);
        expect(s.based_on).toBe(4);
        const lastValue = last.gates.find((g) => g.metric === metric)!.actual!;
        expect(s.last_pass).toEqual({ run_id: last.run_id, value: lastValue });
        // The latest passing run passes the suggestion.
        if (op === '>=') expect(lastValue).toBeGreaterThanOrEqual(s.suggested);
        else expect(lastValue).toBeLessThanOrEqual(s.suggested);
        // It is the quantile of the PASS runs' values (bounded by the latest pass), to four significant digits.
        const values = passRecords.map((rec) => rec.gates.find((g) => g.metric === metric)!.actual!);
        const bounded =
          op === '>='
            ? Math.min(quantileOf(values, q), lastValue)
            : Math.max(quantileOf(values, q), lastValue);
        expect(Math.abs(s.suggested - bounded) / Math.abs(bounded)).toBeLessThan(1e-3);
      }
      // The FAIL run's score is below every suggestion: it did not pull the threshold down.
      const failScore = JSON.parse(
        (
          await cleanCli([
            'metrics-show',
            '--model-root',
            modelRoot,
            '--run-id',
            statusRun(history.stdout, 1),
            '--json',
          ])
        ).stdout,
      ) as { metrics: Record<string, number> };
      const score = t.suggestions.find((x) => x.gate.metric === 'vbench_temporal.score')!;
      expect(failScore.metrics['vbench_temporal.score']).toBeLessThan(score.suggested);

      // The text form ends with the suggestions as suite YAML.
      const text = await cleanCli([
        'tune-gates',
        '--model-root',
        modelRoot,
        '--min-runs',
        '3',
        '--quantile',
        '0.1',
      ]);
      expect(text.code).toBe(0);
      expect(text.stdout).toMatch(/^based on 4 passing run\(s\) of the last 5/);
      expect(text.stdout).toContain(
        `gates:\n  - metric: vbench_temporal.score\n    op: ">="\n    value: ${score.suggested}\n`,
      );
    },
    RUNS_TIMEOUT,
  );

  it('refuses a quantile outside [0, 0.5]', async () => {
    const r = await cleanCli(['tune-gates', '--model-root', modelRoot, '--quantile', '0.9']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('between 0 and 0.5');
  });
});

/** The run id of the n-th entry (oldest first) of `history --json` output. */
function statusRun(historyJson: string, n: number): string {
  return (JSON.parse(historyJson) as { run_id: string }[])[n]!.run_id;
}

describe('alert', () => {
  /** A webhook receiver on 127.0.0.1: every POST body, by path. */
  let server: Server;
  let hook: string;
  const posts: { path: string; body: Record<string, unknown> }[] = [];
  const TOKEN = '/hooks/T0/B0/very-secret-token';

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        posts.push({ path: req.url ?? '', body: JSON.parse(body) as Record<string, unknown> });
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    hook = `http://127.0.0.1:${(server.address() as AddressInfo).port}${TOKEN}`;
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const alert = async (...extra: string[]) => {
    const r = await cleanCli(['alert', '--model-root', modelRoot, ...extra]);
    // The URL is a secret: neither it nor its path is ever printed.
    expect(`${r.stdout}${r.stderr}`).not.toContain('very-secret-token');
    return r;
  };

  it(
    'reports each state from the history, exit 0 without a webhook, and posts only on a change',
    async () => {
      // m so far ends PASS, PASS: nothing changed, so nothing is posted.
      const steady = await alert('--webhook-url', hook);
      expect(steady.code).toBe(0);
      expect(steady.stdout).toMatch(/^still passing: \S+ PASS \(previous \S+ PASS\)$/m);
      expect(steady.stdout).toContain('no notification');
      expect(posts).toHaveLength(0);

      const failed = await runModel(FAILING);
      expect(failed.code).toBe(2);
      // Without a webhook the state is still right (the original said "passing" here) and the exit is 0.
      const plain = await alert();
      expect(plain.code).toBe(0);
      expect(plain.stdout).toMatch(
        new RegExp(`^new failure: ${failed.rec.run_id} FAIL \\(previous \\S+ PASS\\)$`, 'm'),
      );
      expect(posts).toHaveLength(0);

      const notified = await alert('--webhook-url', hook, '--json');
      expect(notified.code).toBe(0);
      expect(JSON.parse(notified.stdout)).toMatchObject({
        state: 'new_failure',
        changed: true,
        notified: 'sent',
      });
      expect(posts).toHaveLength(1);
      expect(posts[0]!.path).toBe(TOKEN);
      expect(posts[0]!.body).toMatchObject({
        event: 'failure',
        run_id: failed.rec.run_id,
        status: 'FAIL',
        previous_status: 'PASS',
        model_name: 'm',
      });

      expect((await runModel(FAILING)).code).toBe(2);
      const still = await alert('--webhook-url', hook);
      expect(still.stdout).toMatch(/^still failing: \S+ FAIL \(previous \S+ FAIL\)$/m);
      expect(posts).toHaveLength(1);

      const back = await runModel(PASSING[0]!);
      expect(back.code).toBe(0);
      const recovered = await alert('--webhook-url', hook, '--webhook-format', 'slack');
      expect(recovered.code).toBe(0);
      expect(recovered.stdout).toMatch(
        new RegExp(`^recovered: ${back.rec.run_id} PASS \\(previous \\S+ FAIL\\)$`, 'm'),
      );
      expect(recovered.stdout).toContain('notified http://127.0.0.1:');
      expect(posts).toHaveLength(2);
      expect(String(posts[1]!.body.text)).toContain('recovered');
    },
    RUNS_TIMEOUT,
  );

  it(
    'exits 1 with the URL redacted when the notification cannot be delivered',
    async () => {
      // A port nothing listens on: the state of the last run (recovered) is a change, so a post is tried.
      const closed = createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise<void>((resolve) => closed.close(() => resolve()));
      const r = await alert('--webhook-url', `http://127.0.0.1:${port}${TOKEN}`);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`notification to http://127.0.0.1:${port}/<redacted> failed`);
    },
    RUNS_TIMEOUT,
  );
});
