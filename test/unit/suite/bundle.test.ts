import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { Header } from 'tar';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findBuiltinAdapter, isModulePath } from '../../../src/adapters/registry.js';
import type { TemporalCIError } from '../../../src/errors.js';
import { findMetric } from '../../../src/metrics/registry.js';
import { filesUnder } from '../../../src/platform/fs.js';
import { planSamples } from '../../../src/runs/plan.js';
import { extractBundle } from '../../../src/suite/bundle/extract.js';
import { bundleLayout, rewriteSuiteText } from '../../../src/suite/bundle/layout.js';
import { createBundle } from '../../../src/suite/bundle/pack.js';
import { PATH_PARAMS, promptSourceMembers, suiteReferences } from '../../../src/suite/bundle/references.js';
import { loadSuite } from '../../../src/suite/load.js';
import type { LoadedSuite } from '../../../src/suite/types.js';

const EXAMPLES = path.resolve(import.meta.dirname, '../../../examples');
let tmp: string;
beforeEach(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tci-bundle-'));
});
afterEach(async () => {
  await fs.rm(tmp, { recursive: true, force: true });
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as TemporalCIError).code ?? `not a TemporalCIError: ${String(e)}`;
  }
  return 'resolved';
}

async function write(file: string, data: string | Buffer): Promise<string> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, data);
  return file;
}

/** What a run of each model would generate: the sample ids, prompts, seeds, sources and init images. */
function plans(suite: LoadedSuite) {
  return suite.config.models.map((m) => planSamples(m.name, suite.tests));
}

const SUITE_TAIL = `metrics:
  - name: "vbench_temporal"
gates:
  - metric: "vbench_temporal.score"
    op: ">="
    value: 0.1
`;

/** A suite that uses every kind of reference: a prompt file beside and one above, init images, a prompt source. */
async function richSuite(extraPromptFile?: string): Promise<string> {
  const proj = path.join(tmp, 'proj');
  await write(path.join(proj, 'shared', 'prompts.txt'), '# prompts\na red fox\na blue bird\n');
  await write(path.join(proj, 'suites', 'images', 'a.png'), Buffer.from([1, 2, 3]));
  await write(path.join(proj, 'suites', 'images', 'b.png'), Buffer.from([4, 5, 6]));
  for (const c of [1, 3]) {
    await write(
      path.join(proj, 'suites', 'vendor', 'T2VSafetyBench', 'Tiny-T2VSafetyBench', `${c}.txt`),
      `class ${c} prompt\n`,
    );
  }
  await write(
    path.join(proj, 'suites', 'vendor', 'T2VSafetyBench', 'Tiny-T2VSafetyBench', '9.txt'),
    'not read\n',
  );
  const text = `# a suite with files
version: 1
project: "p"
suite_name: "rich"
models:
  - name: "m"
    adapter: "mock"
tests:
  - id: "i2v"
    prompt_file: "${extraPromptFile ?? '../shared/prompts.txt'}"
    init_images: ["images/a.png", "images/b.png"]  # chosen by name
    seeds: [0, 1]
    video: {num_frames: 4, fps: 4, resolution: 32}
  - id: "bench"
    prompt_source: {kind: "t2vsafetybench", classes: [1, 3]}
    video: {num_frames: 4, fps: 4, resolution: 32}
${SUITE_TAIL}`;
  return write(path.join(proj, 'suites', 'rich.yaml'), text);
}

