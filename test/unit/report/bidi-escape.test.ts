import { describe, expect, it } from 'vitest';
import { esc } from '../../../src/report/html.js';

describe('HTML escaping of text from suites and models', () => {
  it('shows bidi controls instead of applying them', () => {
    const controls = [0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069];
    for (const cp of controls) {
      const out = esc(`a cat${String.fromCodePoint(cp)} on a mat`);
      expect(out).toBe(`a cat⟦U+${cp.toString(16).toUpperCase()}⟧ on a mat`);
      expect(/[\u202A-\u202E\u2066-\u2069]/.test(out)).toBe(false);
    }
  });

  it('keeps right-to-left text and escapes markup', () => {
    expect(esc('قطة <b>"x"</b>')).toBe('قطة &lt;b&gt;&quot;x&quot;&lt;/b&gt;');
  });
});
