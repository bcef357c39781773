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
/** `?vs=<run id>`: compare with that run of the same model instead of the run's own baseline. */
const vsQuery = (vs) => (vs ? `?vs=${seg(vs)}` : '');

export const api = {
  suites: () => getJson('/api/suites'),
  trend: (p, s, m) => getJson(`/api/trend/${seg(p)}/${seg(s)}/${seg(m)}`),
  matrix: (p, s) => getJson(`/api/matrix/${seg(p)}/${seg(s)}`),
  runs: (p, s, m) => getJson(`/api/runs/${seg(p)}/${seg(s)}/${seg(m)}`),
  run: (p, s, m, id, vs) => getJson(`/api/runs/${seg(p)}/${seg(s)}/${seg(m)}/${seg(id)}${vsQuery(vs)}`),
  sample: (p, s, m, id, sample, vs) =>
    getJson(`/api/runs/${seg(p)}/${seg(s)}/${seg(m)}/${seg(id)}/samples/${seg(sample)}${vsQuery(vs)}`),
  frames: (p, s, m, id, sample, vs) =>
    getJson(`/api/runs/${seg(p)}/${seg(s)}/${seg(m)}/${seg(id)}/samples/${seg(sample)}/frames${vsQuery(vs)}`),
};