describe('suiteReferences (pure)', () => {
  it('finds every path a suite names, with where it is written', () => {
    const refs = suiteReferences(
      {
        models: [
          { name: 'a', adapter: './adapters/mine.js' },
          {
            name: 'b',
            adapter: 'diffusers',
            params: { model_id: 'x', init_image: 'img.png', worker_script: 'w.py' },
          },
          { name: 'c', adapter: 'mock', params: { init_image: 'ignored: not a diffusers param' } },
        ],
        tests: [
          { id: 't', prompt_file: 'p.txt', init_images: ['a.png'] },
          { id: 'r', type: 'interpolation', sources: ['clips/x.mp4'], drop_every: 2 },
          { id: 's', prompt_source: { kind: 't2vsafetybench', prompt_set: 'full', classes: [2] } },
        ],
        metrics: [{ name: 'vbench_official', params: { results: 'out/' } }, { name: 'psnr' }],
      },
      isModulePath,
    );
    expect(refs.map((r) => [r.at.join('.'), r.written, r.kind, r.identity])).toEqual([
      ['models.0.adapter', './adapters/mine.js', 'file', false],
      ['models.1.params.init_image', 'img.png', 'file', false],
      ['models.1.params.worker_script', 'w.py', 'file', false],
      ['tests.0.prompt_file', 'p.txt', 'file', false],
      ['tests.0.init_images.0', 'a.png', 'file', true],
      ['tests.1.sources.0', 'clips/x.mp4', 'file', true],
      ['tests.2.prompt_source.suite_root', 'vendor/T2VSafetyBench', 'members', false],
      ['metrics.0.params.results', 'out/', 'file-or-folder', false],
    ]);
    expect(refs[6]?.members).toEqual(['T2VSafetyBench/2.txt']);
    expect(promptSourceMembers('tiny', [4])).toEqual([
      'Tiny-T2VSafetyBench/4.txt',
      'T2VSafetyBench/Tiny-T2VSafetyBench/4.txt',
    ]);
    expect(suiteReferences('not a mapping', isModulePath)).toEqual([]);
  });
});

describe('PATH_PARAMS', () => {
  it('names params that exist, and that the definitions describe as relative to the suite', () => {
    const defs = [
      ...Object.entries(PATH_PARAMS.adapters).map(([n, ps]) => [findBuiltinAdapter(n)?.params, ps] as const),
      ...Object.entries(PATH_PARAMS.metrics).map(([n, ps]) => [findMetric(n)?.params, ps] as const),
    ];
    for (const [schema, params] of defs) {
      const shape = (schema as unknown as { shape?: Record<string, { description?: string }> })?.shape;
      expect(shape).toBeDefined();
      for (const p of params) expect(shape?.[p.param]?.description, p.param).toMatch(/relative to the suite/);
    }
  });
});

describe('bundleLayout and rewriteSuiteText (pure)', () => {
  const ref = (written: string, identity = false) => ({
    at: ['tests', 0, 'prompt_file'],
    written,
    kind: 'file' as const,
    identity,
  });

  it('keeps relative paths in place under the deepest common folder, so nothing is rewritten', () => {
    const layout = bundleLayout('/w/proj/suites/s.yaml', [
      { ref: ref('../shared/p.txt'), target: '/w/proj/shared/p.txt', files: ['/w/proj/shared/p.txt'] },
      {
        ref: ref('img/a.png', true),
        target: '/w/proj/suites/img/a.png',
        files: ['/w/proj/suites/img/a.png'],
      },
      {
        ref: ref('img/a.png', true),
        target: '/w/proj/suites/img/a.png',
        files: ['/w/proj/suites/img/a.png'],
      },
    ]);
    expect(layout).toEqual({
      suiteName: 'suites/s.yaml',
      entries: [
        { name: 'shared/p.txt', source: '/w/proj/shared/p.txt' },
        { name: 'suites/img/a.png', source: '/w/proj/suites/img/a.png' },
      ],
      rewrites: [],
    });
  });

  it('moves absolute files to _external/ and rewrites their paths; refuses absolute sample names', () => {
    const layout = bundleLayout('/w/s.yaml', [
      { ref: ref('/data/prompts.txt'), target: '/data/prompts.txt', files: ['/data/prompts.txt'] },
    ]);
    expect(layout.entries).toHaveLength(1);
    expect(layout.entries[0]?.name).toMatch(/^_external\/[0-9a-f]{16}\/prompts\.txt$/);
    expect(layout.rewrites).toEqual([{ at: ['tests', 0, 'prompt_file'], value: layout.entries[0]?.name }]);
    expect(() =>
      bundleLayout('/w/s.yaml', [
        { ref: ref('/data/a.png', true), target: '/data/a.png', files: ['/data/a.png'] },
      ]),
    ).toThrow(/absolute path/);
  });

  it('rewrites only the given paths, keeping comments; returns the text itself when there is nothing to do', () => {
    const text = '# head\ntests:\n  - id: t # the test\n    prompt_file: /abs/p.txt\n';
    expect(rewriteSuiteText(text, [])).toBe(text);
    expect(rewriteSuiteText(text, [{ at: ['tests', 0, 'prompt_file'], value: '_external/x/p.txt' }])).toBe(
      '# head\ntests:\n  - id: t # the test\n    prompt_file: _external/x/p.txt\n',
    );
  });
});

