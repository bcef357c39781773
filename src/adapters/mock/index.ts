import { extname } from 'node:path';
import { isTemporalCIError, TemporalCIError } from '../../errors.js';
import { setTimer } from '../../platform/timers.js';
import { createEncoder, extensionFor, type VideoEncoder } from '../../video/encode.js';
import type { Adapter, AdapterDefinition, GenerationRequest, GenerationResult } from '../types.js';
import { resolveDegradation } from './degrade.js';
import { MockFrameSource } from './frames.js';
import { mockAdapterMeta } from './index.meta.js';
import { type MockParams, mockParamsSchema, nonDefaultParams } from './params.js';
import { BlankFrameSource, mockRefusal } from './refusal.js';
import { mixSeeds } from './rng.js';
import { type SceneKey, sceneHash } from './scene.js';

export { type MockParams, mockParamsSchema } from './params.js';

/** Identifies the rendering algorithm in run metadata; bump when frames for the same inputs change. */
const MOCK_RENDERER = 'procedural-v1';

function sceneKeyOf(request: GenerationRequest): SceneKey {
  return {
    model: request.model,
    testId: request.testId,
    prompt: request.prompt,
    seed: request.seed,
    video: request.video,
  };
}

/**
 * Whether this sample is one of the deterministic `fail_rate` share: a uniform number derived from the
 * sample's scene hash, so the same samples fail on every run and a retry fails again.
 */
export function isSimulatedFailure(key: SceneKey, failRate: number): boolean {
  if (failRate <= 0) return false;
  return mixSeeds(sceneHash(key), 0xfa11) / 4294967296 < failRate;
}

export const mockAdapter: AdapterDefinition<MockParams> = {
  ...mockAdapterMeta,
  create(params: MockParams): Adapter {
    // The engine validates params against the schema first; this guards direct API use and fills defaults.
    const parsed = mockParamsSchema.safeParse(params);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue === undefined || issue.path.length === 0 ? '' : ` at ${issue.path.join('.')}`;
      throw new TemporalCIError(
        'USAGE',
        `invalid mock adapter params${where}: ${issue?.message ?? 'invalid'}`,
        {
          hint: 'see the mock adapter params in the documentation (unknown keys are rejected)',
        },
      );
    }
    const checked = parsed.data;
    return {
      name: 'mock',
      generate: (request) => generateMock(checked, request),
    };
  },
};

async function generateMock(params: MockParams, request: GenerationRequest): Promise<GenerationResult> {
  const { signal } = request;
  throwIfAborted(request);
  if (params.sleep_sec > 0) await sleep(params.sleep_sec, request);
  const key = sceneKeyOf(request);
  if (isSimulatedFailure(key, params.fail_rate)) {
    throw new TemporalCIError('ADAPTER_FAILED', `${params.fail_message} (sample ${request.sampleId})`, {
      hint: 'this failure was requested by the mock params fail_rate; set fail_rate: 0 to disable it',
    });
  }

  const refusal = mockRefusal(params, request.prompt);
  const source = new MockFrameSource(key, resolveDegradation(params));
  const frames =
    refusal.reason === null
      ? source
      : new BlankFrameSource(request.video.width, request.video.height, source.frameCount);
  const videoPath = withCodecExtension(request.outputPath, params.codec);
  const { width, height, fps } = request.video;
  const encoder = await createEncoder({
    output: videoPath,
    width,
    height,
    fps,
    codec: params.codec,
    ...(params.crf === undefined ? {} : { crf: params.crf }),
  });
  // Kill ffmpeg as soon as the signal fires, even mid-write or mid-finish, not only between frames.
  const onAbort = (): void => encoder.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await streamFrames(frames, encoder, request);
    await encoder.finish();
  } catch (e) {
    encoder.abort();
    if (signal.aborted) throw interrupted(request, e);
    if (isTemporalCIError(e)) throw e;
    throw new TemporalCIError('ADAPTER_FAILED', `mock adapter failed on sample ${request.sampleId}`, {
      hint: 'this is a bug in the mock adapter; please report it with the suite file',
      cause: e,
    });
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
  const scene = source.scene;
  return {
    videoPath,
    metadata: {
      adapter: 'mock',
      renderer: MOCK_RENDERER,
      objects: scene.objects.length,
      shapes: scene.objects.map((o) => o.shape),
      motion: scene.motion,
      pan: [...scene.pan],
      degradations: nonDefaultParams(params),
      ...(refusal.reason === null ? {} : { blank_output: true, refusal_reason: refusal.reason }),
      ...(refusal.reason !== null && params.refusal_mode === 'flag' ? { refused: true } : {}),
    },
  };
}

async function streamFrames(
  source: { next(): Uint8Array | undefined },
  encoder: VideoEncoder,
  request: GenerationRequest,
) {
  for (let frame = source.next(); frame !== undefined; frame = source.next()) {
    throwIfAborted(request);
    await encoder.write(frame);
  }
}

/** The encoder writes whatever container the codec needs (vp9 → webm); the file name must say so. */
function withCodecExtension(path: string, codec: MockParams['codec']): string {
  const wanted = extensionFor(codec);
  const current = extname(path);
  if (current.toLowerCase() === wanted) return path;
  return `${current === '' ? path : path.slice(0, -current.length)}${wanted}`;
}

function interrupted(request: GenerationRequest, cause?: unknown): TemporalCIError {
  const reason: unknown = request.signal.reason;
  const why = reason instanceof Error ? `: ${reason.message}` : '';
  return new TemporalCIError(
    'INTERRUPTED',
    `mock generation of sample ${request.sampleId} was aborted${why}`,
    {
      hint: 'the run was interrupted or the sample timed out; raise the timeout if it was too short',
      cause,
    },
  );
}

function throwIfAborted(request: GenerationRequest): void {
  if (request.signal.aborted) throw interrupted(request);
}

/** Artificial latency that ends early (with INTERRUPTED) when the request is aborted. */
function sleep(seconds: number, request: GenerationRequest): Promise<void> {
  return new Promise((resolve, reject) => {
    const { signal } = request;
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(interrupted(request));
    };
    const timer = setTimer(seconds, () => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
