import { promises as fs } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { TemporalCIError } from '../errors.js';
import { interpolateEnvRecord, redact } from '../platform/env.js';
import { secondsSince } from '../platform/format.js';
import { NetworkPolicy } from './http/policy.js';
import { RefusalSignal } from './http/refusal.js';
import { type HttpContext, httpError, publicUrl, type RequestSpec, send, snippet } from './http/request.js';
import { type JsonReply, parseReply, readJson, realDirs, saveBody, saveSource } from './http/video.js';
import { type HttpParams, httpAdapterMeta, httpParamsSchema } from './http.meta.js';
import { refusalMetadata, writeRefusalPlaceholder } from './shared/refusal.js';
import type {
  Adapter,
  AdapterDefinition,
  AdapterFactoryContext,
  GenerationRequest,
  GenerationResult,
} from './types.js';

export { type HttpParams, httpParamsSchema } from './http.meta.js';

const DONE = new Set(['done', 'succeeded', 'success', 'completed', 'complete', 'finished']);
const FAILED = new Set(['failed', 'failure', 'error', 'errored', 'cancelled', 'canceled']);

export const httpAdapter: AdapterDefinition<HttpParams> = {
  ...httpAdapterMeta,
  create(params: HttpParams, factory: AdapterFactoryContext): Adapter {
    const parsed = httpParamsSchema.safeParse(params);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue === undefined || issue.path.length === 0 ? '' : ` at ${issue.path.join('.')}`;
      throw new TemporalCIError(
        'USAGE',
        `invalid http adapter params${where}: ${issue?.message ?? 'invalid'}`,
        {
          hint: 'see the http adapter params in the documentation (unknown keys are rejected)',
        },
      );
    }
    const checked = parsed.data;
    const localDirs = checked.local_path_dirs.map((d) => path.resolve(factory.suiteDir, d));
    return { name: 'http', generate: (request) => generateHttp(checked, localDirs, request) };
  },
};

export function requestBody(params: HttpParams, request: GenerationRequest): Record<string, unknown> {
  return {
    model: request.model,
    prompt: request.prompt,
    seed: request.seed,
    video: { ...request.video },
    params: params.request_params,
    ...(request.initImage === undefined ? {} : { init_image: request.initImage }),
    ...(request.inputVideo === undefined ? {} : { input_video: request.inputVideo }),
  };
}

function isJson(res: Response): boolean {
  return /^application\/([\w.+-]*\+)?json\b/i.test(res.headers.get('content-type') ?? '');
}

function isVideo(res: Response): boolean {
  const type = (res.headers.get('content-type') ?? '').toLowerCase();
  return type.startsWith('video/') || type.startsWith('application/octet-stream');
}

