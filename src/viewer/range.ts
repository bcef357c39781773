/**
 * HTTP Range requests for the viewer's videos (RFC 9110 §14). Browsers seek a <video> by asking for byte
 * ranges; a server that answers 200 to every range makes seeking restart the download or not work at all.
 * Only single ranges are honoured: a multi-range request may be answered with the whole file (§14.2).
 */

export type RangeAnswer =
  | { kind: 'full' }
  | { kind: 'partial'; start: number; end: number }
  | { kind: 'unsatisfiable' };

const SINGLE = /^bytes=(\d*)-(\d*)$/;

/** What to send for a Range header over a file of `size` bytes (`end` inclusive, as in Content-Range). */
export function parseRange(header: string | undefined, size: number): RangeAnswer {
  if (header === undefined) return { kind: 'full' };
  const m = SINGLE.exec(header.trim());
  // Not a single byte range (another unit, several ranges, garbage): ignoring the header is allowed.
  if (!m) return { kind: 'full' };
  const [, first = '', last = ''] = m;
  if (first === '' && last === '') return { kind: 'full' };
  if (first === '') {
    // bytes=-N: the last N bytes.
    const n = Number(last);
    if (n === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(first);
  if (start >= size) return { kind: 'unsatisfiable' };
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (end < start) return { kind: 'full' }; // an invalid range is ignored, not refused
  return { kind: 'partial', start, end };
}

/** The Content-Range header of an answer. */
export function contentRange(a: RangeAnswer, size: number): string | null {
  if (a.kind === 'partial') return `bytes ${a.start}-${a.end}/${size}`;
  if (a.kind === 'unsatisfiable') return `bytes */${size}`;
  return null;
}
