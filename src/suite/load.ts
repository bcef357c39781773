import { createHash } from 'node:crypto';
import path from 'node:path';
import { isMap, LineCounter, parseDocument } from 'yaml';
import { type SuiteIssue, SuiteValidationError, TemporalCIError } from '../errors.js';
import { describeReadFailure, readBoundedFile } from '../platform/bounded-read.js';
import type { VideoSettings } from '../schema/suite.js';
import { type SuiteConfig, suiteSchema, type TestConfig, testSchema } from '../schema/suite.js';
import { resolveInitImages } from './init-images.js';
import {
  describeValue,
  didYouMean,
  formatPath,
  mapZodIssues,
  type PathSegment,
  quoteList,
  SourceLocator,
  valueAt,
  yamlSyntaxIssues,
} from './issues.js';
import { translateOriginalKeys } from './original-keys.js';
import { expandPresets, PRESET_NAMES } from './presets.js';
import { resolveTestPrompts } from './prompts.js';
import { resolveReferenceTest } from './reference-tests.js';
import type { LoadedSuite, ResolvedTest } from './types.js';
import { checkRegistries, defaultRegistries, type SuiteRegistries } from './validate.js';
import { duplicateKeyOffsets, exceedsNodeBudget, MAX_YAML_NODES } from './yaml-checks.js';

export { defaultRegistries, type SuiteRegistries } from './validate.js';

/** `target.push(...items)` without spreading: an argument list of 200 000 issues overflows the stack. */
function appendAll<T>(target: T[], items: readonly T[]): void {
  for (const item of items) target.push(item);
}

/** Used when a test gives neither `resolution` nor width/height. */
const DEFAULT_RESOLUTION = 256;

async function readSuiteBytes(file: string): Promise<Buffer> {
  try {
    return await readBoundedFile(file);
  } catch (e) {
    const capHint = e instanceof TemporalCIError ? e.hint : undefined;
    throw new TemporalCIError('SUITE_NOT_FOUND', `suite file ${file} ${describeReadFailure(e)}`, {
      file,
      hint:
        capHint ??
        'pass the path of a suite YAML file, e.g. `temporalci validate examples/regression_core.yaml`',
    });
  }
}

interface Parsed {
  locator: SourceLocator;
  data?: unknown;
  issues: SuiteIssue[];
  warnings: string[];
}

/** YAML → plain data, with every syntax problem, duplicate key, empty file or non-mapping root as an issue. */
function parseSuiteText(file: string, text: string): Parsed {
  const lineCounter = new LineCounter();
  if (exceedsNodeBudget(text)) {
    const locator = new SourceLocator(file, undefined, undefined);
    const issue = locator.issue([], `the suite holds more than ${MAX_YAML_NODES} YAML values`, {
      hint: 'a suite is a few hundred lines; move long prompt lists to a prompt_file',
    });
    return { locator, issues: [issue], warnings: [] };
  }
  // uniqueKeys off: the yaml package checks it in quadratic time; duplicateKeyOffsets does it in one pass.
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false });
  const locator = new SourceLocator(file, doc, lineCounter);
  const issues: SuiteIssue[] = yamlSyntaxIssues(doc, locator);
  for (const offset of duplicateKeyOffsets(doc)) {
    issues.push({
      file,
      ...locator.pos(offset),
      path: '(yaml)',
      message: 'duplicate key: a key may appear only once per mapping',
      hint: 'remove or rename one of the two keys',
    });
  }
  const warnings = doc.warnings.map((w) => `${file}:${locator.pos(w.pos[0]).line}: ${w.message}`);
  if (issues.length > 0) return { locator, issues, warnings };
  if (doc.contents === null) {
    issues.push(
      locator.issue([], 'the suite file is empty', {
        expected: 'a mapping with version, project, suite_name, models, tests, metrics, gates',
        found: 'nothing',
        hint: 'start from examples/regression_core.yaml',
      }),
    );
    return { locator, issues, warnings };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    // toJS fails only on alias abuse (e.g. a "billion laughs" document); report it at the root.
    issues.push(locator.issue([], `cannot read the YAML: ${e instanceof Error ? e.message : String(e)}`));
    return { locator, issues, warnings };
  }
  if (!isMap(doc.contents)) {
    issues.push(
      locator.issue([], 'the top level of a suite must be a mapping', {
        expected: 'a mapping (key: value lines)',
        found: describeValue(data),
      }),
    );
    return { locator, issues, warnings };
  }
  return { locator, data, issues, warnings };
}

