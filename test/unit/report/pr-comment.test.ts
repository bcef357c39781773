import { describe, expect, it } from 'vitest';
import {
  commentSamples,
  defaultCommentKey,
  mdText,
  type PrCommentRun,
  prCommentMarkdown,
  prCommentMarker,
  viewerLink,
} from '../../../src/report/pr-comment.js';
import type { GateResult, RunRecord } from '../../../src/schema/run.js';
import { record, runId } from '../store/fixtures.js';

/** A failed run: gate `m.score >= 0.5` fails, sample s1 dropped from 0.6 to 0.1 against its baseline. */
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
  const rec = record(runId(2), 'FAIL', [0.6, 0.1, 0.55], undefined, {
    gates: [gate, { ...gate, index: 1, metric: 'm.dims.a', op: '>=', value: 0, passed: true }],
    baseline: { mode: 'latest_pass', run_id: base.run_id },
  });
  rec.samples[1]!.prompt = 'a <b>red</b> ball | @octocat [x](http://evil) `code` *bold*';
  rec.samples[1]!.seed = 7;
  return { rec, base };
}

function commentRun(over: Partial<PrCommentRun> = {}): PrCommentRun {
  const { rec, base } = failedRun();
  return {
    record: rec,
    baseline: base,
    report: { url: 'https://ci.example/a/p/s/m/r2/report.html' },
    posters: new Map([['s1', { image: 'https://ci.example/a/p/s/m/r2/thumbs/s1-cand-poster.jpg' }]]),
    ...over,
  };
}

function rowsOf(md: string, heading: string): string[] {
  const part = md.slice(md.indexOf(heading));
  const table = part.slice(0, part.indexOf('\n\n', part.indexOf('|---')));
  return table.split('\n').filter((l) => l.startsWith('| ') && !l.includes('|---'));
}

