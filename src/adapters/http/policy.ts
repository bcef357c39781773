import type { LookupAddress, LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import type { Agent } from 'undici';
import { describeError } from '../../errors.js';
import {
  type AddressClass,
  classifyAddress,
  type Resolver,
  resolveHost,
  systemResolver,
} from '../../platform/net.js';

/**
 * The http adapter's network policy: a model server decides which URLs TemporalCI fetches (video_url,
 * status_url, redirects), so without a policy it could turn the CI runner against the network it runs in —
 * read an internal service or the cloud metadata endpoint and have the answer kept as a "video" in the
 * artifacts CI uploads.
 *
 * - Origins: only the endpoint's own origin and the origins the suite names (`allowed_origins`, and the
 *   origin of an absolute `poll_url`) are fetched; anything else is refused before a connection is made.
 * - Addresses: the host of every URL (redirect hops included) is resolved and each of its addresses
 *   classified (platform/net.ts). Public addresses are fine; a loopback, private or link-local one only
 *   when the endpoint itself has an address of that class (a model served on this machine may hand out
 *   localhost URLs), or when the suite named that very address as an IP literal in `allowed_origins`.
 * - Headers (tokens) go to the endpoint's origin only, never to another origin, allowlisted or not.
 *
 * - Rebinding: the check above runs before a request is sent, and the connection resolves the host again;
 *   a DNS server that answers a public address first and a private one the second time would slip through.
 *   So every connection goes through `dispatcher`, whose lookup applies the same address rule to the
 *   addresses the socket will actually use (AddressRefused when one is not allowed).
 */
export class NetworkPolicy {
  readonly endpointOrigin: string;
  private readonly endpointHost: string;
  private readonly trusted: Set<string>;
  /** Origins whose host is an IP literal the suite wrote: that address is allowed whatever its class. */
  private readonly namedAddresses: Set<string>;
  private endpointClasses: Promise<Set<AddressClass>> | undefined;
  private agent: Agent | undefined;

  constructor(
    endpoint: string,
    allowedOrigins: readonly string[],
    pollUrl?: string,
    private readonly resolve: Resolver = systemResolver,
  ) {
    const url = new URL(endpoint);
    this.endpointOrigin = url.origin;
    this.endpointHost = url.hostname;
    const named = allowedOrigins.map((o) => new URL(o));
    if (pollUrl !== undefined) {
      const poll = new URL(pollUrl.replaceAll('{job_id}', 'job'), endpoint);
      if (poll.origin !== this.endpointOrigin) named.push(poll);
    }
    this.trusted = new Set(named.map((u) => u.origin));
    this.namedAddresses = new Set(named.filter((u) => isIP(bare(u.hostname)) !== 0).map((u) => u.origin));
  }

  /** The headers a request to `url` may carry: the suite's headers on the endpoint's origin, none elsewhere. */
  headersFor(url: string, headers: Record<string, string>): Record<string, string> {
    return new URL(url).origin === this.endpointOrigin ? headers : {};
  }

  /** Why `url` must not be fetched, or undefined when it may be. */
  async refusal(url: URL): Promise<string | undefined> {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return `uses the unsupported scheme ${url.protocol}`;
    }
    const origin = url.origin;
    if (origin === this.endpointOrigin) return undefined;
    if (!this.trusted.has(origin)) {
      return `is on another origin (${origin}) than the endpoint; list it in allowed_origins to follow it`;
    }
    if (this.namedAddresses.has(origin)) return undefined;
    let resolved: Awaited<ReturnType<typeof resolveHost>>;
    try {
      resolved = await resolveHost(url.hostname, this.resolve);
    } catch (e) {
      return `has a host that cannot be resolved (${describeError(e)})`;
    }
    const bad = await this.forbiddenAddress(resolved.addresses);
    return bad === undefined ? undefined : `resolves to ${forbiddenText(bad)}`;
  }

  /**
   * The undici dispatcher every request of this policy goes through: its connections resolve host names
   * with the policy's rule (see "Rebinding" above). Literal IP hosts never reach the lookup; refusal()
   * has already judged them, and an IP cannot change between the check and the connection.
   */
  async dispatcher(): Promise<Agent> {
    // undici is imported on first use, not at load: `validate` and runs without an http model skip it.
    const { Agent } = await import('undici');
    this.agent ??= new Agent({
      connect: { lookup: (host, options, done) => this.connectLookup(host, options, done) },
    });
    return this.agent;
  }

  /** Closes the dispatcher's connections (keep-alive sockets would otherwise outlive the sample). */
  async close(): Promise<void> {
    await this.agent?.destroy();
  }

  private connectLookup(
    hostname: string,
    options: LookupOptions,
    done: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ): void {
    this.connectAddresses(hostname).then(
      (addresses) => {
        const first = addresses[0];
        if (options.all === true) done(null, addresses);
        else if (first === undefined) done(new Error(`${hostname} resolved to no address`), '');
        else done(null, first.address, first.family);
      },
      (e: NodeJS.ErrnoException) => done(e, ''),
    );
  }

  private async connectAddresses(hostname: string): Promise<LookupAddress[]> {
    const found = await this.resolve(hostname);
    // The endpoint is the suite's own choice; its host is never filtered.
    if (hostname === this.endpointHost) return found;
    const bad = await this.forbiddenAddress(
      found.map(({ address }) => ({ address, cls: classifyAddress(address) })),
    );
    if (bad !== undefined)
      throw new AddressRefused(`${hostname} resolved at connect time to ${forbiddenText(bad)}`);
    return found;
  }

  private async forbiddenAddress(
    addresses: readonly { address: string; cls: AddressClass }[],
  ): Promise<{ address: string; cls: AddressClass } | undefined> {
    const allowed = await this.allowedClasses();
    return addresses.find((a) => a.cls !== 'public' && !allowed.has(a.cls));
  }

  /** Classes of the endpoint's own addresses: a loopback endpoint may hand out loopback URLs. */
  private allowedClasses(): Promise<Set<AddressClass>> {
    this.endpointClasses ??= resolveHost(this.endpointHost, this.resolve).then(
      (r) => new Set(r.addresses.map((a) => a.cls)),
      // An endpoint that does not resolve gets no request through anyway; allow nothing extra.
      () => new Set<AddressClass>(),
    );
    return this.endpointClasses;
  }
}

/** A connection refused by the network policy's lookup: never retried (the answer would be the same). */
export class AddressRefused extends Error {
  override readonly name = 'AddressRefused';
}

function forbiddenText(bad: { address: string; cls: AddressClass }): string {
  return (
    `the ${bad.cls} address ${bad.address}, and the endpoint is not on a ${bad.cls} address; ` +
    'name that address itself in allowed_origins (e.g. http://10.0.0.5:9000) to allow it'
  );
}

function bare(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}
