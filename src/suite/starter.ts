import { adapterNames, isModulePath } from '../adapters/registry.js';
import { TemporalCIError } from '../errors.js';
import { metricNames } from '../metrics/registry.js';
import { didYouMean } from './issues.js';

/**
 * The suite `temporalci init` writes. With the mock adapter it runs as-is; with any other adapter or a
 * metric that needs settings it carries clearly marked placeholders that `validate` accepts, so the user
 * edits values in place instead of looking up which keys are required.
 */

/** `params:` of the starter model per adapter (6-space indented lines under `params:`), or `{}`. */
const ADAPTER_PARAMS: Record<string, string[]> = {
  http: [
    'endpoint: "http://127.0.0.1:8000/generate"   # PLACEHOLDER: the URL your model server takes requests on',
  ],
  command: [
    '# PLACEHOLDER: your generation command; each element is one argument, placeholders are substituted',
    'argv: ["python", "generate.py", "--prompt", "{prompt}", "--seed", "{seed}", "--frames", "{num_frames}", "--out", "{output}"]',
  ],
  diffusers: [
    'model_id: "your-org/your-text-to-video-model"   # PLACEHOLDER: a Hugging Face model id or a local folder',
  ],
  diffusers_img2vid: [
    'model_id: "your-org/your-image-to-video-model"   # PLACEHOLDER: a Hugging Face model id or a local folder',
  ],
};

/** `params:` of an added metric, for metrics that cannot run without settings (4-space indented lines). */
const METRIC_PARAMS: Record<string, string[]> = {
  log_regex: [
    'patterns: {it_s: "([\\\\d.]+)it/s"}   # PLACEHOLDER: value name -> regex with one capture group',
  ],
  external_judge: [
    '# PLACEHOLDER: your judge; it reads {manifest} and writes one JSON line per sample to {output}',
    'command: ["python", "judge.py", "--manifest", "{manifest}", "--output", "{output}"]',
  ],
  vbench_official: [
    'results: vbench-results   # PLACEHOLDER: folder (or file) of VBench results_*_eval_results.json',
    'dimensions: [subject_consistency, temporal_flickering]',
  ],
};

/** Throws a usage error naming the closest known name when `name` is neither built in nor a module path. */
export function checkStarterAdapter(name: string): void {
  if (isModulePath(name) || adapterNames().includes(name)) return;
  const guess = didYouMean(name, adapterNames());
  throw new TemporalCIError('USAGE', `unknown adapter "${name}"${guess ? ` (did you mean ${guess}?)` : ''}`, {
    hint: `use one of: ${adapterNames().join(', ')}, or a module path such as ./my-adapter.js`,
  });
}

export function checkStarterMetric(name: string): void {
  if (metricNames().includes(name)) return;
  const guess = didYouMean(name, metricNames());
  throw new TemporalCIError('USAGE', `unknown metric "${name}"${guess ? ` (did you mean ${guess}?)` : ''}`, {
    hint: 'run `temporalci list` for every metric',
  });
}

const block = (lines: readonly string[], indent: string): string =>
  lines.map((l) => `\n${indent}${l}`).join('');

export function starterSuite(opts: {
  project: string;
  adapter: string;
  metric?: string;
  file: string;
  /** `$schema` of the yaml-language-server line (src/suite/json-schema.ts schemaReference). */
  schema: string;
}): string {
  const { project, adapter, metric } = opts;
  const adapterParams = ADAPTER_PARAMS[adapter];
  const params = adapterParams === undefined ? ' {}' : block(adapterParams, '      ');
  const metricParams = metric === undefined ? undefined : METRIC_PARAMS[metric];
  const extra =
    metric === undefined || metric === 'vbench_temporal'
      ? ''
      : `\n  - name: ${metric}          # measured and reported; add a gate to gate it${
          metricParams === undefined ? '' : `\n    params:${block(metricParams, '      ')}`
        }`;
  const runs =
    adapter === 'mock'
      ? 'It runs as-is with the mock model'
      : 'Fill in the PLACEHOLDER values for your model, then run it';
  return `# yaml-language-server: $schema=${opts.schema}
# A TemporalCI suite, written by \`temporalci init\`. ${runs}:
#   npx temporalci run ${opts.file} --baseline-mode none
# Every key is documented in README.md under "Suite YAML reference".
version: 1
project: ${project}
suite_name: smoke
models:
  - name: my-model
    adapter: ${adapter}          # the mock renders real video; use http, command or a module path for your model
    params:${params}
tests:
  - id: quality-check
    prompts:
      - "a red ball bouncing on a wooden floor"
      - "a slow camera pan over a mountain lake at sunrise"
    seeds: [0, 1, 2]
    video:
      num_frames: 25
      fps: 8
      resolution: 256
metrics:                 # the preset below adds the metrics its gates read${extra}
  - name: vbench_temporal
gates:
  # The default gate set, pinned to its version: it catches noise, flicker, judder, dropped frames, blur,
  # freezes, colour shifts and heavy compression, and passes re-encodes, small tone changes, other seeds and
  # reruns (README: "Default gates"). Add your own gates below it.
  - preset: video_regression@1
`;
}
