import path from 'node:path';
import pc from 'picocolors';
import { percent } from '../platform/format.js';
import type { ModelRunResult } from '../runs/reporter.js';
import { gateDecision } from '../schema/gate-trace.js';
import type { GateResult, RegressionResult } from '../schema/run.js';

function num(v: number | null): string {
  if (v === null) return 'missing';
  if (!Number.isFinite(v)) return String(v);
  return Number.isInteger(v) ? String(v) : v.toFixed(6).replace(/0+$/, '').replace(/\.$/, '');
}

function gateLine(g: GateResult, color: boolean): string {
  // A pass with a caveat (aspects not evaluated, allowed) must not look like a clean pass.
  const verdict = g.passed ? (g.warning ? 'PASS (warning)' : 'PASS') : 'FAIL';
  const paint = color ? (g.passed ? pc.green : pc.red) : (s: string) => s;
  const agg = g.aggregate === 'mean' ? '' : ` [${g.aggregate}]`;
  // Statistical gates name their decision (accept_h1_no_regression, pairing_mismatch, ...) next to the verdict.
  const word = gateDecision(g);
  const decision = word === null ? '' : ` ${g.method}=${word}`;
  return `  gate  ${g.metric}${agg} ${g.op} ${String(g.value)}  actual=${num(g.actual)}  ${paint(verdict)}${decision}  (${g.reason})`;
}

function regressionLine(r: RegressionResult, color: boolean): string {
  const paint = color ? (r.regressed ? pc.red : pc.green) : (s: string) => s;
  const rel = r.relative_delta === null ? '' : ` (${percent(r.relative_delta)})`;
  const tol = `tolerance ${r.tolerance.min_absolute_change} abs, ${percent(r.tolerance.min_relative_change)} rel`;
  return `  regression  ${r.metric} ${r.direction}: baseline=${num(r.baseline)} current=${num(r.current)} delta=${num(r.delta)}${rel}  ${paint(r.regressed ? 'REGRESSED' : 'OK')}  (${tol})`;
}

/** The short human summary of one model's run: status, folder, every gate with actual vs target and why. */
export function formatRunSummary(result: ModelRunResult, color: boolean): string {
  const r = result.record;
  const paintStatus = color ? (r.status === 'PASS' ? pc.green : pc.red) : (s: string) => s;
  const lines = [
    `${paintStatus(r.status)}  ${r.project}/${r.suite_name}/${r.model_name}  run ${r.run_id}`,
    `  run dir: ${path.relative(process.cwd(), result.runDir) || '.'}`,
    `  samples: ${r.counts.planned} planned, ${r.counts.measured} measured, ${r.counts.failed} failed  (${r.duration_s.toFixed(1)} s)`,
    `  baseline: ${r.baseline.mode}${r.baseline.run_id ? ` -> ${r.baseline.run_id}` : r.baseline.mode === 'none' ? '' : ' -> none found (regressions not checked)'}`,
  ];
  if (r.sequential) {
    const q = r.sequential;
    lines.push(
      `  sequential: ${q.generated} of ${q.planned} samples generated in ${q.waves} wave(s) of ${q.wave_size}${q.stopped_early ? `, ${r.counts.skipped ?? 0} skipped` : ''} — ${q.reason}`,
    );
  }
  for (const g of r.gates) lines.push(gateLine(g, color));
  for (const reg of r.regressions) lines.push(regressionLine(reg, color));
  if (r.ignore_regression && r.regression_failed) lines.push('  (regressions ignored: --ignore-regression)');
  const failedSamples = r.samples.filter((s) => s.error);
  for (const s of failedSamples.slice(0, 5)) {
    lines.push(
      `  sample ${s.sample_id} (${s.test_id}, seed ${s.seed}) failed at ${s.error?.stage}: ${s.error?.message}`,
    );
  }
  if (failedSamples.length > 5)
    lines.push(`  ... and ${failedSamples.length - 5} more failed samples (see run.json)`);
  for (const e of r.errors) lines.push(`  error: ${e}`);
  return lines.join('\n');
}
