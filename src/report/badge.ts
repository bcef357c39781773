import { esc } from './html.js';

/**
 * A flat, shields.io-style badge. Widths come from a per-character estimate of 11px Verdana (the font
 * shields uses), so no font measurement is needed and the SVG is identical on every machine.
 */
function textWidth(s: string): number {
  let w = 0;
  for (const ch of s)
    w += /[ilj.,:;|!'1]/.test(ch) ? 3.5 : /[mwMW@]/.test(ch) ? 10 : /[A-Z0-9]/.test(ch) ? 7.5 : 6.5;
  return Math.ceil(w) + 10;
}

export function badgeColour(status: string): string {
  return status === 'PASS' ? '#2da44e' : status === 'FAIL' ? '#cf222e' : '#9f9f9f';
}

export function badgeSvg(label: string, message: string, colour: string): string {
  const lw = textWidth(label);
  const mw = textWidth(message);
  const w = lw + mw;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="20" role="img" aria-label="${esc(label)}: ${esc(message)}"><title>${esc(label)}: ${esc(message)}</title><linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient><clipPath id="r"><rect width="${w}" height="20" rx="3" fill="#fff"/></clipPath><g clip-path="url(#r)"><rect width="${lw}" height="20" fill="#555"/><rect x="${lw}" width="${mw}" height="20" fill="${esc(colour)}"/><rect width="${w}" height="20" fill="url(#s)"/></g><g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11"><text x="${lw / 2}" y="14">${esc(label)}</text><text x="${lw + mw / 2}" y="14">${esc(message)}</text></g></svg>
`;
}
