import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSuite } from '../../../src/runs/engine.js';
import type { Reporter } from '../../../src/runs/reporter.js';
import { MemoryRunStore } from '../../../src/store/memory.js';
import { parseGateOverride } from '../../../src/suite/gate-override.js';
import { loadSuite } from '../../../src/suite/load.js';

/**
 * The engine in-process, against the in-memory implementation of the store ports (a real implementation,
 * not a mock): no CLI child process, no artifacts folder. The mock adapter still renders and encodes real
 * video with ffmpeg, and every metric reads the decoded frames.
 */
const SUITE = (quality: number, gates: string) => `version: 1
project: demo
suite_name: inline
models:
  - name: mock_model
    adapter: mock
    params: { quality_shift: ${quality}, noise_scale: 0.02 }
tests:
  - id: t
    type: generation
    prompts: ["a red ball rolling", "a calm lake at dawn"]
    seeds: [0, 1]
    video: { num_frames: 8, fps: 8, resolution: 64 }
metrics:
  - name: vbench_temporal
    params: { dims: ["temporal_flicker", "motion_smoothness"] }
gates:
${gates}
`;

const GATE = `  - metric: vbench_temporal.dims.temporal_flicker
    op: ">="
    value: 0.5`;

let dir: string;
beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tci-engine-'));
});
afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

async function suiteOf(name: string, text: string) {
  const file = path.join(dir, `${name}.yaml`);
  await fs.writeFile(file, text);
  return loadSuite(file);
}

/** Records every hook the engine calls, in order. */
function recorder(): Reporter & { events: string[] } {
  const events: string[] = [];
  return {
    name: 'recorder',
    events,
    onRunStart: (i) => void events.push(`start ${i.model} ${i.planned}`),
    onSampleEnd: (i) => void events.push(`sample ${i.done}/${i.total}`),
    onWaveEnd: (i) => void events.push(`wave ${i.wave}`),
    onRunEnd: (i) => void events.push(`end ${i.reason}`),
    onSuiteEnd: (r) => void events.push(`suite ${r.length}`),
  };
}

describe('runSuite in-process on a MemoryRunStore', () => {
  it('runs, commits, pairs the next run with the first as its baseline, and tells every reporter', async () => {
    const store = new MemoryRunStore();
    const suite = await suiteOf('a', SUITE(0, GATE));
    const rec = recorder();
    const first = await runSuite(suite, { store, artifacts: store, baselineMode: 'none', reporters: [rec] });
    expect(first.exitCode).toBe(0);
    const run = first.runs[0]!;
    expect(run.record.status).toBe('PASS');
    expect(run.record.counts).toMatchObject({ planned: 4, measured: 4, failed: 0 });
    // The store holds the record, its index entry and every kept video.
    const key = { project: 'demo', suite: 'inline', model: 'mock_model' };
    expect((await store.index(key)).map((e) => e.run_id)).toEqual([run.record.run_id]);
    expect((await store.readRun(run.run)).status).toBe('PASS');
    for (const s of run.record.samples) {
      expect(s.video_path).toMatch(/^videos\/[0-9a-f]{16}\.mp4$/);
      expect(await store.exists({ run: run.run, name: s.video_path! })).toBe(true);
    }
    expect(rec.events[0]).toBe('start mock_model 4');
    expect(rec.events.filter((e) => e.startsWith('sample'))).toHaveLength(4);
    expect(rec.events.slice(-2)).toEqual(['end passed', 'suite 1']);

    const second = await runSuite(suite, { store, artifacts: store, baselineMode: 'latest_pass' });
    expect(second.runs[0]!.record.baseline.run_id).toBe(run.record.run_id);
    expect((await store.index(key)).map((e) => e.run_id)).toHaveLength(2);
  }, 120_000);

  it('fails (exit 2) when a gate fails on the measured pixels, and tags only verdicts', async () => {
    const store = new MemoryRunStore();
    const strict = `  - metric: vbench_temporal.dims.temporal_flicker
    op: ">="
    value: 1.01`;
    const suite = await suiteOf('b', SUITE(0, strict));
    const r = await runSuite(suite, { store, artifacts: store, baselineMode: 'none', tag: 'nightly' });
    expect(r.exitCode).toBe(2);
    expect(r.runs[0]!.record.gate_failed).toBe(true);
    const key = { project: 'demo', suite: 'inline', model: 'mock_model' };
    expect(await store.tags(key)).toEqual({ nightly: r.runs[0]!.record.run_id });
  }, 120_000);

  it('an aborted run is INTERRUPTED, keeps its finished samples, and resumes to a verdict', async () => {
    const store = new MemoryRunStore();
    const suite = await suiteOf('c', SUITE(0, GATE));
    const controller = new AbortController();
    const stopAfterOne: Reporter = { name: 'stop', onSampleEnd: () => controller.abort() };
    const override = parseGateOverride('vbench_temporal.dims.temporal_flicker >= 0.4', suite);
    const first = await runSuite(suite, {
      store,
      artifacts: store,
      baselineMode: 'none',
      workers: 1,
      gateOverrides: [override],
      deadlineS: 600,
      onDeadline: 'evaluate',
      signal: controller.signal,
      reporters: [stopAfterOne],
    });
    const cut = first.runs[0]!;
    expect(cut.record.status).toBe('INTERRUPTED');
    expect(first.exitCode).toBe(1);
    const state = await store.readState(cut.run);
    // Resumed with none of the first session's flags: its gates, override and deadline policy still hold.
    const resumed = await runSuite(suite, { store, artifacts: store, resume: { run: cut.run, state } });
    const done = resumed.runs[0]!.record;
    expect(done.gates.map((g) => [g.metric, g.op, g.value])).toEqual([
      ['vbench_temporal.dims.temporal_flicker', '>=', 0.4],
    ]);
    expect(done.deadline?.policy).toBe('evaluate');
    expect(done.baseline.mode).toBe('none');
    expect(done.run_id).toBe(cut.record.run_id);
    expect(done.status).toBe('PASS');
    expect(done.resumed?.sessions).toBe(2);
    expect(done.resumed?.reused_samples).toBeGreaterThanOrEqual(1);
    expect(done.counts.measured).toBe(4);
  }, 120_000);
});
