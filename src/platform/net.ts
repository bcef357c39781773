import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/**
 * What kind of network an IP address belongs to, for the http adapter's network policy: a server must not
 * be able to point TemporalCI at the machine it runs on (loopback), the network it sits in (private), or
 * the cloud metadata service (link-local, 169.254.169.254). Addresses embedded in IPv6 (v4-mapped,
 * v4-compatible, NAT64, 6to4) are classified by the IPv4 address they carry, since that is what they reach.
 */
export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'unspecified'
  | 'multicast'
  | 'reserved';

type Range = readonly [base: number, bits: number, cls: AddressClass];

const V4_RANGES: readonly Range[] = [
  [v4('0.0.0.0'), 8, 'unspecified'],
  [v4('10.0.0.0'), 8, 'private'],
  [v4('100.64.0.0'), 10, 'private'], // carrier-grade NAT
  [v4('127.0.0.0'), 8, 'loopback'],
  [v4('169.254.0.0'), 16, 'link-local'],
  [v4('172.16.0.0'), 12, 'private'],
  [v4('192.0.0.0'), 24, 'reserved'],
  [v4('192.0.2.0'), 24, 'reserved'], // documentation
  [v4('192.88.99.0'), 24, 'reserved'],
  [v4('192.168.0.0'), 16, 'private'],
  [v4('198.18.0.0'), 15, 'reserved'], // benchmarking
  [v4('198.51.100.0'), 24, 'reserved'],
  [v4('203.0.113.0'), 24, 'reserved'],
  [v4('224.0.0.0'), 4, 'multicast'],
  [v4('240.0.0.0'), 4, 'reserved'], // includes 255.255.255.255
];

function v4(text: string): number {
  const parts = text.split('.').map(Number);
  return (((parts[0] ?? 0) << 24) | ((parts[1] ?? 0) << 16) | ((parts[2] ?? 0) << 8) | (parts[3] ?? 0)) >>> 0;
}

function classifyV4(value: number): AddressClass {
  for (const [base, bits, cls] of V4_RANGES) {
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    if ((value & mask) >>> 0 === base) return cls;
  }
  return 'public';
}

/** The eight 16-bit groups of an IPv6 address (`::`, embedded dotted IPv4 and zone ids handled). */
function v6Groups(text: string): number[] {
  let addr = text.replace(/%.*$/, '').toLowerCase();
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(addr);
  if (dotted?.[1] !== undefined) {
    const n = v4(dotted[1]);
    addr = `${addr.slice(0, -dotted[1].length)}${(n >>> 16).toString(16)}:${(n & 0xffff).toString(16)}`;
  }
  const [head = '', tail] = addr.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const fill = tail === undefined ? [] : new Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...fill, ...right].map((g) => Number.parseInt(g, 16));
}

function classifyV6(text: string): AddressClass {
  const g = v6Groups(text);
  const embedded = (hi: number, lo: number) => classifyV4((((hi << 16) >>> 0) + lo) >>> 0);
  const zeros = (from: number, to: number) => g.slice(from, to).every((x) => x === 0);
  if (zeros(0, 8)) return 'unspecified';
  if (zeros(0, 7) && g[7] === 1) return 'loopback';
  // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (the deprecated compatible form) reach the IPv4 address.
  if (zeros(0, 5) && (g[5] === 0xffff || g[5] === 0)) return embedded(g[6] ?? 0, g[7] ?? 0);
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return embedded(g[6] ?? 0, g[7] ?? 0); // NAT64
  if (g[0] === 0x2002) return embedded(g[1] ?? 0, g[2] ?? 0); // 6to4
  const first = g[0] ?? 0;
  if ((first & 0xfe00) === 0xfc00) return 'private'; // unique local fc00::/7
  if ((first & 0xffc0) === 0xfe80) return 'link-local';
  if ((first & 0xffc0) === 0xfec0) return 'private'; // deprecated site-local
  if ((first & 0xff00) === 0xff00) return 'multicast';
  if (first === 0x2001 && g[1] === 0x0db8) return 'reserved'; // documentation
  return 'public';
}

/** The class of a literal IP address (IPv4 or IPv6); throws on anything else. */
export function classifyAddress(address: string): AddressClass {
  const family = isIP(address.replace(/%.*$/, ''));
  if (family === 4) return classifyV4(v4(address));
  if (family === 6) return classifyV6(address);
  throw new Error(`not an IP address: ${address}`);
}

/** Every address a host name resolves to, in the resolver's order. */
export type Resolver = (host: string) => Promise<{ address: string; family: number }[]>;

/** The system's resolver (getaddrinfo, /etc/hosts included), as Node's connections use it. */
export const systemResolver: Resolver = (host) => lookup(host, { all: true, verbatim: true });

export interface ResolvedHost {
  host: string;
  addresses: { address: string; cls: AddressClass }[];
}

/**
 * Every address a URL's host resolves to (a literal IP resolves to itself), each classified: a host is only
 * as safe as the worst of its addresses, since the connection may use any of them.
 */
export async function resolveHost(
  hostname: string,
  resolve: Resolver = systemResolver,
): Promise<ResolvedHost> {
  const host = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  const literal = isIP(host) !== 0;
  const found = literal ? [{ address: host }] : await resolve(host);
  return { host, addresses: found.map(({ address }) => ({ address, cls: classifyAddress(address) })) };
}
