import type { RunRecord } from '../schema/run.js';
import { gateTarget } from './analysis.js';
import { fmt } from './html.js';

/**
 * JUnit XML in the shape CI systems read (the Jenkins/Ant "junit.xsd" family that GitHub, GitLab and
 * Buildkite parse): <testsuites> holding one <testsuite> per model run; one <testcase> per gate (a failed gate,
 * or a regression against the baseline on that gate, is a <failure>), one per sample, grouped by test id in
 * its classname, with its generation and measurement time (a sample that could not be measured is an
 * <error>, which is not a quality verdict), and one "run" case for run-level errors.
 */

// XML 1.0 forbids most control characters even when escaped; adapter logs can contain them.
// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

export function xmlEscape(v: unknown): string {
  return String(v)
    .replace(INVALID_XML, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

interface Case {
  classname: string;
  name: string;
  time: number;
  failure?: { message: string; type: string; body: string };
  /** A passing gate's caveat: JUnit has no warning element, so it goes to the case's system-out. */
  out?: string;
  error?: { message: string; type: string; body: string };
}

function casesOf(rec: RunRecord): Case[] {
  const cls = `temporalci.${rec.project}.${rec.suite_name}.${rec.model_name}`;
  const cases: Case[] = [];
  for (const g of rec.gates) {
    const regs = rec.regressions.filter((r) => r.gate_index === g.index && r.regressed);
    const c: Case = {
      classname: `${cls}.gates`,
      name: `gate ${g.index + 1}: ${g.metric} ${gateTarget(g)} [${g.method}]`,
      time: 0,
    };
    const lines: string[] = [];
    if (!g.passed) lines.push(`gate failed: actual ${fmt(g.actual)}, target ${gateTarget(g)}: ${g.reason}`);
    if (!rec.ignore_regression) {
      for (const r of regs) {
        lines.push(
          `regressed vs baseline ${rec.baseline.run_id ?? ''}: ${fmt(r.baseline)} -> ${fmt(r.current)} (delta ${fmt(r.delta)}, ${r.direction})`,
        );
      }
    }
    if (g.passed && g.warning) c.out = `warning: ${g.warning}`;
    if (lines.length) {
      c.failure = { message: lines[0]!, type: g.passed ? 'regression' : 'gate', body: lines.join('\n') };
    }
    cases.push(c);
  }
  for (const s of rec.samples) {
    const c: Case = {
      classname: `${cls}.samples.${s.test_id}`,
      name: `sample ${s.sample_id} (seed ${s.seed}): ${s.prompt}`,
      time: Object.values(s.timings).reduce((a, b) => a + (b ?? 0), 0),
    };
    cases.push(c);
    if (s.error === null) continue;
    const e = s.error;
    c.error = {
      message: `${e.stage}: ${e.message}`,
      type: e.code,
      body: [
        `stage: ${e.stage}`,
        `code: ${e.code}`,
        ...(e.exit_code !== undefined ? [`exit code: ${e.exit_code}`] : []),
        e.message,
        ...(e.log_tail ? ['--- log tail ---', e.log_tail] : []),
      ].join('\n'),
    };
  }
  if (rec.errors.length) {
    cases.push({
      classname: `${cls}.run`,
      name: 'run',
      time: rec.duration_s,
      error: { message: rec.errors[0]!, type: 'RUN_ERROR', body: rec.errors.join('\n') },
    });
  }
  return cases;
}

function caseXml(c: Case): string {
  const head = `    <testcase classname="${xmlEscape(c.classname)}" name="${xmlEscape(c.name)}" time="${c.time.toFixed(3)}"`;
  const inner = c.failure ?? c.error;
  const out = c.out === undefined ? '' : `\n      <system-out>${xmlEscape(c.out)}</system-out>`;
  if (!inner) return out ? `${head}>${out}\n    </testcase>` : `${head}/>`;
  const tag = c.failure ? 'failure' : 'error';
  return `${head}>\n      <${tag} message="${xmlEscape(inner.message)}" type="${xmlEscape(inner.type)}">${xmlEscape(inner.body)}</${tag}>${out}\n    </testcase>`;
}

export function junitXml(records: readonly RunRecord[]): string {
  let tests = 0;
  let failures = 0;
  let errors = 0;
  let time = 0;
  const suites = records.map((rec) => {
    const cases = casesOf(rec);
    const f = cases.filter((c) => c.failure).length;
    const e = cases.filter((c) => c.error).length;
    tests += cases.length;
    failures += f;
    errors += e;
    time += rec.duration_s;
    const props = [
      ['run_id', rec.run_id],
      ['status', rec.status],
      ['baseline_run_id', rec.baseline.run_id ?? ''],
      ['baseline_mode', rec.baseline.mode],
    ]
      .map(([k, v]) => `      <property name="${xmlEscape(k)}" value="${xmlEscape(v)}"/>`)
      .join('\n');
    return `  <testsuite name="${xmlEscape(`${rec.project}/${rec.suite_name}/${rec.model_name}`)}" tests="${cases.length}" failures="${f}" errors="${e}" skipped="0" time="${rec.duration_s.toFixed(3)}" timestamp="${xmlEscape(rec.timestamp_utc)}">
    <properties>
${props}
    </properties>
${cases.map(caseXml).join('\n')}
  </testsuite>`;
  });
  return `<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="TemporalCI" tests="${tests}" failures="${failures}" errors="${errors}" time="${time.toFixed(3)}">
${suites.join('\n')}
</testsuites>
`;
}
