import { z } from 'zod';
import { MAX_TIMER_S } from '../../schema/limits.js';
import type { AdapterMeta } from '../types.js';

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

export type DiffusersPipeline = 'text2video' | 'img2vid';

/** `diffusers` and `diffusers_img2vid` share one schema; they differ in the default pipeline. */
function metaFor(name: string, defaultPipeline: DiffusersPipeline): AdapterMeta<DiffusersParams> {
  return {
    name,
    description:
      `Hugging Face diffusers in a long-lived Python worker (weights load once; ${defaultPipeline} by default); ` +
      'seed → torch.Generator; a timeout restarts the worker.',
    params: paramsSchema,
  };
}

export const diffusersAdapterMeta = metaFor('diffusers', 'text2video');
export const diffusersImg2VidAdapterMeta = metaFor('diffusers_img2vid', 'img2vid');
