import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { SuiteIssue } from '../errors.js';
import type { TestConfig } from '../schema/suite.js';
import type { PathSegment, SourceLocator } from './issues.js';
import type { ResolvedInitImage } from './types.js';

async function fileKind(abs: string): Promise<string> {
  return stat(abs).then(
    (st) => (st.isFile() ? 'file' : 'not a file'),
    (e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? 'no such file' : (e.code ?? 'unreadable')),
  );
}

/**
 * A test's `init_images` (image-to-video), resolved against the suite folder and checked to exist at
 * validate time: a missing image found after an hour of generation would waste the GPU time before it.
 */
export async function resolveInitImages(
  t: TestConfig,
  opts: { locator: SourceLocator; base: readonly PathSegment[]; suiteDir: string },
): Promise<{ images?: ResolvedInitImage[]; issues: SuiteIssue[]; warnings: string[] }> {
  const issues: SuiteIssue[] = [];
  const warnings: string[] = [];
  if (t.init_images === undefined) return { issues, warnings };
  const at: PathSegment[] = [...opts.base, 'init_images'];
  if (t.type !== 'generation') {
    // Reference tests feed the model a video made from `sources:`; an image would be silently unused.
    issues.push(
      opts.locator.issue(at, `test ${t.id}: init_images is not used by a ${t.type} test`, {
        hint: 'init_images belongs to generation (image-to-video) tests; remove it here',
        at: 'key',
      }),
    );
    return { issues, warnings };
  }
  const images: ResolvedInitImage[] = [];
  const seen = new Set<string>();
  for (const [i, written] of t.init_images.entries()) {
    let name = written;
    let abs = path.resolve(opts.suiteDir, name);
    let kind = await fileKind(abs);
    const inCwd = path.resolve(written);
    if (kind === 'no such file' && !path.isAbsolute(written) && (await fileKind(inCwd)) === 'file') {
      // The original TemporalCI looked in the working directory next. The name becomes relative to the
      // suite folder, which is what the run resolves it against.
      name = path.relative(opts.suiteDir, inCwd);
      abs = inCwd;
      kind = 'file';
      warnings.push(
        `${opts.locator.file}:${opts.locator.locate([...at, i]).line}: init image "${written}" was found in ` +
          `the working directory, not next to the suite; read as "${name}" (write that to make it explicit)`,
      );
    }
    if (kind !== 'file') {
      issues.push(
        opts.locator.issue([...at, i], `init image ${abs} cannot be used`, {
          expected: 'an existing image file',
          found: kind,
          hint: 'init_images are resolved relative to the suite file folder, then to the working directory',
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
  return issues.length > 0 ? { issues, warnings } : { images, issues, warnings };
}
