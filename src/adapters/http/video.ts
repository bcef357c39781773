import { randomBytes } from 'node:crypto';
import { createWriteStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { describeError, TemporalCIError } from '../../errors.js';
import { readCapped } from '../../platform/http.js';
import { SNIFF_BYTES, sniffContainer, videoContentType } from './container.js';
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
  const body = await readCapped(res, ctx.maxJsonBytes).catch((e: unknown) => {
    throw httpError(ctx, spec, `response body could not be read: ${describeError(e)}`);
  });
  if (body === 'too-large') {
    throw httpError(
      ctx,
      spec,
      `returned a JSON body larger than max_json_mb (${ctx.maxJsonBytes / 1024 / 1024} MB)`,
      'raise max_json_mb if the server inlines large videos as base64, or have it send video_url',
    );
  }
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
 * never leaves a half-written video that could pass for a result. The first bytes must be a video
 * container (http/container.ts): an error page or an internal file is refused before anything is kept.
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
  let head: Buffer | undefined = Buffer.alloc(0);
  const notVideo = () =>
    httpError(
      ctx,
      spec,
      `returned ${head?.length ?? 0} bytes that are not a video (starting ${JSON.stringify(snippet(head?.subarray(0, 32).toString('latin1') ?? '', ctx.secrets))})`,
      'the server must send an MP4, WebM/MKV, MOV, GIF, AVI, Ogg or MPEG-TS file',
    );
  const check = new Transform({
    transform(chunk: Buffer, _enc, done) {
      total += chunk.length;
      if (total > limit) return done(new Error('too-large'));
      if (head === undefined) return done(null, chunk);
      // Held back until SNIFF_BYTES have arrived, so nothing that is not a video reaches the disk.
      head = Buffer.concat([head, chunk]);
      if (head.length < SNIFF_BYTES) return done();
      if (sniffContainer(head) === undefined) return done(notVideo());
      const out = head;
      head = undefined;
      done(null, out);
    },
    flush(done) {
      if (head === undefined || head.length === 0) return done();
      if (sniffContainer(head) === undefined) return done(notVideo());
      done(null, head);
    },
  });
  try {
    await pipeline(source, check, createWriteStream(tmp));
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
  if (!videoContentType(res.headers.get('content-type'))) {
    await res.body.cancel().catch(() => undefined);
    throw httpError(
      ctx,
      spec,
      `returned content-type ${res.headers.get('content-type') ?? 'none'}, not a video`,
      'a video download must be video/*, image/gif or application/octet-stream',
    );
  }
  const target = outputFor(outputPath, res.headers.get('content-type'));
  await writeAtomically(ctx, spec, Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), target);
  return target;
}

export interface FetchOptions {
  /** The suite's headers; the network policy sends them on the endpoint's origin only. */
  headers: Record<string, string>;
  /** The URL of the reply that named the video: a relative video_url resolves against it. */
  base: string;
  /** Real paths of the folders a video_path may be in; empty: video_path is refused. */
  localDirs: readonly string[];
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
    await copyLocal(ctx, spec, source.path, outputPath, opts.localDirs);
    return outputPath;
  }
  let url: URL;
  try {
    url = new URL(source.url, opts.base);
  } catch {
    throw httpError(ctx, spec, 'returned an invalid video_url');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw httpError(ctx, spec, `returned a video_url with unsupported scheme ${url.protocol}`);
  }
  const download: RequestSpec = { method: 'GET', url: url.href, headers: opts.headers };
  const { response } = await send(ctx, download);
  return saveBody(ctx, download, response, outputPath);
}

/**
 * Copies a video_path (opt-in: allow_local_paths) — only a regular file whose real path, symlinks
 * resolved, lies inside one of the folders the suite named. Copied, never moved: the server owns its files.
 */
async function copyLocal(
  ctx: HttpContext,
  spec: RequestSpec,
  file: string,
  outputPath: string,
  localDirs: readonly string[],
): Promise<void> {
  if (localDirs.length === 0) {
    throw httpError(
      ctx,
      spec,
      'returned video_path (a local file) but allow_local_paths is false',
      'set allow_local_paths: true and local_path_dirs when the server shares this machine',
    );
  }
  if (!path.isAbsolute(file)) throw httpError(ctx, spec, 'returned a relative video_path');
  const real = await fs.realpath(file).catch((e: unknown) => {
    throw httpError(ctx, spec, `returned video_path that cannot be read: ${describeError(e)}`);
  });
  if (!localDirs.some((dir) => real.startsWith(`${dir}${path.sep}`))) {
    throw httpError(
      ctx,
      spec,
      `returned video_path ${snippet(file, ctx.secrets)} outside local_path_dirs`,
      'add the folder the server writes to local_path_dirs',
    );
  }
  const handle = await fs.open(real, 'r').catch((e: unknown) => {
    throw httpError(ctx, spec, `returned video_path that cannot be read: ${describeError(e)}`);
  });
  const stat = await handle.stat();
  if (!stat.isFile()) {
    await handle.close();
    throw httpError(ctx, spec, 'returned a video_path that is not a regular file');
  }
  await writeAtomically(ctx, spec, handle.createReadStream(), outputPath);
}

/** The real paths of local_path_dirs (symlinks resolved), so a video_path is compared with what it reaches. */
export async function realDirs(dirs: readonly string[]): Promise<string[]> {
  return Promise.all(
    dirs.map((d) =>
      fs.realpath(d).catch((e: unknown) => {
        throw new TemporalCIError(
          'ADAPTER_FAILED',
          `http adapter: local_path_dirs folder ${d} cannot be used: ${describeError(e)}`,
          {
            hint: 'local_path_dirs are relative to the suite folder and must exist',
          },
        );
      }),
    ),
  );
}
