import { BlockList, isIPv4, isIPv6 } from 'node:net';

export type AddressClass = 'unspecified' | 'loopback' | 'link-local' | 'private' | 'public';

export interface AddressPolicy {
  allowLoopback: boolean;
  allowLinkLocal: boolean;
  allowPrivate: boolean;
}

const classes: [AddressClass, BlockList][] = (() => {
  const make = (v4: string[], v6: string[]) => {
    const list = new BlockList();
    for (const cidr of v4) list.addSubnet(cidr.split('/')[0]!, Number(cidr.split('/')[1]), 'ipv4');
    for (const cidr of v6) list.addSubnet(cidr.split('/')[0]!, Number(cidr.split('/')[1]), 'ipv6');
    return list;
  };
  return [
    ['unspecified', make(['0.0.0.0/8'], ['::/128'])],
    ['loopback', make(['127.0.0.0/8'], ['::1/128'])],
    ['link-local', make(['169.254.0.0/16'], ['fe80::/10'])],
    // RFC 1918, RFC 6598 CGNAT, IPv6 unique local addresses.
    ['private', make(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10'], ['fc00::/7'])],
  ];
})();

/** Expands an IPv6 address to its eight 16-bit groups. */
function groups(ip: string): number[] {
  let s = ip.toLowerCase();
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  if (v4) {
    const [a, b, c, d] = v4[1]!.split('.').map(Number) as [number, number, number, number];
    s = s.slice(0, v4.index) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = s.includes('::') ? (s.split('::') as [string, string]) : [s, undefined];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : Array(8 - h.length - t.length).fill('0');
  return [...h, ...fill, ...t].map((g) => Number.parseInt(g, 16));
}

const v4of = (hi: number, lo: number) => `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;

/**
 * The IPv4 address an IPv6 address carries, if it is one of the forms that route to IPv4:
 * IPv4-mapped and -compatible, 6to4, NAT64 (well-known and local-use), Teredo and ISATAP.
 * Why: an attacker who can name `::ffff:127.0.0.1` or `2002:7f00:1::` must not reach loopback.
 */
export function embeddedIPv4(ip: string): string | undefined {
  const g = groups(ip);
  if (g.length !== 8 || g.some((n) => Number.isNaN(n))) return undefined;
  const zero = (from: number, to: number) => g.slice(from, to).every((n) => n === 0);
  if (zero(0, 5) && (g[5] === 0xffff || (g[5] === 0 && (g[6]! > 0 || g[7]! > 1)))) return v4of(g[6]!, g[7]!);
  if (g[0] === 0x2002) return v4of(g[1]!, g[2]!);
  if (g[0] === 0x64 && g[1] === 0xff9b && (zero(2, 6) || g[2] === 1)) return v4of(g[6]!, g[7]!);
  if (g[0] === 0x2001 && g[1] === 0) return v4of(g[6]! ^ 0xffff, g[7]! ^ 0xffff);
  if ((g[4]! & 0xfdff) === 0 && g[5] === 0x5efe) return v4of(g[6]!, g[7]!);
  return undefined;
}

export function classifyAddress(ip: string): AddressClass {
  const family = isIPv4(ip) ? 'ipv4' : isIPv6(ip) ? 'ipv6' : undefined;
  if (!family) return 'public';
  if (family === 'ipv6') {
    const inner = embeddedIPv4(ip);
    if (inner) return classifyAddress(inner);
  }
  for (const [name, list] of classes) if (list.check(ip, family)) return name;
  return 'public';
}

/** Why an address is refused, or undefined when the policy allows it. */
export function refusal(ip: string, policy: AddressPolicy): string | undefined {
  switch (classifyAddress(ip)) {
    // Connecting to 0.0.0.0 or :: reaches this host, so it counts as loopback.
    case 'unspecified':
    case 'loopback':
      return policy.allowLoopback ? undefined : 'loopback';
    case 'link-local':
      return policy.allowLinkLocal ? undefined : 'link-local';
    case 'private':
      return policy.allowPrivate ? undefined : 'private';
    default:
      return undefined;
  }
}
