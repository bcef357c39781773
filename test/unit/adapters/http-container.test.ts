import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SNIFF_BYTES, sniffContainer, videoContentType } from '../../../src/adapters/http/container.js';

/** Real files from ffmpeg, one per container the http adapter keeps; text and HTML are not videos. */
function encoded(ext: string, extra: string[] = []): Buffer {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tci-sniff-'));
  try {
    const file = path.join(dir, `v.${ext}`);
    execFileSync('ffmpeg', [
      ...['-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=32x32:rate=4', '-frames:v', '2', ...extra, file],
    ]);
    return readFileSync(file).subarray(0, SNIFF_BYTES);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('sniffContainer', () => {
  it.each([
    ['mp4', 'mp4', ['-pix_fmt', 'yuv420p']],
    ['mov', 'mp4', []],
    ['webm', 'matroska', ['-c:v', 'libvpx']],
    ['mkv', 'matroska', []],
    ['gif', 'gif', []],
    ['avi', 'avi', []],
    ['ts', 'mpeg-ts', []],
  ] as const)('recognises a real .%s as %s', (ext, kind, extra) => {
    expect(sniffContainer(encoded(ext, [...extra]))).toBe(kind);
  });

  it('refuses text, HTML, JSON and an empty head', () => {
    for (const text of ['root:x:0:0:root:/root:/bin/bash\n', '<!doctype html><html>', '{"error":"x"}', '']) {
      expect(sniffContainer(Buffer.from(text))).toBeUndefined();
    }
  });
});

describe('videoContentType', () => {
  it('accepts video types and untyped bytes; refuses pages and JSON', () => {
    for (const t of ['video/mp4', 'video/webm; codecs=vp9', 'image/gif', 'application/octet-stream', null]) {
      expect(videoContentType(t)).toBe(true);
    }
    for (const t of ['text/html; charset=utf-8', 'application/json', 'text/plain']) {
      expect(videoContentType(t)).toBe(false);
    }
  });
});
