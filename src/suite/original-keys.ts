import type { PathSegment } from './issues.js';

/**
 * The original (Python) TemporalCI's diffusers keys, read as ours before the schema checks the suite, so its
 * SVD suites load unchanged. Each translation is reported as a warning naming our key; anything that cannot
 * be translated without guessing is left in place, where the strict schema reports it with its position.
 *
 * The original put sampler settings under each test's `video:` and read them only in the diffusers adapter;
 * ours are per model, so a test's values move to every diffusers model's params (tests that disagree are an
 * issue: one model run cannot use two step counts). docs/migrating.md has the full mapping.
 */

const DIFFUSERS_ADAPTERS = new Set(['diffusers', 'diffusers_img2vid']);

const DTYPES: Record<string, string> = {
  float16: 'float16',
  fp16: 'float16',
  bfloat16: 'bfloat16',
  bf16: 'bfloat16',
  float32: 'float32',
  fp32: 'float32',
};

/** Original sampler keys → where ours keep them: a params key, or a keyword of the pipeline call. */
const SAMPLER_KEYS: Record<string, { param: string } | { kwarg: string }> = {
  num_inference_steps: { param: 'steps' },
  max_guidance_scale: { param: 'guidance' },
  min_guidance_scale: { kwarg: 'min_guidance_scale' },
  motion_bucket_id: { kwarg: 'motion_bucket_id' },
  noise_aug_strength: { kwarg: 'noise_aug_strength' },
  decode_chunk_size: { kwarg: 'decode_chunk_size' },
};

/** Keys the original accepted that change nothing here (diffusers' own defaults, or cosmetic). */
const DROPPED_PARAMS = ['use_safetensors', 'disable_progress_bar'];

interface OriginalKeyProblem {
  path: PathSegment[];
  message: string;
  hint: string;
}

export interface OriginalKeyTranslation {
  data: unknown;
  /** A path in the translated data → the path the user wrote (for issue positions). */
  toSource: (path: readonly PathSegment[]) => readonly PathSegment[];
  /** What was translated, each with the path it was written at (the caller adds file:line). */
  notes: { path: PathSegment[]; message: string }[];
  problems: OriginalKeyProblem[];
}

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

class Translator {
  readonly notes: OriginalKeyTranslation['notes'] = [];
  readonly problems: OriginalKeyProblem[] = [];
  /** Translated path (joined) → written path; a prefix match maps the children too. */
  private readonly moved = new Map<string, PathSegment[]>();

  move(to: PathSegment[], from: PathSegment[], message: string): void {
    this.moved.set(JSON.stringify(to), from);
    this.notes.push({ path: from, message });
  }

  toSource = (path: readonly PathSegment[]): readonly PathSegment[] => {
    for (let n = path.length; n > 0; n--) {
      const from = this.moved.get(JSON.stringify(path.slice(0, n)));
      if (from) return [...from, ...path.slice(n)];
    }
    return path;
  };
}

function renameParam(t: Translator, params: Obj, i: number, from: string, to: string, value: unknown) {
  delete params[from];
  params[to] = value;
  t.move(['models', i, 'params', to], ['models', i, 'params', from], `read as \`${to}\``);
}

function translateModelParams(t: Translator, params: Obj, i: number): void {
  if (typeof params.checkpoint === 'string' && params.model_id === undefined)
    renameParam(t, params, i, 'checkpoint', 'model_id', params.checkpoint);
  const dtype = typeof params.torch_dtype === 'string' ? DTYPES[params.torch_dtype.toLowerCase()] : undefined;
  if (dtype !== undefined && params.dtype === undefined)
    renameParam(t, params, i, 'torch_dtype', 'dtype', dtype);
  if (params.variant === '') {
    // The original turned "" into None: load the default weights.
    delete params.variant;
    t.notes.push({ path: ['models', i, 'params', 'variant'], message: 'empty: read as no variant' });
  }
  for (const key of DROPPED_PARAMS) {
    if (typeof params[key] !== 'boolean') continue;
    delete params[key];
    t.notes.push({
      path: ['models', i, 'params', key],
      message: 'no effect here; ignored',
    });
  }
  for (const [key, target] of Object.entries(SAMPLER_KEYS)) {
    if (params[key] === undefined) continue;
    setSampler(t, params, i, target, params[key], ['models', i, 'params', key]);
    delete params[key];
  }
}

/** Puts one sampler value into a model's params, recording where it was written. */
function setSampler(
  t: Translator,
  params: Obj,
  i: number,
  target: { param: string } | { kwarg: string },
  value: unknown,
  from: PathSegment[],
): void {
  if ('param' in target) {
    params[target.param] = value;
    t.move(['models', i, 'params', target.param], from, `read as \`models[${i}].params.${target.param}\``);
    return;
  }
  const kwargs = isObject(params.pipeline_kwargs) ? params.pipeline_kwargs : {};
  kwargs[target.kwarg] = value;
  params.pipeline_kwargs = kwargs;
  t.move(
    ['models', i, 'params', 'pipeline_kwargs', target.kwarg],
    from,
    `read as \`models[${i}].params.pipeline_kwargs.${target.kwarg}\``,
  );
}

