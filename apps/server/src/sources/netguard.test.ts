import { describe, expect, it } from 'vitest';
import { classifyAddress, embeddedIPv4, refusal } from './netguard.js';

describe('classifyAddress', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['169.254.169.254', 'link-local'],
    ['fe80::1', 'link-local'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['fd00::1', 'private'],
    ['8.8.8.8', 'public'],
    ['172.32.0.1', 'public'],
    ['2606:4700::1111', 'public'],
  ])('%s is %s', (ip, cls) => {
    expect(classifyAddress(ip)).toBe(cls);
  });

  it.each([
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['::ffff:7f00:1', '127.0.0.1'],
    ['::127.0.0.1', '127.0.0.1'],
    ['2002:7f00:1::', '127.0.0.1'],
    ['64:ff9b::a00:1', '10.0.0.1'],
    ['64:ff9b:1::a9fe:a9fe', '169.254.169.254'],
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', '127.0.0.1'],
    ['fe80::5efe:c0a8:101', '192.168.1.1'],
  ])('finds the IPv4 address inside %s', (ip, v4) => {
    expect(embeddedIPv4(ip)).toBe(v4);
  });

  it('classifies IPv6 forms by the IPv4 address they carry', () => {
    expect(classifyAddress('::ffff:127.0.0.1')).toBe('loopback');
    expect(classifyAddress('2002:a9fe:a9fe::1')).toBe('link-local');
    expect(classifyAddress('64:ff9b::c0a8:1')).toBe('private');
    expect(classifyAddress('2001:0:4136:e378:8000:63bf:80ff:fffe')).toBe('loopback');
  });
});

describe('refusal', () => {
  const strict = { allowLoopback: false, allowLinkLocal: false, allowPrivate: false };
  it('refuses what the policy does not allow', () => {
    expect(refusal('127.0.0.1', strict)).toBe('loopback');
    expect(refusal('0.0.0.0', strict)).toBe('loopback');
    expect(refusal('169.254.1.1', strict)).toBe('link-local');
    expect(refusal('10.0.0.1', strict)).toBe('private');
    expect(refusal('8.8.8.8', strict)).toBeUndefined();
  });
  it('allows what the policy allows', () => {
    const open = { allowLoopback: true, allowLinkLocal: true, allowPrivate: true };
    for (const ip of ['127.0.0.1', '169.254.1.1', '10.0.0.1', '::ffff:127.0.0.1'])
      expect(refusal(ip, open)).toBeUndefined();
  });
});
