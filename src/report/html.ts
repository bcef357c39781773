/**
 * Shared building blocks of every HTML page TemporalCI writes (run report, trend, compare). Pages are
 * self-contained: inline CSS and SVG, one inline script (synced players, allowed by its hash), no network,
 * so they open from file:// offline and can be attached to a CI job as-is. Every string that comes from a suite, a model or a run goes through `esc`.
 */

import { createHash } from 'node:crypto';
import { percent } from '../platform/format.js';

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Bidi embedding/override/isolate controls: a prompt holding U+202E would reverse the rest of a heading. */
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/g;

/**
 * HTML-escaped text, with bidi controls shown as a visible `⟦U+202E⟧` instead of applied: text from a suite,
 * a model or a run cannot reorder the page around it (in text and in attribute values alike).
 */
export function esc(value: unknown): string {
  return String(value)
    .replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c)
    .replace(BIDI_CONTROLS, (c) => `⟦U+${c.codePointAt(0)!.toString(16).toUpperCase()}⟧`);
}

/** A relative URL for an href/src: each path segment percent-encoded, then HTML-escaped. */
export function relUrl(relPath: string): string {
  return esc(
    relPath
      .split(/[\\/]/)
      .map((seg) => (seg === '..' || seg === '.' ? seg : encodeURIComponent(seg)))
      .join('/'),
  );
}

/** Numbers for people: integers as-is, others with up to 6 significant decimals, null as an em dash. */
export function fmt(v: number | null | undefined, digits = 6): string {
  if (v === null || v === undefined) return '—';
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  const abs = Math.abs(v);
  const d = abs >= 100 ? 2 : abs >= 1 ? 4 : digits;
  return v.toFixed(d).replace(/0+$/, '').replace(/\.$/, '');
}

export function fmtSigned(v: number | null | undefined): string {
  if (v === null || v === undefined) return '—';
  return `${v > 0 ? '+' : v < 0 ? '−' : '±'}${fmt(Math.abs(v))}`;
}

export function fmtPct(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return `${v > 0 ? '+' : v < 0 ? '−' : '±'}${percent(Math.abs(v))}`;
}

/**
 * A status label that reads without colour: the word itself plus a symbol, and a class for the colour.
 * kind: good (✓), bad (✗), warn (!), neutral (·).
 */
export type Tone = 'good' | 'bad' | 'warn' | 'neutral';
const SYMBOL: Record<Tone, string> = { good: '✓', bad: '✗', warn: '!', neutral: '·' };

export function pill(text: string, tone: Tone): string {
  return `<span class="pill ${tone}"><span aria-hidden="true">${SYMBOL[tone]} </span>${esc(text)}</span>`;
}

export function statusTone(status: string): Tone {
  return status === 'PASS' ? 'good' : status === 'FAIL' ? 'bad' : status === 'ERROR' ? 'warn' : 'neutral';
}

