import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { syncedReadme } from '../../scripts/readme-sections.js';

describe('README.md', () => {
  it('documents every command, flag and suite key exactly as the code defines them (run `npm run docs`)', async () => {
    const text = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(text).toContain('npm install');
    expect(text).toContain('npm test');
    expect(text).toContain('npx temporalci run examples/regression_core.yaml');
    expect(await syncedReadme(text)).toBe(text);
  });
});
