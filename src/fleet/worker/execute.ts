/**
 * What a worker does with one job: the suite bundle (downloaded once per sha256 and extracted, checked by
 * extractBundle), the model's adapter (built once per bundle and model, kept warm), then the existing
 * `runSample` in a scratch folder of its own, as LocalExecutor runs it, and the sample's files uploaded
 * through the lease's presigned PUTs.
 */
import { open, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { createAdapter } from '../../adapters/resolve.js';
import type { Adapter } from '../../adapters/types.js';
import { describeError, TemporalCIError } from '../../errors.js';
import { loadMetric } from '../../metrics/registry.js';
import { ensureDir, isFile, makeScratchDir, removeDir } from '../../platform/fs.js';
import { runSample, type SampleRunContext } from '../../runs/sample-runner.js';
import type { SampleRecord } from '../../schema/run.js';
import { contentTypeOf } from '../../store/s3/content-type.js';
import { extractBundle } from '../../suite/bundle/extract.js';
import type { LoadedSuite } from '../../suite/types.js';
import { needsAllowing } from '../api/allow.js';
import type { JobSpec } from '../api/types.js';

export class JobRunner {
  private readonly suites = new Map<string, Promise<LoadedSuite>>();
  private readonly adapters = new Map<string, Promise<Adapter>>();

  constructor(
    private readonly cacheDir: string,
    private readonly allowAdapters: ReadonlySet<string>,
  ) {}

  private suite(spec: JobSpec): Promise<LoadedSuite> {
    let s = this.suites.get(spec.bundle.sha256);
    if (s === undefined) {
      s = this.fetchSuite(spec);
      this.suites.set(spec.bundle.sha256, s);
      s.catch(() => this.suites.delete(spec.bundle.sha256));
    }
    return s;
  }

  private async fetchSuite(spec: JobSpec): Promise<LoadedSuite> {
    const dir = await ensureDir(path.join(this.cacheDir, 'bundles'));
    const file = path.join(dir, `${spec.bundle.sha256}.tar.gz`);
    if (!(await isFile(file))) {
      const res = await fetch(spec.bundle.url);
      if (!res.ok) {
        throw new TemporalCIError(
          'STORE_UNAVAILABLE',
          `downloading suite bundle ${spec.bundle.sha256.slice(0, 12)}: HTTP ${res.status}`,
          {
            hint: 'the presigned URL may have expired or the worker cannot reach S3',
          },
        );
      }
      const partial = `${file}.${process.pid}.partial`;
      const fh = await open(partial, 'w');
      try {
        await fh.writeFile(Buffer.from(await res.arrayBuffer()));
      } finally {
        await fh.close();
      }
      const { rename } = await import('node:fs/promises');
      await rename(partial, file);
    }
    const out = path.join(this.cacheDir, 'suites', spec.bundle.sha256);
    await removeDir(out);
    return (await extractBundle(file, out, { sha256: spec.bundle.sha256 })).suite;
  }

  private adapter(spec: JobSpec, suite: LoadedSuite): Promise<Adapter> {
    const key = `${spec.bundle.sha256}:${spec.model}`;
    let a = this.adapters.get(key);
    if (a === undefined) {
      const model = suite.config.models.find((m) => m.name === spec.model);
      if (model === undefined) {
        return Promise.reject(
          new TemporalCIError('USAGE', `model ${spec.model} is not in the job's bundle`, {
            hint: 'submit the run again',
          }),
        );
      }
      if (needsAllowing(model.adapter) && !this.allowAdapters.has(model.adapter)) {
        return Promise.reject(
          new TemporalCIError(
            'USAGE',
            `this worker does not run adapter "${model.adapter}" (it runs code the submitter chose)`,
            {
              hint: `start the worker with --allow-adapters ${model.adapter} to allow it`,
            },
          ),
        );
      }
      a = createAdapter(model, suite.dir);
      this.adapters.set(key, a);
      a.catch(() => this.adapters.delete(key));
    }
    return a;
  }

  /**
   * Runs the job's sample. Throws only when it could not be run at all (bundle, refused adapter): that is
   * for `fail`; the sample's own failures are in the record, as locally.
   */
  async run(
    spec: JobSpec,
    signal: AbortSignal,
    upload: (names: string[]) => Promise<Record<string, string> | null>,
  ): Promise<{ record: SampleRecord; files: { name: string; size: number }[] } | null> {
    const suite = await this.suite(spec);
    const adapter = await this.adapter(spec, suite);
    const cfg = suite.config;
    const ctx: SampleRunContext = {
      adapter,
      modelName: spec.model,
      metrics: await Promise.all(
        cfg.metrics.map(async (m) => {
          const def = await loadMetric(m.name);
          return { name: m.name.toLowerCase(), def, params: def.params.parse(m.params) };
        }),
      ),
      retries: spec.retries,
      timeoutS: spec.timeout_s ?? undefined,
      signal,
      artifactCodec: cfg.artifacts.encode,
      videoMismatch: cfg.run.video_mismatch,
      maxVideoPixels: cfg.run.max_video_pixels,
      keepWorkdir: cfg.artifacts.keep_workdir,
      // As locally: a failed sample's broken output is set aside with its reason, or dropped with video: none.
      rejectedOutputs: cfg.artifacts.video === 'none' ? 'delete' : 'keep',
      resolveInput: async (f) => path.resolve(suite.dir, f.name),
    };
    const scratch = await makeScratchDir(`tci-${spec.sample.sampleId}-`);
    try {
      const { record, files } = await runSample(ctx, spec.sample, scratch);
      if (signal.aborted) return null;
      relocate(record, scratch);
      const urls = await upload(files.map((f) => f.name));
      if (urls === null) return null;
      const sent: { name: string; size: number }[] = [];
      for (const f of files) {
        const body = await readFile(f.path);
        const res = await fetch(urls[f.name] as string, {
          method: 'PUT',
          body,
          headers: { 'content-type': contentTypeOf(f.name) },
          signal,
        });
        if (!res.ok) {
          if (f.name === record.video_path) record.video_path = null;
          record.error ??= {
            stage: 'store',
            code: 'STORE_FAILED',
            message: `${f.name}: upload answered HTTP ${res.status}`,
          };
          continue;
        }
        sent.push({ name: f.name, size: (await stat(f.path)).size });
      }
      return { record, files: sent };
    } finally {
      await removeDir(scratch);
    }
  }

  async close(warn: (m: string) => void): Promise<void> {
    for (const a of this.adapters.values()) {
      const adapter = await a.catch(() => null);
      await adapter
        ?.close?.()
        .catch((e: unknown) => warn(`adapter ${adapter.name} did not close: ${describeError(e)}`));
    }
  }
}

/** Paths inside the scratch folder (logs, work dirs) become the run's names, as LocalExecutor rewrites them. */
function relocate(record: SampleRecord, scratch: string): void {
  const prefix = scratch.endsWith(path.sep) ? scratch : scratch + path.sep;
  for (const [key, value] of Object.entries(record.metadata)) {
    if (typeof value === 'string' && value.startsWith(prefix)) {
      record.metadata[key] = value.slice(prefix.length).split(path.sep).join('/');
    }
  }
}