/** The tests' sampler keys, removed from `video:`, with the first test that set each (for disagreements). */
function takeTestSamplerKeys(t: Translator, tests: unknown[]): Map<string, { value: unknown; test: number }> {
  const found = new Map<string, { value: unknown; test: number }>();
  tests.forEach((test, j) => {
    const video = isObject(test) ? test.video : undefined;
    if (!isObject(video)) return;
    for (const key of Object.keys(SAMPLER_KEYS)) {
      if (video[key] === undefined) continue;
      const prev = found.get(key);
      if (prev && JSON.stringify(prev.value) !== JSON.stringify(video[key])) {
        t.problems.push({
          path: ['tests', j, 'video', key],
          message: `tests[${prev.test}] and tests[${j}] set different \`${key}\``,
          hint: `sampler settings are per model here: set \`${samplerName(key)}\` under models[].params, or split the suite`,
        });
      } else if (!prev) found.set(key, { value: video[key], test: j });
      delete video[key];
    }
    if (typeof video.encode === 'string') {
      delete video.encode;
      t.notes.push({
        path: ['tests', j, 'video', 'encode'],
        message: 'ignored; kept videos use `artifacts.encode`',
      });
    }
  });
  return found;
}

function samplerName(key: string): string {
  const target = SAMPLER_KEYS[key]!;
  return 'param' in target ? target.param : `pipeline_kwargs.${target.kwarg}`;
}

/** The original's per-model `init_images`: ours are per test, so each generation test without any gets them. */
function moveInitImages(t: Translator, models: unknown[], tests: unknown[]): void {
  const paramsOf = (i: number) => (models[i] as { params: Obj }).params;
  const owners = models.flatMap((m, i) =>
    isObject(m) && isObject(m.params) && Array.isArray(m.params.init_images) ? [i] : [],
  );
  if (owners.length === 0) return;
  const lists = owners.map((i) => JSON.stringify(paramsOf(i).init_images));
  if (new Set(lists).size > 1) {
    for (const i of owners.slice(1)) {
      t.problems.push({
        path: ['models', i, 'params', 'init_images'],
        message: 'models list different `init_images`',
        hint: 'init images are per test here: put each list under the tests[].init_images of its own suite',
      });
    }
    return;
  }
  const first = owners[0]!;
  const images = paramsOf(first).init_images;
  for (const i of owners) delete paramsOf(i).init_images;
  tests.forEach((test, j) => {
    if (!isObject(test) || test.init_images !== undefined) return;
    if (test.type !== undefined && test.type !== 'generation') return;
    test.init_images = structuredClone(images);
    t.move(
      ['tests', j, 'init_images'],
      ['models', first, 'params', 'init_images'],
      `read as \`tests[${j}].init_images\``,
    );
  });
}

/** Translates the original's diffusers keys in raw suite data; data without them comes back unchanged. */
export function translateOriginalKeys(input: unknown): OriginalKeyTranslation {
  const t = new Translator();
  if (!isObject(input) || !Array.isArray(input.models)) {
    return { data: input, toSource: t.toSource, notes: [], problems: [] };
  }
  const data = structuredClone(input);
  const models = data.models as unknown[];
  const diffusers = models.flatMap((m, i) =>
    isObject(m) && typeof m.adapter === 'string' && DIFFUSERS_ADAPTERS.has(m.adapter) && isObject(m.params)
      ? [{ i, params: m.params as Obj }]
      : [],
  );
  for (const { i, params } of diffusers) translateModelParams(t, params, i);
  models.forEach((m, i) => {
    // The original http adapter's one setting of its own; the rest of its params were echoed to the server.
    const params = isObject(m) && m.adapter === 'http' && isObject(m.params) ? m.params : undefined;
    if (typeof params?.timeout_sec === 'number' && params.request_timeout_s === undefined)
      renameParam(t, params, i, 'timeout_sec', 'request_timeout_s', params.timeout_sec);
  });
  const tests = Array.isArray(data.tests) ? data.tests : [];
  const sampler = takeTestSamplerKeys(t, tests);
  for (const [key, { value, test }] of sampler) {
    const from: PathSegment[] = ['tests', test, 'video', key];
    if (diffusers.length === 0) {
      t.notes.push({ path: from, message: 'ignored: only diffusers models read it' });
    }
    for (const { i, params } of diffusers) setSampler(t, params, i, SAMPLER_KEYS[key]!, value, from);
  }
  moveInitImages(t, models, tests);
  return { data, toSource: t.toSource, notes: t.notes, problems: t.problems };
}
