import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { SuiteIssue } from '../errors.js';
import type { TestConfig } from '../schema/suite.js';
import type { PathSegment, SourceLocator } from './issues.js';
import type { ResolvedReference } from './types.js';

/**
 * Reference tests (`type: interpolation | upscale`): which keys each test type needs and refuses, and the
 * source videos resolved against the suite folder. Checked here rather than in the zod schema so each
 * problem is reported at its own key with a hint.
 */

const REFERENCE_KEYS = ['sources', 'drop_every', 'scale', 'pad_multiple'] as const;
const PROMPT_KEYS = ['prompts', 'prompt_file', 'prompt_source'] as const;

export interface ResolvedReferenceTest {
  reference?: ResolvedReference;
  /** The sources as written: they stand in for prompts (sample names, sample ids). */
  prompts: string[];
  issues: SuiteIssue[];
}

export async function resolveReferenceTest(
  t: TestConfig,
  opts: { locator: SourceLocator; base: readonly PathSegment[]; suiteDir: string },
): Promise<ResolvedReferenceTest> {
  const issues: SuiteIssue[] = [];
  const at = (key: string): PathSegment[] => [...opts.base, key];
  const refuse = (key: string, why: string, hint: string): void => {
    issues.push(opts.locator.issue(at(key), `test ${t.id}: ${key} ${why}`, { hint, at: 'key' }));
  };
  if (t.type === 'generation') {
    for (const key of REFERENCE_KEYS) {
      if (t[key] !== undefined) {
        refuse(
          key,
          'only applies to interpolation and upscale tests',
          'add `type: interpolation` or `type: upscale`',
        );
      }
    }
    return { prompts: [], issues };
  }
  for (const key of PROMPT_KEYS) {
    if (t[key] !== undefined) {
      refuse(
        key,
        `is not used by a ${t.type} test`,
        'a reference test is driven by `sources:` videos, not prompts',
      );
    }
  }
  const need = (key: 'sources' | 'drop_every' | 'scale', example: string): void => {
    issues.push(
      opts.locator.issue([...opts.base], `test ${t.id} (${t.type}) needs ${key}`, {
        expected: example,
        found: 'nothing',
        hint: `add \`${key}: ${example}\``,
      }),
    );
  };
  if (t.sources === undefined) need('sources', '[clips/walk.mp4]');
  if (t.type === 'interpolation') {
    if (t.drop_every === undefined) need('drop_every', '2');
    if (t.scale !== undefined) refuse('scale', 'belongs to upscale tests', 'remove it, or use type: upscale');
  } else {
    if (t.scale === undefined) need('scale', '2');
    if (t.drop_every !== undefined) {
      refuse('drop_every', 'belongs to interpolation tests', 'remove it, or use type: interpolation');
    }
  }
  const sources: string[] = [];
  for (const [i, s] of (t.sources ?? []).entries()) {
    const abs = path.resolve(opts.suiteDir, s);
    const ok = await stat(abs).then(
      (st) => st.isFile(),
      () => false,
    );
    if (!ok) {
      issues.push(
        opts.locator.issue([...at('sources'), i], `source video ${abs} does not exist`, {
          hint: 'sources are resolved relative to the suite file folder',
        }),
      );
    }
    sources.push(abs);
  }
  if (issues.length > 0) return { prompts: [], issues };
  const pad = t.pad_multiple === undefined ? {} : { padMultiple: t.pad_multiple };
  const reference: ResolvedReference =
    t.type === 'interpolation'
      ? { kind: 'interpolation', sources, dropEvery: t.drop_every ?? 2, ...pad }
      : { kind: 'upscale', sources, scale: t.scale ?? 2, ...pad };
  return { reference, prompts: [...(t.sources ?? [])], issues };
}
