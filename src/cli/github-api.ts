import { promises as fs } from 'node:fs';
import { TemporalCIError } from '../errors.js';
import { redact } from '../platform/env.js';
import { RetryFailure, readCapped, retryAfterMs, withRetries } from '../platform/http.js';

/**
 * The few GitHub REST calls `pr-comment` makes (list, create and update an issue comment), on the global
 * fetch. The token goes only into the Authorization header: every message this file makes is passed
 * through `redact` with it, so not even a server that echoes it back can make it appear in output.
 */

export interface PullRequestContext {
  /** GITHUB_API_URL, without a trailing slash (GitHub Enterprise has its own). */
  apiUrl: string;
  /** owner/name. */
  repository: string;
  number: number;
  token: string;
}

export type ContextResult = { context: PullRequestContext } | { skip: string };

type Env = Record<string, string | undefined>;

const PR_EVENTS = new Set(['pull_request', 'pull_request_target']);

/** The PR number from the event payload a runner writes to GITHUB_EVENT_PATH; null when it has none. */
async function prNumberOf(eventPath: string): Promise<number | null> {
  let event: unknown;
  try {
    event = JSON.parse(await fs.readFile(eventPath, 'utf8'));
  } catch (e) {
    throw new TemporalCIError('USAGE', `GITHUB_EVENT_PATH ${eventPath} is not a readable JSON event`, {
      hint: 'run pr-comment in a GitHub Actions job, where the runner writes the event file',
      cause: e,
    });
  }
  const n = (event as { pull_request?: { number?: unknown } } | null)?.pull_request?.number;
  return typeof n === 'number' && Number.isInteger(n) && n > 0 ? n : null;
}

/**
 * The pull request this job runs for, from the variables a runner sets. Not a pull-request event is a
 * reason to skip (a push to main has no PR to comment on); a PR without a token is a configuration error.
 */
export async function pullRequestContext(env: Env): Promise<ContextResult> {
  const event = env.GITHUB_EVENT_NAME;
  if (event !== undefined && !PR_EVENTS.has(event)) return { skip: `the ${event} event has no pull request` };
  if (!env.GITHUB_EVENT_PATH) return { skip: 'no GitHub event (GITHUB_EVENT_PATH is not set)' };
  const number = await prNumberOf(env.GITHUB_EVENT_PATH);
  if (number === null) return { skip: 'the event has no pull request number' };
  const repository = env.GITHUB_REPOSITORY ?? '';
  if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(repository)) {
    throw new TemporalCIError('USAGE', `GITHUB_REPOSITORY "${repository}" is not owner/name`, {
      hint: 'run pr-comment in a GitHub Actions job, or set GITHUB_REPOSITORY=owner/name',
    });
  }
  const token = env.GITHUB_TOKEN ?? '';
  if (token === '') {
    throw new TemporalCIError('USAGE', 'pr-comment needs GITHUB_TOKEN to comment on the pull request', {
      hint: 'set env GITHUB_TOKEN: ${{ github.token }} and grant the job `permissions: pull-requests: write`',
    });
  }
  const apiUrl = (env.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/+$/, '');
  if (!/^https?:\/\//.test(apiUrl)) {
    throw new TemporalCIError('USAGE', `GITHUB_API_URL "${apiUrl}" is not an http(s) URL`, {
      hint: 'leave GITHUB_API_URL as the runner sets it',
    });
  }
  return { context: { apiUrl, repository, number, token } };
}

interface IssueComment {
  id: number;
  body?: string | null;
  html_url?: string;
}

const MAX_BODY_BYTES = 8 * 1024 * 1024;
/** A PR with more comments than this is not searched further: a new comment is posted instead. */
const MAX_PAGES = 50;

class GitHubClient {
  constructor(
    private readonly ctx: PullRequestContext,
    private readonly signal?: AbortSignal,
  ) {}

  private fail(what: string, why: string, hint: string): TemporalCIError {
    return new TemporalCIError('GITHUB_API_FAILED', redact(`GitHub API: ${what} ${why}`, [this.ctx.token]), {
      hint,
    });
  }

  /** One call, retried (but a POST) on network errors, 5xx and rate limits; any other status is final. */
  async call(
    method: 'GET' | 'POST' | 'PATCH',
    url: string,
    what: string,
    body?: unknown,
  ): Promise<{ json: unknown; link: string | null }> {
    try {
      const { value } = await withRetries<{ json: unknown; link: string | null }>(
        async (_n, signal) => {
          const res = await fetch(url, {
            method,
            redirect: 'error',
            signal,
            headers: {
              accept: 'application/vnd.github+json',
              authorization: `Bearer ${this.ctx.token}`,
              'x-github-api-version': '2022-11-28',
              'user-agent': 'temporalci-pr-comment',
              ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            },
            ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          });
          const raw = await readCapped(res, MAX_BODY_BYTES);
          const text = raw === 'too-large' ? '' : raw.toString('utf8');
          if (res.status === 429 || res.status >= 500 || rateLimited(res)) {
            return {
              retry: `returned HTTP ${res.status}`,
              status: res.status,
              retryAfterMs: retryAfterMs(res.headers.get('retry-after')),
            };
          }
          if (!res.ok) throw this.refused(what, res.status, text);
          if (raw === 'too-large') throw this.fail(what, 'returned a body over 8 MiB', 'retry the job');
          return { done: { json: this.parse(what, text), link: res.headers.get('link') } };
        },
        {
          // A POST that failed may still have created the comment: retrying it could post a second one.
          retries: method === 'POST' ? 0 : 2,
          backoffMs: 1000,
          maxWaitMs: 10_000,
          longRetryAfter: 'stop',
          timeoutMs: 30_000,
          signal: this.signal,
        },
      );
      return value;
    } catch (e) {
      if (e instanceof TemporalCIError) throw e;
      if (e instanceof RetryFailure) {
        throw this.fail(
          what,
          `${e.reason} (after ${e.attempts} attempt${e.attempts === 1 ? '' : 's'})`,
          `check that ${this.ctx.apiUrl} is reachable from the runner, then rerun the job`,
        );
      }
      throw e;
    }
  }

