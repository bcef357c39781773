/**
 * Which sprt_regression gates `sprt calibrate` calibrates, and where each one is in the suite file. A
 * `{ preset: … }` entry of `gates:` expands into several gates, so the index of a gate in the loaded suite
 * is not its position in the file; the calibration names gates by the file position, which is what `apply`
 * edits.
 */
import { parseDocument } from 'yaml';
import { TemporalCIError } from '../errors.js';
import type { GateRef } from '../gates/calibration.js';
import { isSequentialGate } from '../gates/registry.js';
import { type SprtParams, sprtParamsSchema } from '../gates/sprt-params.js';
import type { GateConfig } from '../schema/suite.js';
import { expandPresets } from '../suite/presets.js';
import type { LoadedSuite } from '../suite/types.js';

export interface CalibrationTarget {
  ref: GateRef;
  gate: GateConfig;
  params: SprtParams;
}

/**
 * For each gate of the loaded suite, its position in the file's `gates:` list, or null for a gate a preset
 * wrote (it has no node of its own to edit).
 */
export function filePositions(suite: Pick<LoadedSuite, 'text' | 'config'>): (number | null)[] {
  // The same parse validateSuite made (the suite loaded, so the text is valid YAML).
  const data: unknown = parseDocument(suite.text).toJS({ maxAliasCount: 100 });
  const { toSource } = expandPresets(data);
  return suite.config.gates.map((_g, i) => {
    const source = toSource(['gates', i]);
    return source.length === 2 && typeof source[1] === 'number' ? source[1] : null;
  });
}

/** Every sprt_regression gate of the suite, or those on `metric` (`--gate-metric`). */
export function calibrationTargets(
  suite: Pick<LoadedSuite, 'text' | 'config'>,
  metric: string | undefined,
): CalibrationTarget[] {
  const positions = filePositions(suite);
  const sprt = suite.config.gates
    .map((gate, i) => ({ gate, position: positions[i] ?? null }))
    .filter((g) => isSequentialGate(g.gate));
  if (sprt.length === 0) {
    throw new TemporalCIError('USAGE', 'the suite has no sprt_regression gate to calibrate', {
      hint: 'add a gate with `method: sprt_regression`',
    });
  }
  const chosen = metric === undefined ? sprt : sprt.filter((g) => g.gate.metric === metric);
  if (chosen.length === 0) {
    throw new TemporalCIError('USAGE', `no sprt_regression gate on ${metric}`, {
      hint: `sprt_regression gates: ${sprt.map((g) => g.gate.metric).join(', ')}; omit --gate-metric to calibrate them all`,
    });
  }
  return chosen.map(({ gate, position }) => {
    if (position === null) {
      throw new TemporalCIError('USAGE', `the sprt_regression gate on ${gate.metric} comes from a preset`, {
        hint: 'write the gate in the suite to calibrate it',
      });
    }
    return {
      ref: { index: position, metric: gate.metric, op: gate.op },
      gate,
      params: sprtParamsSchema.parse(gate.params),
    };
  });
}