export function table(headers: readonly string[], rows: readonly string[][], caption?: string): string {
  const head = headers.map((h) => `<th scope="col">${esc(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n');
  return `<div class="scroll"><table>${caption ? `<caption>${esc(caption)}</caption>` : ''}<thead><tr>${head}</tr></thead><tbody>${body}</tbody></table></div>`;
}

const CSS = `
:root{--fg:#1f2328;--muted:#59636e;--bg:#fff;--card:#f6f8fa;--line:#d1d9e0;--good:#1a7f37;--bad:#cf222e;--warn:#9a6700;--base:#0969da;--cand:#bc4c00}
*{box-sizing:border-box}
body{font:14px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg);margin:0 auto;max-width:1200px;padding:16px 24px 48px}
h1{font-size:22px;margin:8px 0}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}h3{font-size:15px;margin:16px 0 6px}
.meta{display:grid;grid-template-columns:repeat(auto-fill,minmax(240px,1fr));gap:4px 16px;color:var(--muted)}
.meta b{color:var(--fg);font-weight:600}
.verdict{font-size:20px;font-weight:700;padding:10px 14px;border-radius:6px;border:2px solid;margin:12px 0;display:inline-block}
.verdict.good{color:var(--good);border-color:var(--good)}.verdict.bad{color:var(--bad);border-color:var(--bad)}.verdict.warn{color:var(--warn);border-color:var(--warn)}
.pill{display:inline-block;padding:0 8px;border-radius:10px;font-weight:600;font-size:12px;border:1px solid}
.pill.good{color:var(--good);border-color:var(--good)}.pill.bad{color:var(--bad);border-color:var(--bad);background:#ffebe9}.pill.warn{color:var(--warn);border-color:var(--warn);background:#fff8c5}.pill.neutral{color:var(--muted);border-color:var(--line)}
.scroll{overflow-x:auto}
table{border-collapse:collapse;width:100%;margin:6px 0 12px}th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}th{background:var(--card)}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.worse{color:var(--bad);font-weight:600}.better{color:var(--good)}.same{color:var(--muted)}
.card{border:1px solid var(--line);border-radius:6px;padding:12px;margin:12px 0;background:#fff}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:12px}
.pair figure{margin:0}.pair video{width:100%;max-width:480px;background:#000;display:block}
figcaption{font-weight:600;margin:4px 0}
.strip{display:flex;gap:2px;flex-wrap:wrap;margin-top:4px}.strip img{width:64px;height:auto;border:1px solid var(--line)}
img.blurred{filter:blur(6px);clip-path:inset(0)}
.flagged .strip img{width:96px}
.note{color:var(--warn);background:#fff8c5;border:1px solid #d4a72c;border-radius:6px;padding:6px 10px;margin:6px 0}
.muted{color:var(--muted)}
pre{background:var(--card);border:1px solid var(--line);padding:8px;overflow:auto;max-height:240px;white-space:pre-wrap}
svg{max-width:100%;height:auto;display:block}
#all-samples td:nth-child(3){min-width:16em}
svg text{font:11px system-ui,sans-serif;fill:var(--fg)}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(360px,1fr));gap:12px}
@media (max-width:700px){.pair{grid-template-columns:1fr}}
`;

/**
 * The one script of the pages: the baseline and candidate players of each sample card locked together
 * (play, pause and seek on either move both; while playing, the baseline is pulled back to the candidate
 * when they drift apart by more than a tenth of a second). The CSP allows this exact text by its hash.
 */
const SYNC_SCRIPT = `for (const pair of document.querySelectorAll('.pair')) {
  const [a, b] = pair.querySelectorAll('video');
  if (!a || !b) continue;
  const follow = (src, dst) => {
    // play() rejects when a pause interrupts it: the pause is what the reader asked for.
    src.addEventListener('play', () => { if (dst.paused) { dst.currentTime = src.currentTime; dst.play().catch(() => undefined); } });
    src.addEventListener('pause', () => { if (!dst.paused) dst.pause(); });
    src.addEventListener('seeked', () => { if (Math.abs(dst.currentTime - src.currentTime) > 0.02) dst.currentTime = src.currentTime; });
  };
  follow(a, b);
  follow(b, a);
  b.addEventListener('timeupdate', () => { if (!b.paused && Math.abs(a.currentTime - b.currentTime) > 0.1) a.currentTime = b.currentTime; });
}`;
const SYNC_HASH = createHash('sha256').update(SYNC_SCRIPT).digest('base64');

/** The whole document. `body` is trusted HTML built by the callers from escaped parts. */
export function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src 'self' data: file:; media-src 'self' file:; style-src 'unsafe-inline'; script-src 'sha256-${SYNC_HASH}'">
<title>${esc(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
${body}
</main>
${body.includes('class="pair"') ? `<script>${SYNC_SCRIPT}</script>` : ''}
</body>
</html>
`;
}