  /** A 2xx body; not JSON is final (a proxy's page, a wrong GITHUB_API_URL), not worth a retry. */
  private parse(what: string, text: string): unknown {
    if (text === '') return null;
    try {
      return JSON.parse(text);
    } catch {
      throw this.fail(what, 'returned a body that is not JSON', 'check GITHUB_API_URL');
    }
  }

  private refused(what: string, status: number, text: string): TemporalCIError {
    let message = '';
    try {
      message = String((JSON.parse(text) as { message?: unknown }).message ?? '');
    } catch {
      message = text.slice(0, 200);
    }
    const hint =
      status === 401
        ? 'GITHUB_TOKEN is not valid: pass ${{ github.token }}'
        : status === 403 || status === 404
          ? 'grant the job `permissions: pull-requests: write`; a PR from a fork gets a read-only token (set the action input comment: false there)'
          : 'see the message above; rerun the job';
    return this.fail(
      what,
      `returned HTTP ${status}${message ? `: ${message.replace(/\s+/g, ' ')}` : ''}`,
      hint,
    );
  }

  private get commentsUrl(): string {
    return `${this.ctx.apiUrl}/repos/${this.ctx.repository}/issues/${this.ctx.number}/comments`;
  }

  /**
   * The first comment that starts with `marker` (a reply quoting our comment holds it further in, and is
   * never ours to edit), following the Link header's rel="next" page by page.
   */
  async findComment(marker: string): Promise<IssueComment | null> {
    let url: string | null = `${this.commentsUrl}?per_page=100`;
    for (let page = 0; url !== null && page < MAX_PAGES; page++) {
      const { json, link } = await this.call('GET', url, 'listing the comments of the pull request');
      if (!Array.isArray(json))
        throw this.fail('listing the comments', 'returned no list', 'check GITHUB_API_URL');
      const found = (json as IssueComment[]).find(
        (c) => typeof c.body === 'string' && c.body.startsWith(marker),
      );
      if (found) return found;
      url = nextPage(link, this.ctx.apiUrl);
    }
    return null;
  }

  async create(body: string): Promise<IssueComment> {
    const { json } = await this.call('POST', this.commentsUrl, 'creating the comment', { body });
    return json as IssueComment;
  }

  async update(id: number, body: string): Promise<IssueComment> {
    const url = `${this.ctx.apiUrl}/repos/${this.ctx.repository}/issues/comments/${id}`;
    const { json } = await this.call('PATCH', url, 'updating the comment', { body });
    return json as IssueComment;
  }
}

/** A 403 with no requests left is GitHub's primary rate limit: worth a wait, unlike a permission 403. */
function rateLimited(res: Response): boolean {
  return res.status === 403 && res.headers.get('x-ratelimit-remaining') === '0';
}

/**
 * The rel="next" URL of a Link header (RFC 8288), only when it stays on the API's origin: the token is
 * sent with it, so a header pointing elsewhere ends the listing instead.
 */
function nextPage(link: string | null, apiUrl: string): string | null {
  if (!link) return null;
  for (const part of link.split(',')) {
    const m = /<([^>]+)>\s*;(.*)/.exec(part.trim());
    if (!m || !/\brel="?([^";]*\s)?next(\s[^";]*)?"?/.test(m[2] ?? '')) continue;
    try {
      const url = new URL(m[1] as string, apiUrl);
      return url.origin === new URL(apiUrl).origin ? url.href : null;
    } catch {
      return null;
    }
  }
  return null;
}

export interface UpsertResult {
  action: 'created' | 'updated';
  id: number;
  url: string | null;
}

/** Posts the body, or updates the comment that already holds the marker: one comment per PR and key. */
export async function upsertComment(
  ctx: PullRequestContext,
  marker: string,
  body: string,
  signal?: AbortSignal,
): Promise<UpsertResult> {
  const client = new GitHubClient(ctx, signal);
  const existing = await client.findComment(marker);
  const saved = existing === null ? await client.create(body) : await client.update(existing.id, body);
  return {
    action: existing === null ? 'created' : 'updated',
    id: saved?.id ?? existing?.id ?? 0,
    url: saved?.html_url ?? null,
  };
}
