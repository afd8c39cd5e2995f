import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';

/** A target this server will not call; `reason` is safe to show an admin (it names no secret). */
export class WebhookTargetRefused extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'WebhookTargetRefused';
  }
}

export interface ResolvedTarget {
  address: string;
  family: 4 | 6;
}

/** How names are resolved (the system resolver; tests hand in their own to play DNS rebinding). */
export type Resolver = (hostname: string) => Promise<ResolvedTarget[]>;

const systemResolver: Resolver = async (hostname) => (await lookup(hostname, { all: true, verbatim: true })).map(({ address, family }) => ({ address, family: family === 6 ? 6 : 4 }));

/** Ranges a webhook must never reach unless allow-listed, by what an admin is told they are. */
const RANGES: [string, [string, number, 'ipv4' | 'ipv6'][]][] = [
  ['loopback', [['127.0.0.0', 8, 'ipv4'], ['::1', 128, 'ipv6']]],
  ['link-local', [['169.254.0.0', 16, 'ipv4'], ['fe80::', 10, 'ipv6']]],
  [
    'private or reserved',
    [
      ['0.0.0.0', 8, 'ipv4'],
      ['10.0.0.0', 8, 'ipv4'],
      ['100.64.0.0', 10, 'ipv4'],
      ['172.16.0.0', 12, 'ipv4'],
      ['192.0.0.0', 24, 'ipv4'],
      ['192.0.2.0', 24, 'ipv4'],
      ['192.88.99.0', 24, 'ipv4'],
      ['192.168.0.0', 16, 'ipv4'],
      ['198.18.0.0', 15, 'ipv4'],
      ['198.51.100.0', 24, 'ipv4'],
      ['203.0.113.0', 24, 'ipv4'],
      ['224.0.0.0', 4, 'ipv4'],
      ['240.0.0.0', 4, 'ipv4'],
      ['::', 128, 'ipv6'],
      // IPv4-compatible, NAT64, 6to4 and Teredo carry an IPv4 address that could be any of the above.
      // (IPv4-mapped ::ffff:a.b.c.d needs no entry: BlockList checks it against the IPv4 rules.)
      ['::', 96, 'ipv6'],
      ['64:ff9b::', 96, 'ipv6'],
      ['2002::', 16, 'ipv6'],
      ['2001::', 32, 'ipv6'],
      ['2001:db8::', 32, 'ipv6'],
      ['100::', 64, 'ipv6'],
      ['fc00::', 7, 'ipv6'],
      ['fec0::', 10, 'ipv6'],
      ['ff00::', 8, 'ipv6'],
    ],
  ],
];

const RANGE_LISTS = RANGES.map(([kind, subnets]) => {
  const list = new BlockList();
  for (const [network, prefix, type] of subnets) list.addSubnet(network, prefix, type);
  return [kind, list] as const;
});

/** What kind of non-public address this is, or null for a public one. */
export function nonPublicKind(address: string): string | null {
  const family = isIP(address);
  if (family === 0) return 'not an IP address';
  const type = family === 4 ? 'ipv4' : 'ipv6';
  for (const [kind, list] of RANGE_LISTS) if (list.check(address, type)) return kind;
  return null;
}

export interface WebhookTargetRules {
  allowHttp: boolean;
  /** Hosts as written in URLs (names or IP literals, lower case) that may be non-public. */
  allowedHosts: readonly string[];
}

/**
 * The SSRF rules of webhook targets. A URL is checked when an admin saves it (scheme, credentials,
 * an IP literal or localhost that could never be called), and again when each delivery connects:
 * the name is resolved then, every address it gives must be public, and the connection is made to
 * the address that was checked, so a name that later resolves elsewhere (DNS rebinding) gains nothing.
 */
export class WebhookTargetGuard {
  private readonly allowed: ReadonlySet<string>;

  constructor(
    private readonly rules: WebhookTargetRules,
    private readonly resolve: Resolver = systemResolver,
  ) {
    this.allowed = new Set(rules.allowedHosts);
  }

  /** The URL as it will be called; throws WebhookTargetRefused with the reason. */
  checkUrl(raw: string): URL {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      throw new WebhookTargetRefused('url must be an absolute http(s) URL');
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new WebhookTargetRefused('url must be an https URL');
    if (url.protocol === 'http:' && !this.rules.allowHttp) throw new WebhookTargetRefused('url must be https (plain http is not allowed on this server: WEBHOOK_ALLOW_HTTP)');
    if (url.username || url.password) throw new WebhookTargetRefused('url must not carry credentials (authenticate deliveries by their signature)');
    const host = hostOf(url);
    if (this.allowed.has(host)) return url;
    if (host === 'localhost' || host.endsWith('.localhost')) throw new WebhookTargetRefused('url must not point to localhost (allow it with WEBHOOK_ALLOWED_HOSTS)');
    if (isIP(host)) {
      const kind = nonPublicKind(host);
      if (kind) throw new WebhookTargetRefused(`url points to a ${kind} address (allow it with WEBHOOK_ALLOWED_HOSTS)`);
    }
    return url;
  }

  /** Where one delivery may connect: the URL checked again and its name resolved, now. */
  async target(raw: string): Promise<{ url: URL; address: ResolvedTarget }> {
    const url = this.checkUrl(raw);
    const host = hostOf(url);
    if (isIP(host)) return { url, address: { address: host, family: isIP(host) === 6 ? 6 : 4 } };
    let addresses: ResolvedTarget[];
    try {
      addresses = await this.resolve(host);
    } catch (error) {
      throw new WebhookTargetRefused(`the host did not resolve (${(error as NodeJS.ErrnoException).code ?? 'DNS error'})`);
    }
    if (addresses.length === 0) throw new WebhookTargetRefused('the host did not resolve');
    if (!this.allowed.has(host)) {
      for (const { address } of addresses) {
        const kind = nonPublicKind(address);
        if (kind) throw new WebhookTargetRefused(`the host resolves to a ${kind} address (${address}); allow it with WEBHOOK_ALLOWED_HOSTS`);
      }
    }
    return { url, address: addresses[0] };
  }
}

/** The URL's host as the allow-list names it: lower case, IPv6 without brackets. */
function hostOf(url: URL): string {
  return url.hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1');
}
