import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TemporalCIError } from '../../errors.js';
import { interpolateEnvRecord } from '../../platform/env.js';
import type {
  Adapter,
  AdapterDefinition,
  AdapterFactoryContext,
  AdapterMeta,
  GenerationRequest,
  GenerationResult,
} from '../types.js';
import {
  type DiffusersParams,
  type DiffusersPipeline,
  diffusersAdapterMeta,
  diffusersImg2VidAdapterMeta,
} from './index.meta.js';
import { DiffusersWorker } from './worker.js';

/** Shipped with the package (package.json "files"): dist/adapters/diffusers → python/. */
const WORKER_SCRIPT = fileURLToPath(
  new URL('../../../python/temporalci_diffusers_worker.py', import.meta.url),
);
const DIFFUSERS_LOG_NAME = 'diffusers.log';

function definition(
  meta: AdapterMeta<DiffusersParams>,
  defaultPipeline: DiffusersPipeline,
): AdapterDefinition<DiffusersParams> {
  const name = meta.name;
  return {
    ...meta,
    create(params: DiffusersParams, ctx: AdapterFactoryContext): Adapter {
      const pipeline = params.pipeline ?? defaultPipeline;
      const { values: env } = interpolateEnvRecord(params.env, `${name} adapter env`);
      const worker = new DiffusersWorker({
        python: params.python,
        script: params.worker_script ? path.resolve(ctx.suiteDir, params.worker_script) : WORKER_SCRIPT,
        cwd: ctx.suiteDir,
        env,
        load: {
          op: 'load',
          model_id: params.model_id,
          pipeline,
          dtype: params.dtype,
          device: params.device,
          options: {
            pipeline_class: params.pipeline_class ?? null,
            variant: params.variant ?? null,
            cpu_offload: params.cpu_offload,
          },
        },
        loadTimeoutS: params.load_timeout_s,
        killGraceMs: params.kill_grace_s * 1000,
      });
      const defaultImage = params.init_image ? path.resolve(ctx.suiteDir, params.init_image) : undefined;
      return {
        name,
        generate: (request) => worker.serial(() => generate(worker, params, pipeline, defaultImage, request)),
        close: () => worker.close(),
      };
    },
  };
}

async function generate(
  worker: DiffusersWorker,
  params: DiffusersParams,
  pipeline: 'text2video' | 'img2vid',
  defaultImage: string | undefined,
  request: GenerationRequest,
): Promise<GenerationResult> {
  const initImage = request.initImage ?? defaultImage;
  if (pipeline === 'img2vid' && initImage === undefined) {
    throw new TemporalCIError('ADAPTER_FAILED', `img2vid needs an init image (sample ${request.sampleId})`, {
      hint: 'give the test init_images, or set params.init_image',
    });
  }
  await fs.mkdir(request.workDir, { recursive: true });
  await fs.mkdir(path.dirname(request.outputPath), { recursive: true });
  // A file left by an earlier attempt must not pass for this attempt's output.
  await fs.rm(request.outputPath, { force: true });
  const logFile = path.join(request.workDir, DIFFUSERS_LOG_NAME);
  const startsBefore = worker.starts;
  const reply = await worker.request(
    {
      op: 'generate',
      prompt: request.prompt,
      seed: request.seed,
      num_frames: request.video.num_frames,
      fps: request.video.fps,
      width: request.video.width,
      height: request.video.height,
      steps: params.steps,
      guidance: params.guidance ?? null,
      init_image: initImage ?? null,
      output: request.outputPath,
      kwargs: params.pipeline_kwargs,
    },
    request.sampleId,
    logFile,
    request.signal,
  );
  if (reply.event !== 'done') {
    throw new TemporalCIError(
      'ADAPTER_FAILED',
      `diffusers worker failed on sample ${request.sampleId}: ${reply.message ?? 'no message'}`,
      {
        hint: `see the log ${logFile}`,
        logTail: worker.tail(),
      },
    );
  }
  const output = reply.output ?? request.outputPath;
  const stat = await fs.stat(output).catch(() => undefined);
  if (stat === undefined || stat.size === 0) {
    throw new TemporalCIError(
      'ADAPTER_FAILED',
      `diffusers worker reported ${output} but wrote no video there`,
      {
        hint: `see the log ${logFile}`,
        logTail: worker.tail(),
      },
    );
  }
  return {
    videoPath: output,
    metadata: {
      adapter: 'diffusers',
      pipeline,
      model_id: params.model_id,
      steps: params.steps,
      guidance: params.guidance ?? null,
      // True when this sample paid for loading the weights (first sample, or after a restart).
      worker_started: worker.starts !== startsBefore,
      worker_starts: worker.starts,
      worker: worker.info,
      ...(reply.metadata ?? {}),
      log_file: logFile,
      work_dir: request.workDir,
    },
  };
}

export const diffusersAdapter = definition(diffusersAdapterMeta, 'text2video');
/** The original's name for image-to-video; the same adapter with img2vid as the default pipeline. */
export const diffusersImg2VidAdapter = definition(diffusersImg2VidAdapterMeta, 'img2vid');
