/**
 * Links that summaries and PR comments put in Markdown: pages of `temporalci view` and anchors of
 * report.html. Pure string work, shared so both outputs link the same way.
 */

/** A URL for a Markdown link or image target: no spaces, parentheses or angle brackets to end it early. */
export function mdUrl(url: string): string {
  return url.replace(/[()\s<>]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/**
 * A page of `temporalci view` served at `base` (`--viewer-url`): its hash routes, each segment escaped as
 * the viewer's own links are, so a comment links straight to a run or to a regressed sample beside its
 * baseline. A fragment already on `base` is replaced.
 */
export function viewerLink(base: string, ...segments: readonly string[]): string {
  return `${base.replace(/#.*$/, '')}#/${segments.map((x) => encodeURIComponent(x)).join('/')}`;
}

/** A sample's card in a report served at `reportUrl` (its `id="sample-…"` anchor). */
export function reportSampleLink(reportUrl: string, sampleId: string): string {
  return `${reportUrl.replace(/#.*$/, '')}#sample-${encodeURIComponent(sampleId)}`;
}
