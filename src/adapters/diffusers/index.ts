import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { TemporalCIError } from '../../errors.js';
import { interpolateEnvRecord } from '../../platform/env.js';
import { MAX_TIMER_S } from '../../schema/limits.js';
import type {
  Adapter,
  AdapterDefinition,
  AdapterFactoryContext,
  GenerationRequest,
  GenerationResult,
} from '../types.js';
import { DiffusersWorker } from './worker.js';

/** Shipped with the package (package.json "files"): dist/adapters/diffusers → python/. */
const WORKER_SCRIPT = fileURLToPath(
  new URL('../../../python/temporalci_diffusers_worker.py', import.meta.url),
);
const DIFFUSERS_LOG_NAME = 'diffusers.log';

const scalar = z.union([z.string(), z.number(), z.boolean()]);

const paramsSchema = z.strictObject({
  model_id: z.string().min(1).describe('Hugging Face repo id or local folder, e.g. THUDM/CogVideoX-2b'),
  pipeline: z
    .enum(['text2video', 'img2vid'])
    .optional()
    .describe('text2video passes the prompt; img2vid (Stable Video Diffusion) passes the init image'),
  pipeline_class: z.string().min(1).optional().describe('a diffusers class name; default DiffusionPipeline'),
  dtype: z.enum(['float16', 'bfloat16', 'float32']).default('float16'),
  device: z.string().min(1).default('cuda'),
  steps: z.number().int().min(1).max(1000).default(25).describe('num_inference_steps'),
  guidance: z.number().min(0).optional().describe('guidance_scale (max_guidance_scale for img2vid)'),
  init_image: z
    .string()
    .min(1)
    .optional()
    .describe('img2vid image when the test gives none; relative to the suite'),
  variant: z.string().min(1).optional().describe('weights variant, e.g. fp16'),
  cpu_offload: z.boolean().default(false).describe('enable_model_cpu_offload() instead of .to(device)'),
  pipeline_kwargs: z.record(z.string(), scalar).default({}).describe('extra keyword arguments of the call'),
  python: z.string().min(1).default('python3').describe('Python interpreter with torch and diffusers'),
  worker_script: z
    .string()
    .min(1)
    .optional()
    .describe(
      'a worker speaking the same JSON-lines protocol (tests, custom pipelines); relative to the suite',
    ),
  env: z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string())
    .default({})
    .describe('extra environment; ${VAR} allowed'),
  load_timeout_s: z
    .number()
    .positive()
    .max(MAX_TIMER_S)
    .default(1800)
    .describe('time allowed to load the weights'),
  kill_grace_s: z.number().min(0).max(600).default(5),
});

export type DiffusersParams = z.output<typeof paramsSchema>;

function definition(
  name: string,
  defaultPipeline: 'text2video' | 'img2vid',
): AdapterDefinition<DiffusersParams> {
  return {
    name,
    description:
      `Hugging Face diffusers in a long-lived Python worker (weights load once; ${defaultPipeline} by default); ` +
      'seed → torch.Generator; a timeout restarts the worker.',
    params: paramsSchema,
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

export const diffusersAdapter = definition('diffusers', 'text2video');
/** The original's name for image-to-video; the same adapter with img2vid as the default pipeline. */
export const diffusersImg2VidAdapter = definition('diffusers_img2vid', 'img2vid');
