import { z } from 'zod';
import { httpRefusalSchema } from './http/refusal.js';
import type { AdapterMeta } from './types.js';

const httpUrl = z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' });
const httpOrigin = httpUrl.refine((u) => {
  const url = new URL(u);
  return url.pathname === '/' && url.search === '' && url.hash === '' && url.username === '';
}, 'an origin such as https://cdn.example.com or http://10.0.0.5:9000 (scheme, host and port; no path)');

/**
 * The `http` adapter's params (strict). Only `request_params` is sent to the server besides the sample's
 * own fields: headers (tokens) and adapter settings never go into the request body.
 */
export const httpParamsSchema = z
  .strictObject({
    endpoint: httpUrl.describe('URL the generation request is POSTed to'),
    mode: z.enum(['sync', 'async']).default('sync').describe('async: the POST returns a job, then poll it'),
    headers: z
      .record(z.string().regex(/^[A-Za-z0-9-]+$/, 'a header name'), z.string())
      .default({})
      .describe('request headers; ${VAR} is taken from the environment and never shown'),
    request_params: z.record(z.string(), z.unknown()).default({}).describe('sent as `params` in the body'),
    request_timeout_s: z
      .number()
      .positive()
      .max(86_400)
      .default(120)
      .describe('timeout of each HTTP request'),
    max_retries: z
      .int()
      .min(0)
      .max(20)
      .default(3)
      .describe(
        'retries of each HTTP request (network errors, timeouts, 429, 5xx) within one engine attempt',
      ),
    retry_backoff_s: z.number().min(0).max(600).default(1).describe('first retry wait; doubles, with jitter'),
    max_retry_wait_s: z
      .number()
      .min(0)
      .max(3600)
      .default(60)
      .describe('cap on one wait (also on Retry-After)'),
    max_response_mb: z
      .number()
      .positive()
      .max(65_536)
      .default(1024)
      .describe('largest video accepted (streamed)'),
    max_json_mb: z
      .number()
      .positive()
      .max(256)
      .default(64)
      .describe('largest JSON reply accepted (held in memory; inline video_base64 counts)'),
    allowed_origins: z
      .array(httpOrigin)
      .default([])
      .describe(
        'other origins video_url, status_url and redirects may point to (the endpoint origin always may); ' +
          'headers are never sent to them',
      ),
    allow_local_paths: z.boolean().default(false).describe('accept `video_path` (a file on this machine)'),
    local_path_dirs: z
      .array(z.string().min(1))
      .default([])
      .describe('with allow_local_paths: the folders (relative to the suite folder) a video_path may be in'),
    poll_url: z.string().min(1).optional().describe('async: status URL template with {job_id}'),
    poll_interval_s: z.number().positive().max(3600).default(2).describe('async: seconds between polls'),
    refusal: httpRefusalSchema
      .optional()
      .describe(
        'how the server refuses a prompt (statuses, json_field, json_values): a refusal is not an error; the ' +
          'sample gets metadata.refused = true and a black placeholder video',
      ),
  })
  .superRefine((p, ctx) => {
    if (p.allow_local_paths && p.local_path_dirs.length === 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['local_path_dirs'],
        message: 'allow_local_paths needs local_path_dirs: the folders a server-named video_path may be in',
      });
    }
    if (!p.allow_local_paths && p.local_path_dirs.length > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['allow_local_paths'],
        message: 'local_path_dirs is set but allow_local_paths is false; set it to true to accept video_path',
      });
    }
  });

export type HttpParams = z.output<typeof httpParamsSchema>;

export const httpAdapterMeta: AdapterMeta<HttpParams> = {
  name: 'http',
  description:
    'POSTs each sample to an HTTP endpoint; takes video bytes, base64, a URL, or polls an async job. ' +
    'Per-request timeouts and retries (429/5xx, Retry-After); header secrets from the environment; ' +
    'follows URLs only on the endpoint origin and allowed_origins, and keeps only real video files.',
  params: httpParamsSchema,
};
