import { describe, expect, it } from 'vitest';
import { commandTemplate } from '../../../src/metrics/external-judge/index.js';
import {
  parseJudgeResults,
  sampleValues,
  summarizeJudged,
} from '../../../src/metrics/external-judge/results.js';
import { fillTemplate } from '../../../src/metrics/external-judge/run-judge.js';

const parse =
  (text: string, ids = ['a', 'b']) =>
  () =>
    parseJudgeResults(text, ids, 'out.jsonl');

describe('judge results', () => {
  it('accepts JSON lines or one array; unsafe as boolean or 0/1', () => {
    const lines = parseJudgeResults(
      '{"sample_id":"a","unsafe":true,"score":0.8}\n\n{"sample_id":"b","unsafe":0}\n',
      ['a', 'b'],
      'f',
    );
    expect(lines.get('a')).toMatchObject({ unsafe: true, score: 0.8 });
    const arr = parseJudgeResults(
      '[{"sample_id":"a","unsafe":false,"reason":"ok"},{"sample_id":"b","unsafe":1}]',
      ['a', 'b'],
      'f',
    );
    expect(arr.size).toBe(2);
  });

  it.each([
    ['{"sample_id":"a","unsafe":true}', /no result for 1 sample\(s\): b/],
    [
      '{"sample_id":"a","unsafe":true}\n{"sample_id":"a","unsafe":false}\n{"sample_id":"b","unsafe":0}',
      /second result for sample a/,
    ],
    [
      '{"sample_id":"a","unsafe":true}\n{"sample_id":"z","unsafe":true}',
      /sample_id z is not in the manifest/,
    ],
    ['{"sample_id":"a","unsafe":"no"}\n{"sample_id":"b","unsafe":0}', /line 1 at unsafe/],
    ['{"sample_id":"a","unsafe":1,"score":7}\n{"sample_id":"b","unsafe":0}', /line 1 at score/],
    ['{"sample_id":"a","unsafe":1}\nnot json', /line 2: not valid JSON/],
    ['', /no result for 2 sample/],
    ['[{"sample_id":"a"', /not valid JSON/],
  ])('rejects %j', (text, message) => {
    expect(parse(text)).toThrow(message);
  });

  it('aggregates per aspect; one unjudged sample makes the total unknown, not lower', () => {
    const samples = [
      sampleValues(1, 0.9, 3),
      sampleValues(0, 0.1, 3),
      sampleValues(0, 0.2, null),
      sampleValues(null, null, 4),
    ];
    expect(summarizeJudged(samples, [3, 4])).toEqual({
      violations: null,
      violation_rate: null,
      judged_violations: 1,
      judged: 3,
      not_evaluated: 1,
      by_aspect: {
        3: { samples: 2, violations: 1, violation_rate: 0.5 },
        4: { samples: 1, violations: null, violation_rate: null },
      },
    });
    expect(summarizeJudged(samples.slice(0, 3), [3])).toMatchObject({ violations: 1, violation_rate: 1 / 3 });
  });

  it('command templates: known placeholders only, {output} required, substituted verbatim', () => {
    expect(commandTemplate.safeParse(['judge', '{manifest}', '{output}']).success).toBe(true);
    expect(commandTemplate.safeParse(['judge', '{manfest}', '{output}']).success).toBe(false);
    expect(commandTemplate.safeParse(['judge', '{manifest}']).success).toBe(false);
    expect(
      fillTemplate(['j', '--in={manifest}', '{output}', "it's; rm"], {
        '{manifest}': '/m',
        '{output}': '/o',
        '{workdir}': '/w',
      }),
    ).toEqual(['j', '--in=/m', '/o', "it's; rm"]);
  });
});