async function generateHttp(
  params: HttpParams,
  localDirs: readonly string[],
  request: GenerationRequest,
): Promise<GenerationResult> {
  const started = performance.now();
  const { values: headers, secrets } = interpolateEnvRecord(params.headers, 'http adapter headers');
  await fs.mkdir(request.workDir, { recursive: true });
  const logFile = path.join(request.workDir, 'adapter.log');
  const lines: string[] = [
    `--- temporalci http adapter, sample ${request.sampleId}, ${new Date().toISOString()}`,
  ];
  const ctx: HttpContext = {
    signal: request.signal,
    requestTimeoutMs: params.request_timeout_s * 1000,
    maxRetries: params.max_retries,
    backoffMs: params.retry_backoff_s * 1000,
    maxRetryWaitMs: params.max_retry_wait_s * 1000,
    maxResponseBytes: Math.floor(params.max_response_mb * 1024 * 1024),
    maxJsonBytes: Math.floor(params.max_json_mb * 1024 * 1024),
    policy: new NetworkPolicy(params.endpoint, params.allowed_origins, params.poll_url),
    secrets,
    log: (line) => lines.push(`${new Date().toISOString()} ${redact(line, secrets)}`),
    requests: 0,
  };
  const refusal = params.refusal === undefined ? undefined : new RefusalSignal(params.refusal, secrets);
  if (refusal !== undefined) ctx.refusal = (status, body) => refusal.fromError(status, body);
  const submit: RequestSpec = {
    method: 'POST',
    url: params.endpoint,
    headers: { ...headers, 'content-type': 'application/json', accept: 'video/*, application/json' },
    body: JSON.stringify(requestBody(params, request)),
    refusable: true,
  };
  try {
    const dirs = await realDirs(localDirs);
    const outcome = await run(params, ctx, submit, headers, request, refusal, dirs);
    if (outcome.refusal !== undefined) {
      ctx.log(`refusal: ${outcome.refusal}; writing a black placeholder video`);
      await writeRefusalPlaceholder(request.video, outcome.videoPath);
    }
    const logPath = relativeToRun(request.workDir, logFile);
    return {
      videoPath: outcome.videoPath,
      metadata: {
        adapter: 'http',
        endpoint: publicUrl(params.endpoint),
        mode: params.mode,
        http_requests: ctx.requests,
        ...(outcome.refusal === undefined ? {} : refusalMetadata(outcome.refusal)),
        ...(outcome.jobId === undefined ? {} : { job_id: redact(outcome.jobId, secrets) }),
        ...(outcome.server === undefined ? {} : { server: redactDeep(outcome.server, secrets) }),
        log_path: logPath,
        log_file: logFile,
        work_dir: request.workDir,
        duration_s: secondsSince(started),
      },
    };
  } catch (e) {
    if (e instanceof TemporalCIError) ctx.log(`error: ${e.message}`);
    throw e instanceof TemporalCIError && e.logTail === undefined
      ? new TemporalCIError(e.code, e.message, { hint: e.hint, logTail: lines.slice(-20).join('\n') })
      : e;
  } finally {
    await ctx.policy.close();
    // The log is kept whatever happens (it holds no header values: only URLs without queries and statuses).
    await fs.appendFile(logFile, `${lines.join('\n')}\n`).catch(() => undefined);
  }
}

interface Outcome {
  videoPath: string;
  /** The refusal reason when the server refused; videoPath is then where the placeholder goes. */
  refusal?: string;
  jobId?: string;
  server?: Record<string, unknown>;
}

async function run(
  params: HttpParams,
  ctx: HttpContext,
  submit: RequestSpec,
  headers: Record<string, string>,
  request: GenerationRequest,
  refusal: RefusalSignal | undefined,
  localDirs: readonly string[],
): Promise<Outcome> {
  const refused = (reason: string, jobId?: string): Outcome => ({
    videoPath: request.outputPath,
    refusal: reason,
    ...(jobId === undefined ? {} : { jobId }),
  });
  const { response, url: answeredBy, refusal: statusRefusal } = await send(ctx, submit);
  if (statusRefusal !== undefined) return refused(statusRefusal);
  if (isVideo(response)) {
    if (params.mode === 'async') ctx.log('async mode, but the server answered with the video itself');
    return { videoPath: await saveBody(ctx, submit, response, request.outputPath) };
  }
  if (!isJson(response)) {
    await response.body?.cancel().catch(() => undefined);
    throw httpError(
      ctx,
      submit,
      `returned HTTP ${response.status} with content-type ${response.headers.get('content-type') ?? 'none'}`,
      'the server must answer with video/* bytes or JSON',
    );
  }
  const raw = await readJson(ctx, submit, response);
  // A reply that says "refused" is a refusal even if it also carries a video: the server's word wins.
  const fieldRefusal = refusal?.fromJson(raw);
  if (fieldRefusal !== undefined) return refused(fieldRefusal);
  const reply = parseReply(raw);
  if (reply === undefined) throw httpError(ctx, submit, 'returned JSON that is not an object');
  if (reply.video !== undefined && (reply.status === undefined || DONE.has(reply.status))) {
    const fetchOpts = { headers, base: answeredBy, localDirs };
    const videoPath = await saveSource(ctx, submit, reply.video, request.outputPath, fetchOpts);
    return withServer({ videoPath }, reply);
  }
  if (params.mode === 'sync') {
    throw failure(ctx, submit, reply, 'returned no video (expected video_base64, video_url or video_path)');
  }
  if (reply.status !== undefined && FAILED.has(reply.status))
    throw failure(ctx, submit, reply, 'rejected the job');
  const statusUrl = pollTarget(params, ctx, submit, reply, answeredBy);
  // The policy sends the headers only if the status URL is on the endpoint's origin.
  const poll: RequestSpec = { method: 'GET', url: statusUrl, headers, refusable: true };
  for (;;) {
    try {
      await delay(params.poll_interval_s * 1000, undefined, { signal: ctx.signal });
    } catch {
      throw httpError(ctx, poll, `job ${reply.jobId ?? ''} did not finish before the sample deadline`);
    }
    const { response: res, url: polledAt, refusal: pollRefusal } = await send(ctx, poll);
    if (pollRefusal !== undefined) return refused(pollRefusal, reply.jobId);
    if (!isJson(res)) {
      await res.body?.cancel().catch(() => undefined);
      throw httpError(
        ctx,
        poll,
        `returned content-type ${res.headers.get('content-type') ?? 'none'}, not JSON`,
      );
    }
    const polled = await readJson(ctx, poll, res);
    const jobRefusal = refusal?.fromJson(polled);
    if (jobRefusal !== undefined) return refused(jobRefusal, reply.jobId);
    const status = parseReply(polled);
    if (status === undefined) throw httpError(ctx, poll, 'returned JSON that is not an object');
    if (status.status !== undefined && FAILED.has(status.status))
      throw failure(ctx, poll, status, 'job failed');
    if (status.status !== undefined && DONE.has(status.status)) {
      if (status.video === undefined) {
        throw failure(
          ctx,
          poll,
          status,
          `says ${status.status} but gives no video_base64, video_url or video_path`,
        );
      }
      // A relative video_url resolves against the poll that named it, never against the endpoint.
      const fetchOpts = { headers, base: polledAt, localDirs };
      const videoPath = await saveSource(ctx, poll, status.video, request.outputPath, fetchOpts);
      return withServer({ videoPath, ...(reply.jobId === undefined ? {} : { jobId: reply.jobId }) }, status);
    }
    ctx.log(`job ${reply.jobId ?? ''} status ${status.status ?? '(none)'}`);
  }
}

