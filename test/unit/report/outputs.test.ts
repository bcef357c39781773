import { describe, expect, it } from 'vitest';
import { shouldNotify, targetSecrets } from '../../../src/notify/webhook.js';
import { redact } from '../../../src/platform/env.js';
import { mdCell, truncateUtf8, workflowCommand } from '../../../src/report/github.js';
import { esc } from '../../../src/report/html.js';
import { xmlEscape } from '../../../src/report/junit.js';
import { sprtView } from '../../../src/report/sprt-view.js';
import type { GateResult } from '../../../src/schema/run.js';

const gate = (detail: Record<string, unknown>): GateResult => ({
  index: 0,
  metric: 'vbench_temporal.score',
  op: '>=',
  value: 0.9,
  method: 'sprt_regression',
  aggregate: 'mean',
  actual: 0.95,
  sample_count: 8,
  passed: false,
  reason: 'regression',
  detail,
});

describe('escaping', () => {
  it('HTML, XML (control characters too), Markdown cells, workflow commands', () => {
    expect(esc(`<a href="x">'&`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;');
    expect(xmlEscape('a\u0001b<')).toBe('a\uFFFDb&lt;');
    expect(mdCell('a|b\n<img>`x`')).toBe('a\\|b &lt;img&gt;\\`x\\`');
    expect(workflowCommand('error', '50% done\nnext', { title: 'a:b,c' })).toBe(
      '::error title=a%3Ab%2Cc::50%25 done%0Anext',
    );
  });

  it('truncates Markdown under a byte budget with a note', () => {
    const text = `${'line ✓\n'.repeat(1000)}`;
    const out = truncateUtf8(text, 500);
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(500);
    expect(out).toContain('truncated');
  });
});

describe('SPRT detail', () => {
  it('reads the wave trace and boundaries', () => {
    const v = sprtView(
      gate({
        upper: 2.89,
        lower: -2.25,
        llr: -3.1,
        n: 8,
        decision: 'accept_h0_regression',
        waves: [
          { wave: 1, n: 4, llr: -1.2, sigma: 0.01, decision: 'continue' },
          { wave: 2, n: 8, llr: -3.1, sigma: 0.01, decision: 'accept_h0_regression' },
        ],
        pairing: {
          expected_pairs: 12,
          worst_deltas: [{ key: 's1', current: 0.9, baseline: 0.95, delta: -0.05 }],
        },
      }),
    );
    expect(v).toMatchObject({
      decision: 'accept_h0_regression',
      upper: 2.89,
      lower: -2.25,
      pairsUsed: 8,
      pairsPlanned: 12,
    });
    expect(v?.looks.map((l) => l.n)).toEqual([4, 8]);
    expect(v?.worst[0]).toMatchObject({ key: 's1', delta: -0.05 });
  });

  it('reads the original llr_history shape and ignores junk', () => {
    const v = sprtView(
      gate({
        upper_threshold: 2.89,
        lower_threshold: -2.25,
        llr_history: [0.3, 'x', 0.6],
        decision: 'inconclusive',
      }),
    );
    expect(v?.looks).toEqual([
      { wave: 1, n: 1, llr: 0.3 },
      { wave: 3, n: 3, llr: 0.6 },
    ]);
    expect(sprtView({ ...gate({}), method: 'threshold', detail: undefined })).toBeNull();
  });
});

describe('webhook rules', () => {
  it('notify_on', () => {
    expect(shouldNotify('failure', 'PASS', 'FAIL')).toBe(false);
    expect(shouldNotify('failure', 'ERROR', null)).toBe(true);
    expect(shouldNotify('change', 'PASS', 'FAIL')).toBe(true);
    expect(shouldNotify('change', 'FAIL', 'FAIL')).toBe(false);
    expect(shouldNotify('change', 'PASS', null)).toBe(false);
    expect(shouldNotify('always', 'PASS', 'PASS')).toBe(true);
  });

  it('redacts the URL, its path and the secret', () => {
    const t = { url: 'https://hooks.example.com/services/T1/B2/tok?x=1', secret: 'k3y' };
    const msg = redact(
      'POST https://hooks.example.com/services/T1/B2/tok?x=1 failed; path /services/T1/B2/tok; k3y',
      targetSecrets(t),
    );
    expect(msg).not.toMatch(/tok|k3y/);
  });
});
