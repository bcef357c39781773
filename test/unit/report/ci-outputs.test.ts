import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { annotations, mdCode, summaryMarkdown } from '../../../src/report/github.js';
import { junitXml } from '../../../src/report/junit.js';
import type { GateResult, RunRecord } from '../../../src/schema/run.js';
import { record, runId } from '../store/fixtures.js';

/** The CI outputs on a small failed run: a gate on `m.score >= 0.5`, three samples, one of them bad. */
const gate: GateResult = {
  index: 0,
  metric: 'm.score',
  op: '>=',
  value: 0.5,
  method: 'threshold',
  aggregate: 'mean',
  actual: 0.4,
  sample_count: 3,
  passed: false,
  reason: '0.4 violates >= 0.5 (n=3)',
};

function failedRun(): { rec: RunRecord; base: RunRecord } {
  const base = record(runId(1), 'PASS', [0.6, 0.6, 0.6]);
  const rec = record(runId(2), 'FAIL', [0.6, 0.1, 0.5], undefined, {
    gates: [gate],
    baseline: { mode: 'latest_pass', run_id: base.run_id },
  });
  rec.samples[1]!.prompt = 'a red_ball | bouncing';
  rec.samples[1]!.seed = 7;
  rec.samples[1]!.test_id = 't2';
  rec.samples[1]!.timings = { generate: 2.5, decode: 0.25 };
  return { rec, base };
}

describe('the GitHub step summary', () => {
  it('puts ids and paths in code spans that render as written', () => {
    expect(mdCode('regression_core/demo_mock_model')).toBe('`regression_core/demo_mock_model`');
    expect(mdCode('a`b')).toBe('``a`b``');
    expect(mdCode('`x`')).toBe('`` `x` ``');
    const { rec } = failedRun();
    const md = summaryMarkdown(rec, { reportLink: 'artifacts/p_q/report.html' });
    expect(md).toContain(`Run \`${rec.run_id}\``);
    expect(md).toContain('Full report: `artifacts/p_q/report.html`');
  });

  it('lists the samples to look at with prompt, seed and the change against the baseline', () => {
    const { rec, base } = failedRun();
    const md = summaryMarkdown(rec, { baseline: base });
    const table = md.slice(md.indexOf('### Samples to look at'));
    const rows = table.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| prompt | seed'));
    // Worst first: the sample that fails the gate on its own value, then the one that dropped.
    expect(rows[0]).toBe(
      '| a red\\_ball \\| bouncing | 7 | m.score &gt;= 0.5 | m.score 0.6 → 0.1 (83.33% worse) |',
    );
    expect(rows[1]).toContain('| prompt s2 | 0 |');
    expect(rows).toHaveLength(2);
  });

  it('links each listed sample to its report card and its viewer page, and the run to the viewer', () => {
    const { rec, base } = failedRun();
    const md = summaryMarkdown(rec, {
      baseline: base,
      reportLink: 'https://ci.example/art/p/s/m/r (1)/report.html',
      viewerUrl: 'http://127.0.0.1:8790/#/old',
    });
    const bad = rec.samples[1]!;
    const row = md.split('\n').find((l) => l.includes('a red\\_ball'))!;
    expect(row).toContain(
      `[a red\\_ball \\| bouncing](https://ci.example/art/p/s/m/r%20%281%29/report.html#sample-${bad.sample_id})`,
    );
    const sample = ['sample', rec.project, rec.suite_name, rec.model_name, rec.run_id, bad.sample_id];
    expect(row).toContain(
      `· [side by side](http://127.0.0.1:8790/#/${sample.map(encodeURIComponent).join('/')})`,
    );
    const run = ['run', rec.project, rec.suite_name, rec.model_name, rec.run_id];
    expect(md).toContain(
      `[This run in the viewer](http://127.0.0.1:8790/#/${run.map(encodeURIComponent).join('/')})`,
    );
  });

  it('links no prompt when the report is only a path and no viewer is given', () => {
    const { rec, base } = failedRun();
    const md = summaryMarkdown(rec, { baseline: base, reportLink: 'artifacts/report.html' });
    expect(md).not.toContain('](');
    expect(md).not.toContain('viewer');
  });

  it('has no sample table for a passing run', () => {
    const pass = record(runId(3), 'PASS', [0.6]);
    expect(summaryMarkdown(pass)).not.toContain('Samples to look at');
  });
});

describe('annotations', () => {
  it('point at the failed gate line in the suite file', () => {
    const { rec } = failedRun();
    const lines = annotations(rec, { file: 'suites/s.yaml', gateLines: [31] });
    expect(lines[0]).toMatch(
      /^::error title=TemporalCI m%3A gate failed,file=suites\/s\.yaml,line=31::gate m\.score/,
    );
  });

  it('carry no line without a file', () => {
    const { rec } = failedRun();
    expect(annotations(rec, { gateLines: [31] })[0]).not.toContain('line=');
  });
});

describe('JUnit XML', () => {
  const parse = (xml: string) =>
    new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml) as {
      testsuites: {
        testsuite: { timestamp: string; testcase: { classname: string; name: string; time: string }[] };
      };
    };

  it('has a testcase per gate and per sample, grouped by test id, with real times and a zoned timestamp', () => {
    const { rec } = failedRun();
    const suite = parse(junitXml([rec])).testsuites.testsuite;
    expect(suite.timestamp).toBe('2026-01-01T00:00:00.000Z');
    const cases = suite.testcase;
    expect(cases.map((c) => c.classname)).toEqual([
      'temporalci.p.s.m.gates',
      'temporalci.p.s.m.samples.t',
      'temporalci.p.s.m.samples.t2',
      'temporalci.p.s.m.samples.t',
    ]);
    expect(cases[2]).toMatchObject({ name: 'sample s1 (seed 7): a red_ball | bouncing', time: '2.750' });
  });
});