function resolveVideo(
  video: TestConfig['video'],
  base: PathSegment[],
  locator: SourceLocator,
  issues: SuiteIssue[],
): VideoSettings {
  let rw: number | undefined;
  let rh: number | undefined;
  if (typeof video.resolution === 'number') {
    rw = video.resolution;
    rh = video.resolution;
  } else if (typeof video.resolution === 'string') {
    const [w, h] = video.resolution.split('x').map(Number);
    rw = w;
    rh = h;
  }
  if (rw !== undefined && rh !== undefined) {
    const ok = (n: number) => Number.isInteger(n) && n >= 16 && n <= 8192;
    if (!ok(rw) || !ok(rh)) {
      issues.push(
        locator.issue([...base, 'resolution'], 'resolution out of range', {
          expected: 'width and height from 16 to 8192',
          found: describeValue(video.resolution),
        }),
      );
    }
    const clash =
      (video.width !== undefined && video.width !== rw) ||
      (video.height !== undefined && video.height !== rh);
    if (clash) {
      issues.push(
        locator.issue([...base, 'resolution'], 'resolution disagrees with width/height', {
          expected: `${rw}x${rh} to match width ${video.width ?? '(unset)'} and height ${video.height ?? '(unset)'}`,
          found: describeValue(video.resolution),
          hint: 'give either resolution or width/height, not both',
        }),
      );
    }
  }
  return {
    num_frames: video.num_frames,
    fps: video.fps,
    width: video.width ?? rw ?? DEFAULT_RESOLUTION,
    height: video.height ?? rh ?? DEFAULT_RESOLUTION,
  };
}

async function resolveTests(
  data: unknown,
  locator: SourceLocator,
  dir: string,
  issues: SuiteIssue[],
  warnings: string[],
): Promise<ResolvedTest[]> {
  const raw = valueAt(data, ['tests']);
  const tests: ResolvedTest[] = [];
  for (const [i, item] of (Array.isArray(raw) ? raw : []).entries()) {
    // Each test is resolved on its own, so a bad one does not hide a missing prompt file in another.
    const r = testSchema.safeParse(item);
    if (!r.success) continue;
    const t = r.data;
    const base: PathSegment[] = ['tests', i];
    // Reference tests take their samples from `sources:` instead of prompts (src/suite/reference-tests.ts).
    const ref = await resolveReferenceTest(t, { locator, base, suiteDir: dir });
    appendAll(issues, ref.issues);
    const prompts =
      t.type === 'generation'
        ? await resolveTestPrompts(t, { locator, base, suiteDir: dir })
        : { prompts: ref.prompts, promptClasses: [], issues: [], warnings: [] };
    appendAll(issues, prompts.issues);
    appendAll(warnings, prompts.warnings);
    const init = await resolveInitImages(t, { locator, base, suiteDir: dir });
    appendAll(issues, init.issues);
    appendAll(warnings, init.warnings);
    const video = resolveVideo(t.video, [...base, 'video'], locator, issues);
    const resolved: ResolvedTest = {
      id: t.id,
      type: t.type,
      prompts: prompts.prompts,
      seeds: t.seeds,
      video,
    };
    if (ref.reference !== undefined) resolved.reference = ref.reference;
    if (init.images !== undefined) resolved.initImages = init.images;
    if (prompts.promptClasses.some((c) => c !== null)) resolved.promptClasses = prompts.promptClasses;
    tests.push(resolved);
  }
  return tests;
}

