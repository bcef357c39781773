import { TemporalCIError } from '../errors.js';
import { findMetric } from '../metrics/registry.js';
import { type GateConfig, gateSchema } from '../schema/suite.js';
import { didYouMean } from './issues.js';
import type { LoadedSuite } from './types.js';

const OVERRIDE = /^\s*([^\s<>=!]+)\s*(>=|<=|==|!=|>|<)\s*(\S.*?)\s*$/;

function parseValue(text: string): number | string | boolean {
  if (text === 'true' || text === 'false') return text === 'true';
  const n = Number(text);
  return text !== '' && Number.isFinite(n) ? n : text.replace(/^["']|["']$/g, '');
}

/**
 * `--gate-override "vbench_temporal.score >= 0.6"`, checked exactly like a gate in the YAML: the op, the value
 * and the metric path (against the metrics this suite measures), so a typo fails before any generation.
 */
export function parseGateOverride(text: string, suite: LoadedSuite): GateConfig {
  const m = OVERRIDE.exec(text);
  const usage = (why: string, hint?: string) =>
    new TemporalCIError('USAGE', `--gate-override "${text}": ${why}`, {
      hint: hint ?? 'write it as "METRIC OP VALUE", e.g. "vbench_temporal.score >= 0.6"',
    });
  if (!m) throw usage('expected "METRIC OP VALUE" with OP one of >= > <= < == !=');
  const parsed = gateSchema.safeParse({ metric: m[1], op: m[2], value: parseValue(m[3]!) });
  if (!parsed.success) throw usage(parsed.error.issues.map((i) => i.message).join('; '));
  const gate = parsed.data;
  const [metricName = '', ...rest] = gate.metric.split('.');
  const leaf = rest.join('.');
  const configured = suite.config.metrics.find((x) => x.name.toLowerCase() === metricName.toLowerCase());
  if (!configured) {
    const names = suite.config.metrics.map((x) => x.name);
    const guess = didYouMean(metricName, names);
    throw usage(
      `metric "${metricName}" is not measured by this suite`,
      guess ? `did you mean "${guess}"? measured: ${names.join(', ')}` : `measured: ${names.join(', ')}`,
    );
  }
  const def = findMetric(configured.name);
  if (def) {
    const params = def.params.parse(configured.params);
    const known = [...def.paths(params), ...(def.summaryPaths?.(params) ?? [])];
    if (!known.includes(leaf)) {
      const guess = didYouMean(leaf, known);
      throw usage(
        `"${metricName}" has no value "${leaf}"`,
        `${guess ? `did you mean "${metricName}.${guess}"? ` : ''}known: ${known.map((k) => `${metricName}.${k}`).join(', ')}`,
      );
    }
  }
  // Merged by runSuite: an override of an existing gate (same metric and op) keeps that gate's method and
  // params and replaces its value; any other override is added as a plain threshold gate.
  return gate;
}
