import { randomBytes } from 'node:crypto';
import { createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { describeError, TemporalCIError } from '../../errors.js';
import { readCapped } from '../../platform/http.js';
import { type HttpContext, httpError, type RequestSpec, send, snippet } from './request.js';

/** Where a server said the video is. Exactly one is used, in this order of preference. */
export type VideoSource =
  | { kind: 'base64'; data: string }
  | { kind: 'url'; url: string }
  | { kind: 'path'; path: string };

export interface JsonReply {
  status?: string;
  jobId?: string;
  statusUrl?: string;
  video?: VideoSource;
  message?: string;
  metadata?: Record<string, unknown>;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/** The fields we understand in a JSON reply (sync result, async submission or poll status). */
export function parseReply(value: unknown): JsonReply | undefined {
  if (!isRecord(value)) return undefined;
  const out: JsonReply = {};
  const status = str(value.status);
  if (status !== undefined) out.status = status.toLowerCase();
  const jobId = str(value.job_id);
  if (jobId !== undefined) out.jobId = jobId;
  const statusUrl = str(value.status_url);
  if (statusUrl !== undefined) out.statusUrl = statusUrl;
  const b64 = str(value.video_base64);
  const url = str(value.video_url);
  const file = str(value.video_path);
  if (b64 !== undefined) out.video = { kind: 'base64', data: b64 };
  else if (url !== undefined) out.video = { kind: 'url', url };
  else if (file !== undefined) out.video = { kind: 'path', path: file };
  const message = str(value.error) ?? str(value.message) ?? str(value.detail);
  if (message !== undefined) out.message = message;
  if (isRecord(value.metadata)) out.metadata = value.metadata;
  return out;
}

export async function readJson(ctx: HttpContext, spec: RequestSpec, res: Response): Promise<unknown> {
  const body = await readCapped(res, ctx.maxResponseBytes).catch((e: unknown) => {
    throw httpError(ctx, spec, `response body could not be read: ${describeError(e)}`);
  });
  if (body === 'too-large') throw tooLarge(ctx, spec);
  const text = body.toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw httpError(ctx, spec, `returned invalid JSON: ${snippet(text, ctx.secrets)}`);
  }
}

function tooLarge(ctx: HttpContext, spec: RequestSpec) {
  return httpError(
    ctx,
    spec,
    `response is larger than max_response_mb (${ctx.maxResponseBytes / 1024 / 1024} MB)`,
    'raise max_response_mb if such large videos are expected',
  );
}

const EXTENSIONS: Record<string, string> = {
  'video/webm': '.webm',
  'video/quicktime': '.mov',
  'video/x-matroska': '.mkv',
  'video/mp4': '.mp4',
};

/** The output path with the container's extension when the server says which one it sent. */
export function outputFor(outputPath: string, contentType: string | null): string {
  const ext = EXTENSIONS[(contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? ''];
  if (ext === undefined) return outputPath;
  const current = path.extname(outputPath);
  return `${current === '' ? outputPath : outputPath.slice(0, -current.length)}${ext}`;
}

/**
 * Writes a stream to `target` through a temporary sibling and a rename, so a failed or oversized download
 * never leaves a half-written video that could pass for a result.
 */
async function writeAtomically(
  ctx: HttpContext,
  spec: RequestSpec,
  source: Readable,
  target: string,
): Promise<void> {
  await fs.mkdir(path.dirname(target), { recursive: true });
  const tmp = `${target}.${randomBytes(4).toString('hex')}.part`;
  let total = 0;
  const limit = ctx.maxResponseBytes;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      total += chunk.length;
      if (total > limit) done(new Error('too-large'));
      else done(null, chunk);
    },
  });
  try {
    await pipeline(source, counter, createWriteStream(tmp));
    if (total === 0) throw httpError(ctx, spec, 'returned an empty video');
    await fs.rename(tmp, target);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    if (e instanceof Error && e.message === 'too-large') throw tooLarge(ctx, spec);
    if (ctx.signal.aborted) throw httpError(ctx, spec, 'download was interrupted (sample deadline)');
    if (e instanceof TemporalCIError) throw e;
    throw httpError(ctx, spec, `video download failed: ${snippet(describeError(e), ctx.secrets)}`);
  }
}

/** Streams a `video/*` (or octet-stream) response body to disk; returns the path written. */
export async function saveBody(
  ctx: HttpContext,
  spec: RequestSpec,
  res: Response,
  outputPath: string,
): Promise<string> {
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > ctx.maxResponseBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw tooLarge(ctx, spec);
  }
  if (res.body === null) throw httpError(ctx, spec, 'returned an empty video');
  const target = outputFor(outputPath, res.headers.get('content-type'));
  await writeAtomically(ctx, spec, Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), target);
  return target;
}

export interface FetchOptions {
  /** Headers for a download from the endpoint's own origin; another origin gets none (no token leaks). */
  headers: Record<string, string>;
  endpoint: string;
  allowLocalPaths: boolean;
}

/** Materialises a video the server pointed to (inline base64, a URL, or a local path) at the output path. */
export async function saveSource(
  ctx: HttpContext,
  spec: RequestSpec,
  source: VideoSource,
  outputPath: string,
  opts: FetchOptions,
): Promise<string> {
  if (source.kind === 'base64') {
    const data = source.data.replace(/^data:[^,]*,/, '');
    if (!/^[A-Za-z0-9+/=_\-\s]+$/.test(data))
      throw httpError(ctx, spec, 'returned video_base64 that is not base64');
    const bytes = Buffer.from(data, 'base64');
    if (bytes.length > ctx.maxResponseBytes) throw tooLarge(ctx, spec);
    await writeAtomically(ctx, spec, Readable.from([bytes]), outputPath);
    return outputPath;
  }
  if (source.kind === 'path') {
    if (!opts.allowLocalPaths) {
      throw httpError(
        ctx,
        spec,
        'returned video_path (a local file) but allow_local_paths is false',
        'set allow_local_paths: true when the server shares this machine',
      );
    }
    if (!path.isAbsolute(source.path)) throw httpError(ctx, spec, 'returned a relative video_path');
    // Copied, never moved: the server owns its files.
    const handle = await fs.open(source.path, 'r').catch((e: unknown) => {
      throw httpError(ctx, spec, `returned video_path that cannot be read: ${describeError(e)}`);
    });
    await writeAtomically(ctx, spec, handle.createReadStream(), outputPath);
    return outputPath;
  }
  let url: URL;
  try {
    url = new URL(source.url, opts.endpoint);
  } catch {
    throw httpError(ctx, spec, 'returned an invalid video_url');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw httpError(ctx, spec, `returned a video_url with unsupported scheme ${url.protocol}`);
  }
  const sameOrigin = url.origin === new URL(opts.endpoint).origin;
  const download: RequestSpec = { method: 'GET', url: url.href, headers: sameOrigin ? opts.headers : {} };
  const { response } = await send(ctx, download);
  return saveBody(ctx, download, response, outputPath);
}
