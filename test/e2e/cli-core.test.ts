import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src/schema/run.js';
import { hasStackTrace, runCli, tempDir, tinySuite } from '../support/cli.js';

let dir: string;
beforeEach(async () => {
  dir = await tempDir('tci-cli-');
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function write(name: string, text: string): Promise<string> {
  const file = path.join(dir, name);
  await fs.writeFile(file, text);
  return file;
}

async function runJson(
  args: string[],
): Promise<{ code: number | null; runs: (RunRecord & { run_dir: string })[] }> {
  const r = await runCli([...args, '--json', '--artifacts-dir', path.join(dir, 'artifacts')]);
  expect(r.stderr).not.toSatisfy(hasStackTrace);
  const parsed = JSON.parse(r.stdout) as { runs: (RunRecord & { run_dir: string })[] };
  return { code: r.code, runs: parsed.runs };
}

describe('validate', () => {
  it('reports all five kinds of mistake with file:line:col and exits 1', async () => {
    const file = await write(
      'bad.yaml',
      `version: 1
project: p
suite_name: s
models:
  - name: m
    adapter: mokc
tests:
  - id: t
    prompts: ["a cat"]
    seeds: 3
metrics:
  - name: vbench_temporal
  - name: vbench_temporol
gates:
  - metric: vbench_temporal.scroe
    op: ">="
    value: 0.5
    methd: threshold
`,
    );
    const r = await runCli(['validate', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).not.toSatisfy(hasStackTrace);
    const located = r.stderr.match(/bad\.yaml:\d+:\d+/g) ?? [];
    expect(located.length).toBe(5);
    expect(r.stderr).toContain('bad.yaml:6:14'); // adapter: mokc
    expect(r.stderr).toContain('bad.yaml:10:12'); // seeds: 3 (wrong type)
    expect(r.stderr).toContain('bad.yaml:13:11'); // unknown metric
    expect(r.stderr).toContain('bad.yaml:15:13'); // bad gate path
    expect(r.stderr).toContain('bad.yaml:18:5'); // mistyped key
    expect(r.stderr).toMatch(/did you mean .?method/);
    expect(r.stderr).toMatch(/did you mean .?mock/);
    expect(r.stderr).toMatch(/did you mean .?(vbench_temporal\.)?score/);
  });

  it('never prints a stack trace for unreadable, empty or binary input', async () => {
    const cases = [
      path.join(dir, 'missing.yaml'),
      await write('empty.yaml', ''),
      await write('binary.yaml', '\u0000\u0001\u0002\uFFFD'),
      await write('list.yaml', '- a\n- b\n'),
      await write('tabs.yaml', 'version: 1\n\tproject: x\n'),
      dir,
    ];
    for (const file of cases) {
      const r = await runCli(['validate', file]);
      expect(r.code, file).toBe(1);
      expect(r.stderr, file).not.toSatisfy(hasStackTrace);
      expect(r.stderr, file).toMatch(/error/);
    }
  });

  it('accepts every shipped example that needs no external files', async () => {
    for (const ex of ['regression_core.yaml', 'regression_core_degraded.yaml', 'regression_sprt.yaml']) {
      const r = await runCli(['validate', `examples/${ex}`]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^valid suite/);
    }
  });
});

describe('run', () => {
  it('runs a tiny suite, writes run.json and the index, and passes', async () => {
    const file = await write('s.yaml', tinySuite());
    const { code, runs } = await runJson(['run', file, '--baseline-mode', 'none']);
    expect(code).toBe(0);
    expect(runs).toHaveLength(1);
    const rec = runs[0]!;
    expect(rec.status).toBe('PASS');
    expect(rec.counts).toMatchObject({ planned: 4, measured: 4, failed: 0 });
    const index = JSON.parse(await fs.readFile(path.join(rec.run_dir, '..', 'index.json'), 'utf8')) as {
      runs: { run_id: string }[];
    };
    expect(index.runs.map((r) => r.run_id)).toEqual([rec.run_id]);
    const onDisk = JSON.parse(await fs.readFile(path.join(rec.run_dir, 'run.json'), 'utf8')) as RunRecord;
    expect(onDisk.run_id).toBe(rec.run_id);
  });

  it('records per-sample errors with their stage and exits 1 when more fail than max_failed_ratio', async () => {
    const file = await write(
      's.yaml',
      tinySuite({
        models:
          '  - name: m1\n    adapter: mock\n    params: {fail_rate: 0.5, fail_message: "CUDA out of memory"}',
      }),
    );
    const { code, runs } = await runJson(['run', file, '--baseline-mode', 'none']);
    expect(code).toBe(1);
    const rec = runs[0]!;
    expect(rec.status).toBe('ERROR');
    expect(rec.counts.failed).toBeGreaterThan(0);
    const failed = rec.samples.filter((s) => s.error);
    expect(
      failed.every((s) => s.error?.stage === 'generate' && /CUDA out of memory/.test(s.error.message)),
    ).toBe(true);
    expect(rec.errors.join()).toMatch(/more than max_failed_ratio 0/);
    // A tolerated failure ratio turns the same run into a verdict.
    const ok = await runJson(['run', file, '--baseline-mode', 'none', '--max-failed-ratio', '0.9']);
    expect(ok.code).toBe(0);
  });

  it('never passes a run in which no sample succeeded', async () => {
    const file = await write(
      's.yaml',
      tinySuite({ models: '  - name: m1\n    adapter: mock\n    params: {fail_rate: 1}' }),
    );
    const r = await runCli(['run', file, '--baseline-mode', 'none', '--artifacts-dir', path.join(dir, 'a')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^ERROR/m);
    expect(r.stdout).toMatch(/no sample succeeded/);
  });

  it('fails with exit 2 on a gate override and exits 1 on a mistyped one', async () => {
    const file = await write('s.yaml', tinySuite());
    const strict = await runJson([
      'run',
      file,
      '--baseline-mode',
      'none',
      '--gate-override',
      'vbench_temporal.score >= 0.9999',
    ]);
    expect(strict.code).toBe(2);
    expect(strict.runs[0]!.gates[0]).toMatchObject({
      metric: 'vbench_temporal.score',
      value: 0.9999,
      passed: false,
    });
    const typo = await runCli([
      'run',
      file,
      '--gate-override',
      'vbench_temporal.scor >= 0.5',
      '--artifacts-dir',
      dir,
    ]);
    expect(typo.code).toBe(1);
    expect(typo.stderr).toMatch(/did you mean "vbench_temporal\.score"/);
    const badOp = await runCli(['run', file, '--gate-override', 'vbench_temporal.score => 0.5']);
    expect(badOp.code).toBe(1);
  });

  it('regresses against the latest passing run and honours --ignore-regression', async () => {
    const clean = await write('clean.yaml', tinySuite());
    const noisy = await write(
      'noisy.yaml',
      tinySuite({ models: '  - name: m1\n    adapter: mock\n    params: {noise: 20, judder: 2}' }),
    );
    expect((await runJson(['run', clean, '--baseline-mode', 'none'])).code).toBe(0);
    const reg = await runJson(['run', noisy]);
    expect(reg.code).toBe(2);
    expect(reg.runs[0]!.regressions[0]).toMatchObject({ metric: 'vbench_temporal.score', regressed: true });
    const ignored = await runJson(['run', noisy, '--ignore-regression']);
    expect(ignored.code).toBe(0);
    expect(ignored.runs[0]!.regression_failed).toBe(true);
    // An identical rerun is not a regression (deltas are exactly zero, well inside the tolerance).
    const same = await runJson(['run', clean]);
    expect(same.code).toBe(0);
  });

  it('runs every model of a multi-model suite and filters with --model and --exclude-model', async () => {
    const file = await write(
      's.yaml',
      tinySuite({
        models:
          '  - name: m1\n    adapter: mock\n    params: {}\n  - name: m2\n    adapter: mock\n    params: {noise: 3}',
      }),
    );
    const all = await runJson(['run', file, '--baseline-mode', 'none', '--sample', '1']);
    expect(all.runs.map((r) => r.model_name)).toEqual(['m1', 'm2']);
    expect(all.runs.every((r) => r.counts.planned === 1)).toBe(true);
    const one = await runJson([
      'run',
      file,
      '--baseline-mode',
      'none',
      '--sample',
      '1',
      '--exclude-model',
      'm1',
    ]);
    expect(one.runs.map((r) => r.model_name)).toEqual(['m2']);
    const unknown = await runCli(['run', file, '--model', 'nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/models in this suite: m1, m2/);
  });

  it('plans without writing anything on --dry-run', async () => {
    const file = await write('s.yaml', tinySuite());
    const r = await runCli(['run', file, '--dry-run', '--artifacts-dir', path.join(dir, 'never')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/model m1 \(adapter mock\): 4 samples/);
    await expect(fs.access(path.join(dir, 'never'))).rejects.toThrow();
  });

  it('skips a corrupt sibling run.json with a warning instead of failing', async () => {
    const file = await write('s.yaml', tinySuite());
    const first = await runJson(['run', file, '--baseline-mode', 'none']);
    const modelRoot = path.dirname(first.runs[0]!.run_dir);
    await fs.mkdir(path.join(modelRoot, '20990101T000000000Z-dead'));
    await fs.writeFile(path.join(modelRoot, '20990101T000000000Z-dead', 'run.json'), '{broken');
    await fs.rm(path.join(modelRoot, 'index.json'));
    const r = await runCli(['run', file, '--artifacts-dir', path.join(dir, 'artifacts')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning: skipping run 20990101T000000000Z-dead/);
  });

  it('uses a tagged baseline and refuses to tag a run that does not exist', async () => {
    const file = await write('s.yaml', tinySuite());
    const first = await runJson(['run', file, '--baseline-mode', 'none', '--tag', 'golden']);
    const modelRoot = path.dirname(first.runs[0]!.run_dir);
    const list = await runCli(['tag', 'list', '--model-root', modelRoot]);
    expect(list.stdout).toContain(`golden\t${first.runs[0]!.run_id}`);
    const second = await runJson(['run', file, '--baseline-mode', 'tag:golden']);
    expect(second.runs[0]!.baseline.run_id).toBe(first.runs[0]!.run_id);
    const bad = await runCli(['tag', 'set', 'x', 'no-such-run', '--model-root', modelRoot]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/no run "no-such-run"/);
    const missing = await runCli([
      'run',
      file,
      '--baseline-mode',
      'tag:nope',
      '--artifacts-dir',
      path.join(dir, 'artifacts'),
    ]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/tag "nope" does not exist/);
  });

  it('refuses names that would escape the artifacts folder', async () => {
    const file = await write('s.yaml', tinySuite().replace('project: tiny', 'project: "../../etc"'));
    const r = await runCli(['validate', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/project/);
  });
});

describe('other commands', () => {
  it('init writes a starter suite that runs as-is, and refuses to overwrite', async () => {
    const out = path.join(dir, 'starter.yaml');
    expect((await runCli(['init', '--output', out])).code).toBe(0);
    expect((await runCli(['init', '--output', out])).code).toBe(1);
    const r = await runJson(['run', out, '--baseline-mode', 'none', '--sample', '2']);
    expect(r.code).toBe(0);
  });

  it('list --json names the registries; schema prints JSON Schema; doctor reports ffmpeg', async () => {
    const list = JSON.parse((await runCli(['list', '--json'])).stdout) as {
      adapters: { name: string }[];
      metrics: { name: string; paths: string[] }[];
      gate_methods: { name: string }[];
    };
    expect(list.adapters.map((a) => a.name)).toContain('mock');
    expect(list.metrics.find((m) => m.name === 'vbench_temporal')?.paths).toContain('vbench_temporal.score');
    expect(list.gate_methods.map((g) => g.name)).toContain('sprt_regression');
    const schema = JSON.parse((await runCli(['schema'])).stdout) as { properties: Record<string, unknown> };
    expect(Object.keys(schema.properties)).toEqual(
      expect.arrayContaining(['version', 'models', 'tests', 'gates']),
    );
    const doctor = await runCli(['doctor']);
    expect(doctor.code).toBe(0);
    expect(doctor.stdout).toMatch(/ffmpeg: +\S+ \((system|npm|env), version/);
    expect(doctor.stdout).toMatch(/ok +encoder libx264/);
    expect(doctor.stdout).toMatch(/ok +nsfwjs/);
  });

  it('doctor exits 1 with a one-line hint when the configured ffmpeg does not run', async () => {
    const r = await runCli(['doctor'], { env: { TEMPORALCI_FFMPEG: '/nonexistent/ffmpeg' } });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/TEMPORALCI_FFMPEG=\/nonexistent\/ffmpeg does not run/);
    expect(r.stderr).toMatch(/^hint: /m);
    expect(r.stderr).not.toSatisfy(hasStackTrace);
  });

  it('run stops before generating anything when the configured ffmpeg does not run', async () => {
    const file = await write('s.yaml', tinySuite());
    const r = await runCli(['run', file, '--artifacts-dir', path.join(dir, 'a')], {
      env: { TEMPORALCI_FFMPEG: '/nonexistent/ffmpeg' },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^hint: /m);
    await expect(fs.access(path.join(dir, 'a'))).rejects.toThrow();
  });

  it('stores kept videos in the codec artifacts.encode asks for', async () => {
    const file = await write('s.yaml', tinySuite({ extra: 'artifacts:\n  encode: vp9' }));
    const { code, runs } = await runJson(['run', file, '--baseline-mode', 'none', '--sample', '1']);
    expect(code).toBe(0);
    const s = runs[0]!.samples[0]!;
    expect(s.video_path).toMatch(/\.webm$/);
    expect(s.timings.encode).toBeGreaterThan(0);
    const probe = execFileSync('ffprobe', [
      '-v',
      'error',
      '-show_entries',
      'stream=codec_name',
      '-of',
      'csv=p=0',
      path.join(runs[0]!.run_dir, s.video_path!),
    ]);
    expect(probe.toString().trim()).toBe('vp9');
  });

  it('rejects an unknown command or flag with exit 1', async () => {
    expect((await runCli(['frobnicate'])).code).toBe(1);
    expect((await runCli(['run', 'x.yaml', '--no-such-flag'])).code).toBe(1);
    expect((await runCli(['--version'])).code).toBe(0);
  });
});