describe('createBundle / extractBundle', () => {
  it('gives the same bytes for the same inputs, whatever the files’ times and modes', async () => {
    const suite = await loadSuite(await richSuite());
    const first = await createBundle(suite, path.join(tmp, 'out1'));
    await fs.utimes(
      path.join(tmp, 'proj', 'shared', 'prompts.txt'),
      new Date(2020, 1, 1),
      new Date(2020, 1, 1),
    );
    await fs.chmod(path.join(tmp, 'proj', 'suites', 'images', 'a.png'), 0o600);
    const second = await createBundle(suite, path.join(tmp, 'out2'));
    expect(second.sha256).toBe(first.sha256);
    expect((await fs.readFile(second.file)).equals(await fs.readFile(first.file))).toBe(true);
    expect(path.basename(first.file)).toBe(`${first.sha256}.tar.gz`);
    expect(
      createHash('sha256')
        .update(await fs.readFile(first.file))
        .digest('hex'),
    ).toBe(first.sha256);
    expect(first.manifest.suite).toBe('suites/rich.yaml');
    expect(first.manifest.files.map((f) => f.name)).toEqual([
      'shared/prompts.txt',
      'suites/images/a.png',
      'suites/images/b.png',
      'suites/vendor/T2VSafetyBench/Tiny-T2VSafetyBench/1.txt',
      'suites/vendor/T2VSafetyBench/Tiny-T2VSafetyBench/3.txt',
    ]);
    // Different content, different address.
    await fs.appendFile(path.join(tmp, 'proj', 'shared', 'prompts.txt'), 'a green frog\n');
    expect((await createBundle(await loadSuite(suite.file), path.join(tmp, 'out3'))).sha256).not.toBe(
      first.sha256,
    );
  });

  it('round-trips a suite with every kind of reference: same hash, same planned samples, no files of the original used', async () => {
    const suite = await loadSuite(await richSuite());
    const bundle = await createBundle(suite, path.join(tmp, 'out'));
    await fs.rm(path.join(tmp, 'proj'), { recursive: true }); // the worker has none of the originals
    const back = await extractBundle(bundle.file, path.join(tmp, 'worker', bundle.sha256));
    expect(back.suite.hash).toBe(suite.hash);
    expect(back.suite.text).toBe(suite.text);
    expect(plans(back.suite)).toEqual(plans(suite));
    expect(back.suite.tests[0]?.initImages?.map((i) => i.path)).toEqual([
      path.join(back.dir, 'suites', 'images', 'a.png'),
      path.join(back.dir, 'suites', 'images', 'b.png'),
    ]);
    expect(back.suite.tests[1]?.prompts).toEqual(['class 1 prompt', 'class 3 prompt']);
    // A folder that exists is never extracted over.
    expect(await codeOf(extractBundle(bundle.file, back.dir))).toBe('USAGE');
  });

  it('rewrites an absolute prompt file into the bundle and still plans the same samples', async () => {
    const outside = await write(path.join(tmp, 'elsewhere', 'p.txt'), 'a red fox\na blue bird\n');
    const suite = await loadSuite(await richSuite(outside));
    const bundle = await createBundle(suite, path.join(tmp, 'out'));
    await fs.rm(path.join(tmp, 'elsewhere'), { recursive: true });
    const back = await extractBundle(bundle.file, path.join(tmp, 'worker'));
    expect(back.suite.text).not.toContain(outside);
    expect(back.suite.text).toContain('# a suite with files');
    expect(back.suite.config.tests[0]?.prompt_file).toMatch(/^_external\/[0-9a-f]{16}\/p\.txt$/);
    expect(plans(back.suite)).toEqual(plans(suite));
  });

  it.each(['interpolation_minterpolate.yaml', 'interpolation_minterpolate_dup.yaml'])(
    'round-trips examples/%s (reference sources)',
    async (name) => {
      const suite = await loadSuite(path.join(EXAMPLES, name));
      const bundle = await createBundle(suite, path.join(tmp, 'out'));
      expect(bundle.manifest.files.map((f) => f.name)).toEqual(['clips/testsrc2_128x72_24fps.mp4']);
      const back = await extractBundle(bundle.file, path.join(tmp, 'worker'));
      expect(back.suite.hash).toBe(suite.hash);
      expect(plans(back.suite)).toEqual(plans(suite));
      expect(back.suite.tests[0]?.reference?.sources).toEqual([
        path.join(back.dir, 'clips', 'testsrc2_128x72_24fps.mp4'),
      ]);
    },
  );

  it('round-trips examples/safetybench_prompt_source.yaml with its benchmark prompts', async () => {
    const dir = path.join(tmp, 'ex');
    const file = await write(
      path.join(dir, 'suite.yaml'),
      await fs.readFile(path.join(EXAMPLES, 'safetybench_prompt_source.yaml')),
    );
    for (const c of [1, 3, 4, 7, 10, 11]) {
      await write(
        path.join(dir, 'vendor', 'T2VSafetyBench', 'Tiny-T2VSafetyBench', `${c}.txt`),
        `p${c} a\np${c} b\n`,
      );
    }
    const suite = await loadSuite(file);
    const bundle = await createBundle(suite, path.join(tmp, 'out'));
    expect(bundle.manifest.files).toHaveLength(6);
    const back = await extractBundle(bundle.file, path.join(tmp, 'worker'));
    expect(plans(back.suite)).toEqual(plans(suite));
    expect(plans(back.suite)[0]).toHaveLength(12);
  });

  it('refuses a bundle whose bytes do not match its address', async () => {
    const suite = await loadSuite(path.join(EXAMPLES, 'interpolation_minterpolate.yaml'));
    const bundle = await createBundle(suite, path.join(tmp, 'out'));
    const bytes = await fs.readFile(bundle.file);
    bytes[bytes.length - 20] = (bytes[bytes.length - 20] ?? 0) ^ 0xff;
    await fs.writeFile(bundle.file, bytes);
    expect(await codeOf(extractBundle(bundle.file, path.join(tmp, 'worker')))).toBe('BUNDLE_INVALID');
    expect(await codeOf(extractBundle(bundle.file, path.join(tmp, 'w2'), { sha256: 'b'.repeat(64) }))).toBe(
      'BUNDLE_INVALID',
    );
    await expect(fs.readdir(tmp)).resolves.toEqual(['out']);
  });
});