function withServer(outcome: Outcome, reply: JsonReply): Outcome {
  return reply.metadata === undefined ? outcome : { ...outcome, server: reply.metadata };
}

function failure(ctx: HttpContext, spec: RequestSpec, reply: JsonReply, what: string): TemporalCIError {
  const message = reply.message === undefined ? '' : `: ${snippet(reply.message, ctx.secrets)}`;
  return httpError(ctx, spec, `${what}${message}`, 'see the server logs for this job');
}

/**
 * status_url (absolute, or relative to the URL that answered the POST) wins; else poll_url with {job_id}
 * (relative to the endpoint, as the suite wrote it).
 */
function pollTarget(
  params: HttpParams,
  ctx: HttpContext,
  submit: RequestSpec,
  reply: JsonReply,
  answeredBy: string,
): string {
  let target: string | undefined;
  let base = params.endpoint;
  if (reply.statusUrl !== undefined) {
    target = reply.statusUrl;
    base = answeredBy;
  } else if (reply.jobId !== undefined && params.poll_url !== undefined) {
    target = params.poll_url.replaceAll('{job_id}', encodeURIComponent(reply.jobId));
  }
  if (target === undefined) {
    throw httpError(
      ctx,
      submit,
      'returned neither a video, a status_url, nor a job_id usable with poll_url',
      'an async server must answer {job_id} (with poll_url set) or {status_url}',
    );
  }
  try {
    const url = new URL(target, base);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('scheme');
    return url.href;
  } catch {
    throw httpError(ctx, submit, 'returned an unusable status URL');
  }
}

/** `work/<sample>` sits in the run folder; paths relative to it keep run.json portable. */
function relativeToRun(workDir: string, file: string): string {
  const parent = path.dirname(workDir);
  return path.basename(parent) === 'work' ? path.relative(path.dirname(parent), file) : file;
}

/** Server metadata goes into run.json: every string equal to or containing a header secret is redacted. */
function redactDeep(value: Record<string, unknown>, secrets: readonly string[]): Record<string, unknown> {
  if (JSON.stringify(value).length > 16_384) return { truncated: true };
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return redact(v, secrets);
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === 'object' && v !== null) {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [redact(k, secrets), walk(x)]));
    }
    return v;
  };
  return walk(value) as Record<string, unknown>;
}
