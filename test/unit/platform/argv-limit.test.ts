import { describe, expect, it } from 'vitest';
import { spawnChild } from '../../../src/platform/process.js';

describe('starting a program with an argument too long for the kernel', () => {
  it.runIf(process.platform === 'linux')('names the limit instead of an internal E2BIG', () => {
    const prompt = 'a cat on a mat '.repeat(14_000); // ~210 KB, past Linux's 128 KiB per argument
    expect(() => spawnChild('true', ['--prompt', prompt])).toThrowError(
      expect.objectContaining({
        code: 'ADAPTER_FAILED',
        message: expect.stringMatching(/longest is 210000 bytes; one argument may hold at most 131071 bytes/),
      }),
    );
  });
});
