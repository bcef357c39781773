import { describe, expect, it } from 'vitest';
import { lastMeaningfulLine, runProcess, StderrTail } from '../../../src/platform/process.js';
import { pidsMentioning } from './helpers.js';

describe('lastMeaningfulLine', () => {
  it('skips generic epilogues and prefers the specific cause', () => {
    const stderr = [
      '[h264 @ 0x5611f046be00] Invalid NAL unit size (718 > 349).',
      '[mov,mp4,m4a,3gp,3g2,mj2 @ 0x5611f046a8c0] stream 0, offset 0xb2e: partial file',
      'Cannot determine format of input stream 0:0 after EOF',
      'Error marking filters as finished',
      'Conversion failed!',
      '',
    ].join('\n');
    expect(lastMeaningfulLine(stderr)).toBe('[mov,mp4,m4a,3gp,3g2,mj2] stream 0, offset 0xb2e: partial file');
  });

  it('falls back to a generic line when it is all there is, without the file: prefix', () => {
    expect(lastMeaningfulLine('file:/tmp/a.txt: Invalid data found when processing input\n')).toBe(
      '/tmp/a.txt: Invalid data found when processing input',
    );
  });

  it('handles empty and CR-separated output', () => {
    expect(lastMeaningfulLine('')).toBe('');
    expect(lastMeaningfulLine("frame=  1\rUnknown encoder 'libfoo'\r")).toBe("Unknown encoder 'libfoo'");
  });
});

describe('StderrTail', () => {
  it('keeps only the last bytes', () => {
    const tail = new StderrTail(10);
    for (let i = 0; i < 100; i++) tail.push(Buffer.from(`line ${i}\n`));
    const s = tail.toString();
    expect(s.length).toBe(10);
    expect(s.endsWith('line 99\n')).toBe(true);
  });
});

describe('runProcess', () => {
  it('returns exit code, stdout and stderr tail without a shell', async () => {
    const res = await runProcess('/bin/sh', ['-c', 'echo out; echo err >&2; exit 3']);
    expect(res).toMatchObject({ code: 3, signal: null, stderrTail: 'err\n' });
    expect(res.stdout.toString()).toBe('out\n');
    // Arguments are passed verbatim: no shell expands them.
    const echo = await runProcess('/bin/echo', ['$HOME', '*', '; rm -rf /']);
    expect(echo.stdout.toString()).toBe('$HOME * ; rm -rf /\n');
  });

  it('fails with FFMPEG_MISSING when the program cannot start', async () => {
    await expect(runProcess('/nonexistent/ffmpeg', ['-version'])).rejects.toMatchObject({
      code: 'FFMPEG_MISSING',
      message: expect.stringContaining('/nonexistent/ffmpeg'),
    });
  });

  it('kills the process on abort and rejects with INTERRUPTED', async () => {
    const ac = new AbortController();
    const marker = `temporalci-abort-${process.pid}-${Date.now()}`;
    const run = runProcess(process.execPath, ['-e', 'setTimeout(() => {}, 30000)', marker], {
      signal: ac.signal,
    });
    // Wait until the child exists, so the abort really has something to kill.
    for (let i = 0; i < 200 && (await pidsMentioning(marker)).length === 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(await pidsMentioning(marker)).toHaveLength(1);
    ac.abort();
    await expect(run).rejects.toMatchObject({ code: 'INTERRUPTED' });
    expect(await pidsMentioning(marker)).toEqual([]);
  });

  it('refuses unbounded stdout', async () => {
    await expect(
      runProcess('/bin/sh', ['-c', 'head -c 100000 /dev/zero'], { maxStdout: 1000 }),
    ).rejects.toMatchObject({
      code: 'INTERNAL',
    });
  });
});
