import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import type { Context } from 'hono';
import type { LocalFile } from './files.js';
import { contentRange, parseRange } from './range.js';

/** Answers with a file or the byte range asked for: 200, 206 with Content-Range, or 416. */
export function serveLocalFile(c: Context, file: LocalFile, contentType: string): Response {
  const answer = parseRange(c.req.header('range'), file.size);
  const headers: Record<string, string> = {
    'Content-Type': contentType,
    'Accept-Ranges': 'bytes',
    'Cache-Control': 'no-cache',
  };
  const range = contentRange(answer, file.size);
  if (range !== null) headers['Content-Range'] = range;
  if (answer.kind === 'unsatisfiable') return new Response(null, { status: 416, headers });
  const { start, end } = answer.kind === 'partial' ? answer : { start: 0, end: file.size - 1 };
  headers['Content-Length'] = String(Math.max(0, end - start + 1));
  const status = answer.kind === 'partial' ? 206 : 200;
  if (c.req.method === 'HEAD' || file.size === 0) return new Response(null, { status, headers });
  const body = Readable.toWeb(createReadStream(file.path, { start, end })) as ReadableStream<Uint8Array>;
  return new Response(body, { status, headers });
}
