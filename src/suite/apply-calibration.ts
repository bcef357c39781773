/**
 * Writes calibrated SPRT values into a suite by splicing the source text at the positions the yaml parser
 * reports, so every byte outside the changed values survives: comments, quoting, flow-style padding, blank
 * lines (the original re-dumped the whole file and lost them). Pure: text in, text out.
 */
import { isMap, isScalar, isSeq, type Node, parseDocument, type YAMLMap } from 'yaml';
import { TemporalCIError } from '../errors.js';

export interface CalibratedValues {
  sigma: number;
  min_pairs: number;
}

interface Edit {
  at: number;
  end: number;
  text: string;
}

/** Renders a value the way the existing scalar was written (double, single or no quotes). */
function render(value: string | number, source: string): string {
  if (typeof value === 'number') return String(value);
  if (source.startsWith('"')) return JSON.stringify(value);
  if (source.startsWith("'")) return `'${value.replace(/'/g, "''")}'`;
  return value;
}

function columnOf(text: string, offset: number): number {
  return offset - (text.lastIndexOf('\n', offset - 1) + 1);
}

/** Edits that set `key: value` in a params map: replace the value in place, or add the key at the map's end. */
function setInMap(text: string, map: YAMLMap, key: string, value: string | number): Edit {
  const pair = map.items.find((p) => isScalar(p.key) && p.key.value === key);
  const node = pair?.value as Node | null | undefined;
  if (node?.range) {
    const [start, end] = node.range;
    return { at: start, end, text: render(value, text.slice(start, end)) };
  }
  const [mapStart, mapEnd] = map.range ?? [0, 0];
  if (map.flow) {
    const close = text.lastIndexOf('}', mapEnd);
    let at = close;
    while (at > mapStart && /\s/.test(text[at - 1]!)) at--;
    const sep = map.items.length > 0 ? ', ' : '';
    return { at, end: at, text: `${sep}${key}: ${render(value, '')}` };
  }
  const last = map.items[map.items.length - 1];
  const lastValue = last?.value as Node | null | undefined;
  const firstKey = map.items[0]?.key as Node | undefined;
  if (!last || !lastValue?.range || !firstKey?.range) {
    throw new TemporalCIError('SUITE_INVALID', `cannot place ${key} in the gate's params`, {
      hint: 'write the params as a mapping with at least one key',
    });
  }
  const indent = ' '.repeat(columnOf(text, firstKey.range[0]));
  // After a comment that ends the last entry's line, so the comment stays with its own key.
  let at = lastValue.range[1];
  const eol = text.indexOf('\n', at);
  const lineEnd = eol === -1 ? text.length : eol;
  if (/^[ \t]*(#.*)?$/.test(text.slice(at, lineEnd))) at = lineEnd;
  return { at, end: at, text: `\n${indent}${key}: ${render(value, '')}` };
}

/**
 * The suite text with `sigma_mode: fixed`, `sigma` and `min_pairs` set on the sprt_regression gate on
 * `gateMetric` (at `gateIndex` when it still is there, otherwise found by metric).
 */
export function applyCalibrationText(
  text: string,
  file: string,
  gateMetric: string,
  gateIndex: number,
  values: CalibratedValues,
): string {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    throw new TemporalCIError('YAML_SYNTAX', `${file}: ${doc.errors[0]?.message}`, { file });
  }
  const gates = doc.get('gates', true);
  if (!isSeq(gates)) throw new TemporalCIError('SUITE_INVALID', `${file}: no gates list`, { file });
  const isTarget = (i: number): boolean => {
    const g = gates.items[i];
    return isMap(g) && g.get('metric') === gateMetric && g.get('method') === 'sprt_regression';
  };
  let index = isTarget(gateIndex) ? gateIndex : -1;
  if (index < 0) index = gates.items.findIndex((_g, i) => isTarget(i));
  if (index < 0) {
    throw new TemporalCIError('USAGE', `${file}: no sprt_regression gate on ${gateMetric}`, {
      file,
      hint: 'pass --gate-metric with the metric of one of the suite’s sprt_regression gates',
    });
  }
  const params = doc.getIn(['gates', index, 'params'], true);
  if (!isMap(params) || params.items.length === 0) {
    // No params to splice into: fall back to the Document API (comments still survive).
    doc.setIn(['gates', index, 'params'], doc.createNode({ sigma_mode: 'fixed', ...values }));
    return doc.toString({ lineWidth: 0 });
  }
  const edits = [
    setInMap(text, params, 'sigma_mode', 'fixed'),
    setInMap(text, params, 'sigma', values.sigma),
    setInMap(text, params, 'min_pairs', values.min_pairs),
  ]
    .map((e, order) => ({ ...e, order }))
    // From the end backwards so earlier offsets stay valid; two insertions at one spot keep their order.
    .sort((a, b) => b.at - a.at || b.order - a.order);
  let outText = text;
  for (const e of edits) outText = outText.slice(0, e.at) + e.text + outText.slice(e.end);
  return outText;
}
