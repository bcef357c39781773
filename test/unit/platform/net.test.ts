import { describe, expect, it } from 'vitest';
import { classifyAddress, resolveHost } from '../../../src/platform/net.js';

describe('classifyAddress', () => {
  it.each([
    ['8.8.8.8', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.255.1.2', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['192.0.2.2', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['2606:4700::1111', 'public'],
    ['fd00::2', 'private'],
    ['fe80::1%eth0', 'link-local'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:8.8.8.8', 'public'],
    ['64:ff9b::a00:1', 'private'],
    ['2002:7f00:1::', 'loopback'],
    ['2001:db8::1', 'reserved'],
  ])('%s is %s', (address, cls) => {
    expect(classifyAddress(address)).toBe(cls);
  });

  it('throws on what is not an IP address', () => {
    expect(() => classifyAddress('example.com')).toThrow('not an IP address');
  });
});

describe('resolveHost', () => {
  it('classifies every address of a name, and a bracketed IPv6 literal as itself', async () => {
    const local = await resolveHost('localhost');
    expect(local.addresses.length).toBeGreaterThan(0);
    expect(local.addresses.every((a) => a.cls === 'loopback')).toBe(true);
    expect(await resolveHost('[::1]')).toEqual({
      host: '::1',
      addresses: [{ address: '::1', cls: 'loopback' }],
    });
  });
});
