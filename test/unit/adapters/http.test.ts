import { describe, expect, it } from 'vitest';
import { backoffMs, publicUrl, retryAfterMs, snippet } from '../../../src/adapters/http/request.js';
import { outputFor, parseReply } from '../../../src/adapters/http/video.js';
import { httpParamsSchema, requestBody } from '../../../src/adapters/http.js';
import { interpolateEnv, interpolateEnvRecord, redact } from '../../../src/platform/env.js';

describe('http helpers', () => {
  it('parses Retry-After as seconds or an HTTP-date, and ignores garbage', () => {
    expect(retryAfterMs('3')).toBe(3000);
    const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT');
    expect(retryAfterMs('Wed, 21 Oct 2015 07:28:05 GMT', now)).toBe(5000);
    expect(retryAfterMs('Wed, 21 Oct 2015 07:27:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(null)).toBeUndefined();
  });

  it('backs off exponentially with jitter in [½, 1] of the step, capped', () => {
    for (let attempt = 0; attempt < 6; attempt++) {
      const full = Math.min(8000, 1000 * 2 ** attempt);
      const ms = backoffMs(1000, attempt, 8000);
      expect(ms).toBeGreaterThanOrEqual(full / 2);
      expect(ms).toBeLessThanOrEqual(full);
    }
  });

  it('prints URLs without credentials, query or fragment', () => {
    expect(publicUrl('https://user:pw@example.com:8443/v1/gen?key=abc#x')).toBe(
      'https://example.com:8443/v1/gen',
    );
    expect(publicUrl('not a url')).toBe('<invalid url>');
  });

  it('redacts secrets (longest first) and truncates snippets to 300 characters', () => {
    expect(redact('Bearer abc123 and abc', ['abc', 'abc123'])).toBe('Bearer [redacted] and [redacted]');
    const s = snippet(`token=s3cr3t ${'y'.repeat(400)}`, ['s3cr3t']);
    expect(s.startsWith('token=[redacted] ')).toBe(true);
    expect(s.length).toBe(301);
  });

  it('interpolates environment references and names a missing variable without any value', () => {
    const env = { A: 'alpha', B: 'beta' };
    expect(interpolateEnv('x ${A}-${B}', 'here', env)).toBe('x alpha-beta');
    expect(() => interpolateEnv('${NOPE}', 'headers.X', env)).toThrow(/NOPE \(used in headers\.X\)/);
    const r = interpolateEnvRecord({ Authorization: 'Bearer ${A}', Accept: 'json' }, 'h', env);
    expect(r.values).toEqual({ Authorization: 'Bearer alpha', Accept: 'json' });
    expect(r.secrets).toEqual(['alpha']);
  });

  it('reads the reply fields, preferring base64 over url over path', () => {
    expect(parseReply({ status: 'DONE', video_url: '/v', video_path: '/p', job_id: 7 })).toEqual({
      status: 'done',
      jobId: '7',
      video: { kind: 'url', url: '/v' },
    });
    expect(parseReply({ status: 'failed', error: 'oom' })).toEqual({ status: 'failed', message: 'oom' });
    expect(parseReply([1])).toBeUndefined();
  });

  it('names the output after the container the server sent', () => {
    expect(outputFor('/r/videos/s1.mp4', 'video/webm; codecs=vp9')).toBe('/r/videos/s1.webm');
    expect(outputFor('/r/videos/s1.mp4', 'application/octet-stream')).toBe('/r/videos/s1.mp4');
  });

  it('sends only request_params, never headers, and validates params strictly', () => {
    const params = httpParamsSchema.parse({
      endpoint: 'http://127.0.0.1:1/gen',
      headers: { Authorization: 'Bearer x' },
      request_params: { steps: 2 },
    });
    expect(params).toMatchObject({
      mode: 'sync',
      max_retries: 3,
      request_timeout_s: 120,
      max_response_mb: 1024,
    });
    const body = requestBody(params, {
      sampleId: 's',
      model: 'm',
      testId: 't',
      prompt: 'p',
      seed: 1,
      video: { num_frames: 2, fps: 1, width: 8, height: 8 },
      outputPath: '/o.mp4',
      workDir: '/w',
      signal: new AbortController().signal,
      initImage: '/i.png',
    });
    expect(JSON.stringify(body)).not.toContain('Bearer');
    expect(body).toMatchObject({ params: { steps: 2 }, init_image: '/i.png' });
    expect(httpParamsSchema.safeParse({ endpoint: 'ftp://x/y' }).success).toBe(false);
    expect(httpParamsSchema.safeParse({ endpoint: 'http://x/y', timeout_sec: 3 }).success).toBe(false);
  });
});