/** Validates a suite file and collects every problem. Throws only when the file cannot be read. */
export async function validateSuite(
  file: string,
  registries: SuiteRegistries = defaultRegistries(),
): Promise<{ suite?: LoadedSuite; issues: SuiteIssue[] }> {
  return validateSuiteBytes(file, await readSuiteBytes(file), registries);
}

/** Validates suite content already in memory; `file` names it in issues and anchors relative paths. */
export async function validateSuiteBytes(
  file: string,
  bytes: Uint8Array,
  registries: SuiteRegistries = defaultRegistries(),
): Promise<{ suite?: LoadedSuite; issues: SuiteIssue[] }> {
  const abs = path.resolve(file);
  const dir = path.dirname(abs);
  const text = new TextDecoder('utf-8').decode(bytes);
  // Old-Mac CR-only line ends: YAML reads a lone CR as no break, so a file opening with a comment looked empty.
  const parsed = parseSuiteText(file, text.replace(/\r\n?/g, '\n'));
  const { locator, warnings } = parsed;
  const issues = [...parsed.issues];
  if (parsed.data === undefined) return { issues };
  // The original TemporalCI's keys are read as ours first, then gate presets are expanded, so both are
  // checked like hand-written keys; issues in either point at what the user wrote.
  const original = translateOriginalKeys(parsed.data);
  if (original.notes.length > 0) {
    const lines = original.notes
      .map((n) => ({ line: locator.locate(n.path, 'key').line, text: `${formatPath(n.path)}: ${n.message}` }))
      .sort((a, b) => a.line - b.line)
      .map((n) => `\n  line ${n.line}  ${n.text}`);
    warnings.push(
      `${file}: keys of the original TemporalCI, read as ours (docs/migrating.md):${lines.join('')}`,
    );
  }
  for (const p of original.problems)
    issues.push(locator.issue(p.path, p.message, { hint: p.hint, at: 'key' }));
  const expanded = expandPresets(original.data);
  locator.mapPaths((p) => original.toSource(expanded.toSource(p)));
  const data = expanded.data;
  for (const u of expanded.unknown) {
    const guess = didYouMean(u.name, PRESET_NAMES);
    issues.push(
      locator.issue(['gates', u.index, 'preset'], `unknown gate preset "${u.name}"`, {
        expected: `one of ${quoteList(PRESET_NAMES)}`,
        found: `string "${u.name}"`,
        hint: guess ? `did you mean \`${guess}\`?` : 'README "Default gates" lists the presets',
      }),
    );
  }

  const r = suiteSchema.safeParse(data);
  if (!r.success)
    appendAll(issues, mapZodIssues(r.error.issues, { locator, data, schema: suiteSchema, base: [] }));
  appendAll(issues, await checkRegistries({ locator, data, suiteDir: dir, registries }));
  const tests = await resolveTests(data, locator, dir, issues, warnings);
  if (text.includes('\uFFFD')) warnings.push(`${file}: contains bytes that are not valid UTF-8`);

  issues.sort((a, b) => a.line - b.line || a.col - b.col);
  if (!r.success || issues.length > 0) return { issues };
  const config: SuiteConfig = r.data;
  const hash = createHash('sha256').update(bytes).digest('hex');
  const gateLines = config.gates.map((_, i) => locator.locate(['gates', i], 'key').line);
  return { suite: { file: abs, dir, hash, text, config, tests, warnings, gateLines }, issues };
}

/** Loads a suite for running: every problem at once as a SuiteValidationError. */
export async function loadSuite(file: string, registries?: SuiteRegistries): Promise<LoadedSuite> {
  const { suite, issues } = await validateSuite(file, registries);
  if (!suite) throw new SuiteValidationError(file, issues);
  return suite;
}