/** A tar.gz written block by block, so an entry can be anything a hostile archive holds. */
interface RawEntry {
  path: string;
  type?: 'File' | 'SymbolicLink' | 'Link' | 'CharacterDevice' | 'Directory' | 'FIFO';
  data?: string;
  linkpath?: string;
  /** Declared size, when it should differ from the data. */
  size?: number;
}

async function hostileBundle(entries: RawEntry[]): Promise<string> {
  const blocks: Buffer[] = [];
  for (const e of entries) {
    const data = Buffer.from(e.data ?? '');
    const header = Buffer.alloc(512);
    new Header({
      path: e.path,
      type: e.type ?? 'File',
      size: e.size ?? data.length,
      mode: 0o644,
      mtime: new Date(0),
      ...(e.linkpath === undefined ? {} : { linkpath: e.linkpath }),
    }).encode(header);
    blocks.push(header);
    if (e.size === undefined && data.length > 0)
      blocks.push(data, Buffer.alloc((512 - (data.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  const gz = gzipSync(Buffer.concat(blocks));
  const sha = createHash('sha256').update(gz).digest('hex');
  return write(path.join(tmp, 'in', `${sha}.tar.gz`), gz);
}

describe('extractBundle refuses hostile archives before writing anything', () => {
  const manifest = JSON.stringify({ format: 1, suite: 's.yaml', files: [] });
  it.each<[string, RawEntry[], RegExp]>([
    ['a climbing name', [{ path: '../evil.txt', data: 'x' }], /climbs out/],
    ['a climbing name inside', [{ path: 'a/../../evil.txt', data: 'x' }], /climbs out/],
    ['an absolute name', [{ path: '/tmp/evil.txt', data: 'x' }], /absolute name/],
    ['a symlink', [{ path: 'link', type: 'SymbolicLink', linkpath: '/etc/passwd' }], /is a SymbolicLink/],
    ['a hard link', [{ path: 'link', type: 'Link', linkpath: '../../etc/passwd' }], /is a Link/],
    ['a device', [{ path: 'dev', type: 'CharacterDevice' }], /is a CharacterDevice/],
    ['a FIFO', [{ path: 'fifo', type: 'FIFO' }], /is a FIFO/],
    ['a huge declared size', [{ path: 'big.bin', size: 8 * 1024 ** 3 }], /more than 1073741824 bytes/],
    [
      'a duplicate entry',
      [
        { path: 'a.txt', data: '1' },
        { path: 'a.txt', data: '2' },
      ],
      /appears twice/,
    ],
    [
      'a file and a folder of one name',
      [
        { path: 'a', data: 'x' },
        { path: 'a/b', data: 'y' },
      ],
      /cannot be (written|extracted)/,
    ],
    ['an empty segment', [{ path: 'a//b.txt', data: 'x' }], /empty or "\." segment/],
  ])('%s', async (_what, entries, why) => {
    const file = await hostileBundle([{ path: 'temporalci-bundle.json', data: manifest }, ...entries]);
    const dir = path.join(tmp, 'x', 'y', 'worker');
    const e = await extractBundle(file, dir, { maxBytes: 1024 ** 3 }).then(
      () => undefined,
      (err: TemporalCIError) => err,
    );
    expect(e?.code).toBe('BUNDLE_INVALID');
    expect(e?.message).toMatch(why);
    // Nothing was left: no file anywhere but the archive, no half-extracted folder.
    expect(await fs.readdir(path.join(tmp, 'x', 'y')).catch(() => [])).toEqual([]);
    expect((await filesUnder(tmp)).filter((f) => !f.startsWith('in/'))).toEqual([]);
  });

  it('too many entries, a file the manifest does not list, and a missing manifest', async () => {
    const many = await hostileBundle([
      { path: 'temporalci-bundle.json', data: manifest },
      ...Array.from({ length: 5 }, (_, i) => ({ path: `f${i}.txt`, data: 'x' })),
    ]);
    expect(await codeOf(extractBundle(many, path.join(tmp, 'w1'), { maxEntries: 4 }))).toBe('BUNDLE_INVALID');
    const extra = await hostileBundle([
      { path: 'temporalci-bundle.json', data: manifest },
      { path: 's.yaml', data: 'version: 1\n' },
      { path: 'smuggled.js', data: 'x' },
    ]);
    expect(await codeOf(extractBundle(extra, path.join(tmp, 'w2')))).toBe('BUNDLE_INVALID');
    const bare = await hostileBundle([{ path: 's.yaml', data: 'version: 1\n' }]);
    expect(await codeOf(extractBundle(bare, path.join(tmp, 'w3')))).toBe('BUNDLE_INVALID');
    expect((await fs.readdir(tmp)).sort()).toEqual(['in']);
  });
});
