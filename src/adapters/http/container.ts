/**
 * What a downloaded file is, judged by its first bytes: a server that answers a video request with an HTML
 * error page, a JSON body or some internal file must not have it kept as `videos/<id>.mp4`. The content type
 * is checked first (cheap, before the body is read); the magic bytes decide, since servers label files
 * loosely (`application/octet-stream`, `binary/octet-stream` from object stores).
 */

/** Bytes needed to recognise every container below (MPEG-TS needs its second sync byte at 188). */
export const SNIFF_BYTES = 189;

const ISO_BOXES = new Set(['ftyp', 'moov', 'mdat', 'wide', 'free', 'skip']);

/** The container the bytes start with, or undefined when they are not a video we know. */
export function sniffContainer(head: Buffer): string | undefined {
  const ascii = (from: number, to: number) => head.subarray(from, to).toString('latin1');
  // MP4, MOV, 3GP, M4V: an ISO base media box at offset 0 (ftyp first in anything written this century).
  if (head.length >= 8 && ISO_BOXES.has(ascii(4, 8))) return 'mp4';
  if (head.length >= 4 && head.readUInt32BE(0) === 0x1a45dfa3) return 'matroska'; // WebM, MKV (EBML)
  if (/^GIF8[79]a/.test(ascii(0, 6))) return 'gif';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'AVI ') return 'avi';
  if (ascii(0, 4) === 'OggS') return 'ogg';
  if (ascii(0, 3) === 'FLV') return 'flv';
  if (head.length >= 4 && head.readUInt32BE(0) === 0x000001ba) return 'mpeg-ps';
  if (head.length >= 189 && head[0] === 0x47 && head[188] === 0x47) return 'mpeg-ts';
  return undefined;
}

/** Content types a video download may carry; anything else (text/html, application/json) is refused. */
export function videoContentType(contentType: string | null): boolean {
  if (contentType === null || contentType.trim() === '') return true;
  const type = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  return (
    type.startsWith('video/') ||
    type === 'image/gif' ||
    type === 'application/mp4' ||
    type === 'application/octet-stream' ||
    type === 'binary/octet-stream'
  );
}
