import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { SuiteIssue } from '../errors.js';
import type { TestConfig } from '../schema/suite.js';
import type { PathSegment, SourceLocator } from './issues.js';
import type { ResolvedInitImage } from './types.js';

/**
 * A test's `init_images` (image-to-video), resolved against the suite folder and checked to exist at
 * validate time: a missing image found after an hour of generation would waste the GPU time before it.
 */
export async function resolveInitImages(
  t: TestConfig,
  opts: { locator: SourceLocator; base: readonly PathSegment[]; suiteDir: string },
): Promise<{ images?: ResolvedInitImage[]; issues: SuiteIssue[] }> {
  const issues: SuiteIssue[] = [];
  if (t.init_images === undefined) return { issues };
  const at: PathSegment[] = [...opts.base, 'init_images'];
  if (t.type !== 'generation') {
    // Reference tests feed the model a video made from `sources:`; an image would be silently unused.
    issues.push(
      opts.locator.issue(at, `test ${t.id}: init_images is not used by a ${t.type} test`, {
        hint: 'init_images belongs to generation (image-to-video) tests; remove it here',
        at: 'key',
      }),
    );
    return { issues };
  }
  const images: ResolvedInitImage[] = [];
  const seen = new Set<string>();
  for (const [i, name] of t.init_images.entries()) {
    const abs = path.resolve(opts.suiteDir, name);
    const kind = await stat(abs).then(
      (st) => (st.isFile() ? 'file' : 'not a file'),
      (e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? 'no such file' : (e.code ?? 'unreadable')),
    );
    if (kind !== 'file') {
      issues.push(
        opts.locator.issue([...at, i], `init image ${abs} cannot be used`, {
          expected: 'an existing image file',
          found: kind,
          hint: 'init_images are resolved relative to the suite file folder',
        }),
      );
    } else if (seen.has(abs)) {
      // A duplicate would double that image's share of the samples without anyone meaning it to.
      issues.push(
        opts.locator.issue([...at, i], `init image ${name} is listed twice`, {
          hint: 'list each image once; every image gets an equal share of the prompts and seeds',
        }),
      );
    }
    seen.add(abs);
    images.push({ path: abs, name });
  }
  return issues.length > 0 ? { issues } : { images, issues };
}
