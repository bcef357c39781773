/** JSON from the viewer's own API; a non-2xx answer throws its `{error: {code, message, hint}}`. */
export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.code ?? `HTTP_${status}`;
    this.hint = body?.error?.hint ?? null;
  }
}

export async function getJson(url) {
  const r = await fetch(url, { headers: { accept: 'application/json' } });
  const body = await r.json().catch(() => null);
  if (!r.ok) throw new ApiError(r.status, body);
  return body;
}

const seg = (s) => encodeURIComponent(String(s));

export const api = {
  suites: () => getJson('/api/suites'),
  run: (p, s, m, id) => getJson(`/api/runs/${seg(p)}/${seg(s)}/${seg(m)}/${seg(id)}`),
  sample: (p, s, m, id, sample) =>
    getJson(`/api/runs/${seg(p)}/${seg(s)}/${seg(m)}/${seg(id)}/samples/${seg(sample)}`),
  frames: (p, s, m, id, sample) =>
    getJson(`/api/runs/${seg(p)}/${seg(s)}/${seg(m)}/${seg(id)}/samples/${seg(sample)}/frames`),
};