describe('the PR comment', () => {
  it('starts with the hidden marker and says the verdict', () => {
    const md = prCommentMarkdown({ runs: [commentRun()] });
    expect(md.split('\n')[0]).toBe(prCommentMarker('p/s'));
    expect(md).toContain('## ❌ TemporalCI: FAIL');
    expect(md).toContain('### ❌ FAIL · p/s/m');
  });

  it('lists every failing gate with actual and target, and no passing one', () => {
    const md = prCommentMarkdown({ runs: [commentRun()] });
    const rows = rowsOf(md, '**Failing gates**');
    expect(rows.slice(1)).toEqual(['| 1 | m.score | &gt;= 0.5 | 0.4 | 0.4 violates &gt;= 0.5 (n=3) |']);
  });

  it('lists the worst sample first with prompt, seed, delta and its poster frame linked to the report', () => {
    const md = prCommentMarkdown({ runs: [commentRun()] });
    const rows = rowsOf(md, '**Top regressed samples**');
    expect(rows[0]).toBe('| poster frame | prompt | seed | delta vs baseline |');
    const worst = rows[1]!;
    expect(worst).toContain(
      '[![poster frame of sample s1](https://ci.example/a/p/s/m/r2/thumbs/s1-cand-poster.jpg)](https://ci.example/a/p/s/m/r2/report.html#sample-s1)',
    );
    expect(worst).toContain('| 7 |');
    expect(worst).toContain('m.score 0.6 → 0.1 (−0.5, −83.33% worse)');
    expect(worst).toContain('fails m.score &gt;= 0.5');
    // s0 did not change: not listed; s2 dropped a little: listed after s1.
    expect(rows).toHaveLength(3);
    expect(rows[2]).toContain('prompt s2');
  });

  it('escapes Markdown and HTML in prompts and breaks @mentions', () => {
    const md = prCommentMarkdown({ runs: [commentRun()] });
    expect(md).toContain(
      'a &lt;b&gt;red&lt;/b&gt; ball \\| @\u200Boctocat \\[x\\](http://evil) \\`code\\` \\*bold\\*',
    );
    expect(md).not.toContain('<b>');
    expect(md).not.toMatch(/@octocat/);
    expect(mdText('a\u202Eb')).toBe('a⟦U+202E⟧b');
    expect(mdText('two\nlines')).toBe('two lines');
  });

  it('links the poster frame in the artifact when there is no public URL for images', () => {
    const run = commentRun({
      report: { path: 'p/s/m/r2/report.html' },
      posters: new Map([
        [
          's1',
          {
            link: {
              url: 'https://gh.example/o/r/actions/runs/1/artifacts/9',
              file: 'p/s/m/r2/thumbs/s1.jpg',
            },
          },
        ],
      ]),
    });
    const md = prCommentMarkdown({ runs: [run] });
    expect(md).toContain('report: `p/s/m/r2/report.html` in the artifact');
    expect(md).toContain(
      '[poster frame](https://gh.example/o/r/actions/runs/1/artifacts/9) `p/s/m/r2/thumbs/s1.jpg`',
    );
    expect(md).not.toContain('![');
  });

  it("links a fleet run's video when no frame was made", () => {
    const run = commentRun({
      report: null,
      posters: new Map([['s1', { video: 'https://store.example/p/s/m/r2/videos/s1.mp4' }]]),
    });
    const md = prCommentMarkdown({ runs: [run] });
    expect(rowsOf(md, '**Top regressed samples**')[1]).toMatch(
      /^\| \[video\]\(https:\/\/store\.example\/p\/s\/m\/r2\/videos\/s1\.mp4\) \| /,
    );
    expect(md).not.toContain('[report]');
  });

  it('keeps URLs from closing their link early', () => {
    const run = commentRun({ report: { url: 'https://ci.example/a b/(x)/report.html' } });
    const md = prCommentMarkdown({ runs: [run], viewerUrl: 'https://v.example/runs?id=1 2' });
    expect(md).toContain('[report](https://ci.example/a%20b/%28x%29/report.html)');
    expect(md).toContain('[viewer](https://v.example/runs?id=1%202)');
  });

  it('links the viewer, the artifact and the workflow run', () => {
    const md = prCommentMarkdown({
      runs: [commentRun()],
      viewerUrl: 'https://viewer.example/r2',
      artifactUrl: 'https://gh.example/art/9',
      workflowRunUrl: 'https://gh.example/o/r/actions/runs/1',
    });
    expect(md.trimEnd().split('\n').at(-1)).toBe(
      '[viewer](https://viewer.example/r2) · [artifact with every video and report](https://gh.example/art/9) · [workflow run](https://gh.example/o/r/actions/runs/1)',
    );
  });

  it('links the run and each regressed sample straight to their viewer pages under --viewer-url', () => {
    const run = commentRun();
    const id = run.record.run_id;
    const md = prCommentMarkdown({ runs: [run], viewerUrl: 'http://ci-viewer:8430/#/' });
    expect(md).toContain(`· [in the viewer](http://ci-viewer:8430/#/run/p/s/m/${id})`);
    const rows = rowsOf(md, '**Top regressed samples**');
    expect(rows[1]).toContain(` · [side by side](http://ci-viewer:8430/#/sample/p/s/m/${id}/s1) |`);
    expect(rows[2]).toContain(`[side by side](http://ci-viewer:8430/#/sample/p/s/m/${id}/s2)`);
    expect(prCommentMarkdown({ runs: [run] })).not.toContain('side by side');
    // Each segment escaped once, as the viewer's own links are.
    expect(viewerLink('http://v', 'sample', 'a b', 's/x')).toBe('http://v#/sample/a%20b/s%2Fx');
  });

  it('shows a passing run without samples, and the worst status of several runs', () => {
    const pass = record(runId(3), 'PASS', [0.6], { project: 'p', suite: 's', model: 'm2' });
    const passRun: PrCommentRun = { record: pass, baseline: null, report: null, posters: new Map() };
    const only = prCommentMarkdown({ runs: [passRun] });
    expect(only).toContain('## ✅ TemporalCI: PASS');
    expect(only).not.toContain('Top regressed samples');
    expect(only).not.toContain('Failing gates');
    const both = prCommentMarkdown({ runs: [passRun, commentRun()] });
    expect(both).toContain('## ❌ TemporalCI: FAIL');
    expect(commentSamples(pass, null, 3)).toEqual([]);
  });

  it('keys the marker by suite, and percent-encodes it so a name cannot end the HTML comment', () => {
    expect(defaultCommentKey([commentRun()])).toBe('p/s');
    expect(prCommentMarker('a --> b')).toBe('<!-- temporalci:pr-comment key=a%20--%3E%20b -->');
    expect(prCommentMarkdown({ runs: [commentRun()], key: 'nightly' })).toMatch(
      /^<!-- temporalci:pr-comment key=nightly -->\n/,
    );
  });

  it('stays under the GitHub comment limit with many runs, keeping the marker and the footer', () => {
    const runs = Array.from({ length: 400 }, () => commentRun());
    const md = prCommentMarkdown({ runs, artifactUrl: 'https://gh.example/art/9' });
    expect(md.length).toBeLessThan(65_536);
    expect(md.startsWith(prCommentMarker('p/s'))).toBe(true);
    expect(md).toContain('comment cut to stay under the GitHub comment limit');
    expect(md.trimEnd().endsWith('(https://gh.example/art/9)')).toBe(true);
  });
});
