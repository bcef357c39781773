/**
 * The measuring loop shared by suite runs (sample-runner.ts) and benchmarks: frames are decoded once and
 * fed to every pixel metric. Pure pixel metrics run in a leased worker thread (src/metrics/worker), fed
 * while the next frames decode; the others (model metrics, full-reference ones reading the truth stream,
 * sample-level ones) on this thread. Values are the same either way.
 */
import { describeError, isTemporalCIError, TemporalCIError } from '../errors.js';
import { FrameDerived } from '../metrics/frame-derived.js';
import type { MetricAccumulator, MetricDefinition, ReferenceFrames } from '../metrics/types.js';
import { offThreadCost, runsOffThread } from '../metrics/worker/eligible.js';
import { MetricSession, metricThreads } from '../metrics/worker/pool.js';
import type { MetricOutcome, WorkerSampleContext } from '../metrics/worker/protocol.js';
import type { MetricValues } from '../schema/values.js';
import type { FrameView } from '../video/frame-view.js';

export interface StreamMetric {
  name: string;
  def: MetricDefinition<Record<string, unknown>>;
  params: Record<string, unknown>;
}

/** Where a measurement failed: reading frames ('decode') or computing values ('metrics'). */
export class MeasureStageError extends Error {
  constructor(
    readonly stage: 'decode' | 'metrics',
    readonly inner: unknown,
  ) {
    super(describeError(inner));
  }
}

export interface MeasureStreamOptions {
  metrics: readonly StreamMetric[];
  ctx: WorkerSampleContext;
  /** Held-out truth: full-reference metrics read it, and then every metric stays on this thread. */
  reference?: ReferenceFrames;
  /** Opened only when some metric reads pixels. */
  frames: () => AsyncIterable<FrameView>;
  signal: AbortSignal;
  /** Filled in: seconds waiting for frames (decode) and measuring or waiting for the worker (metrics). */
  timings: { decode?: number; metrics?: number };
}

function metricFailed(name: string, e: unknown): TemporalCIError {
  return new TemporalCIError('METRIC_FAILED', `metric ${name}: ${describeError(e)}`, {
    hint: isTemporalCIError(e) ? e.hint : undefined,
    cause: e,
  });
}

/** Every metric's values, keyed by name. Throws MeasureStageError. */
export async function measureStream(opts: MeasureStreamOptions): Promise<Record<string, MetricValues>> {
  const { ctx, signal, timings } = opts;
  const hasReference = opts.reference !== undefined;
  const offThread =
    metricThreads() > 0
      ? opts.metrics.filter((m) => m.def.readsPixels && runsOffThread(m.def, hasReference))
      : [];
  const accumulators: { name: string; acc: MetricAccumulator | undefined; pixels: boolean }[] = [];
  // One derived-data cache for this thread's metrics of the sample (each worker session has its own).
  const derived = new FrameDerived();
  try {
    for (const m of opts.metrics) {
      const inThread = !offThread.includes(m);
      const acc = inThread
        ? m.def.create(m.params, { ...ctx, reference: opts.reference, derived })
        : undefined;
      accumulators.push({ name: m.name, acc, pixels: m.def.readsPixels && inThread });
    }
  } catch (e) {
    throw new MeasureStageError('metrics', e);
  }
  const pixelAccs = accumulators.filter((a) => a.pixels);
  const sessions =
    offThread.length === 0
      ? []
      : await MetricSession.openSplit(
          offThread.map((m) => ({ name: m.name, registryName: m.def.name, params: m.params })),
          (m) => offThreadCost(m.registryName),
          ctx,
          signal,
          metricThreads(),
        ).catch((e: unknown) => {
          throw new MeasureStageError('metrics', e);
        });
  const closeAll = (): void => {
    for (const s of sessions) s.close();
  };
  let metricSeconds = 0;
  if (pixelAccs.length > 0 || sessions.length > 0) {
    const start = performance.now();
    try {
      for await (const frame of opts.frames()) {
        const t0 = performance.now();
        for (const a of pixelAccs) {
          try {
            a.acc!.push(frame);
          } catch (e) {
            // A metric that throws on a frame fails the sample at 'metrics': the decode itself was fine.
            throw new MeasureStageError('metrics', metricFailed(a.name, e));
          }
        }
        // In-thread metrics may keep the frame, so workers then get copies; otherwise the last one takes the
        // buffer (after the others have copied it).
        const last = sessions.length - 1;
        await Promise.all(sessions.map((s, i) => s.push(frame, i === last && pixelAccs.length === 0))).catch(
          (e: unknown) => {
            throw new MeasureStageError('metrics', e);
          },
        );
        metricSeconds += (performance.now() - t0) / 1000;
      }
    } catch (e) {
      closeAll();
      throw e instanceof MeasureStageError ? e : new MeasureStageError('decode', e);
    } finally {
      // Time spent waiting for frames is decoding; in push() or waiting for the worker to catch up, measuring.
      timings.decode = (performance.now() - start) / 1000 - metricSeconds;
    }
  }
  const out: Record<string, MetricValues> = {};
  const t1 = performance.now();
  try {
    // Ask the workers first so their last frames and finish() overlap with the in-thread finishes.
    const remote = sessions.length === 0 ? undefined : Promise.all(sessions.map((s) => s.finish()));
    // Awaited below; this only keeps a rejection that arrives before then from counting as unhandled.
    remote?.catch(() => undefined);
    let outcomes: Map<string, MetricOutcome> | undefined;
    for (const a of accumulators) {
      if (a.acc !== undefined) {
        try {
          out[a.name] = await a.acc.finish();
        } catch (e) {
          throw metricFailed(a.name, e);
        }
        continue;
      }
      outcomes ??= new Map((await remote!).flat().map((o) => [o.name, o]));
      const o = outcomes.get(a.name);
      if (o === undefined) {
        throw new TemporalCIError('INTERNAL', `metric ${a.name}: no value from the metrics worker`);
      }
      if (!o.ok) {
        throw metricFailed(
          a.name,
          new TemporalCIError(o.error.code, o.error.message, { hint: o.error.hint }),
        );
      }
      out[a.name] = o.values;
    }
  } catch (e) {
    closeAll();
    throw new MeasureStageError('metrics', e);
  } finally {
    timings.metrics = metricSeconds + (performance.now() - t1) / 1000;
  }
  return out;
}
