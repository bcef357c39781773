import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type Placeholder,
  shellQuote,
  substitute,
  unknownPlaceholders,
} from '../../../src/adapters/command/template.js';
import { readLogTail } from '../../../src/platform/log-tail.js';

const values: Record<Placeholder, string | undefined> = {
  prompt: 'it\'s a $HOME `x` "y"',
  seed: '5',
  output: '/o/s 1.mp4',
  num_frames: '9',
  fps: '8',
  width: '64',
  height: '48',
  init_image: undefined,
  input_video: undefined,
  workdir: '/w',
  sample_id: 's1',
  model: 'm',
};

describe('command templates', () => {
  it('substitutes placeholders, keeps other braces, and turns {{ }} into literal braces', () => {
    expect(substitute('size={width}x{height}:r={fps}', values, false)).toBe('size=64x48:r=8');
    expect(substitute('{{seed}} {1,2} { } {seed}', values, false)).toBe('{seed} {1,2} { } 5');
  });

  it('shell-quotes values so /bin/sh sees each as one literal word', () => {
    const line = substitute('printf "%s|" {prompt} {output}', values, true);
    expect(execFileSync('/bin/sh', ['-c', line]).toString()).toBe(`${values.prompt}|/o/s 1.mp4|`);
    expect(shellQuote("a'b")).toBe(`'a'\\''b'`);
  });

  it('fails on a placeholder the sample has no value for, and lists unknown placeholders', () => {
    expect(() => substitute('--image {init_image}', values, false)).toThrow(/no init_image/);
    expect(unknownPlaceholders('{prompt} {promt} {{x}} {1}')).toEqual(['promt']);
  });

  it('reads the last lines written since an offset, collapsing \\r progress redraws', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tci-tail-'));
    const file = path.join(dir, 'log');
    await fs.writeFile(file, 'old attempt\n');
    const from = (await fs.stat(file)).size;
    const lines = Array.from({ length: 30 }, (_, i) => `l${i}`).join('\n');
    await fs.appendFile(file, `${lines}\n10%\r50%\r100%\n`);
    const tail = await readLogTail(file, from, 5);
    expect(tail.split('\n')).toEqual(['l26', 'l27', 'l28', 'l29', '100%']);
    expect(await readLogTail(file, from, 100)).not.toContain('old attempt');
    expect(await readLogTail(path.join(dir, 'missing'))).toBe('');
    await fs.rm(dir, { recursive: true });
  });
});
