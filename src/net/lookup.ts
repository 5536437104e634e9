// Address resolution for sockets: Node runs every destination through dns.lookup, which for
// an IP literal only answers on the next tick. The speed path (DESIGN.md decision 3) answers
// IP literals synchronously from net.isIP with a small cache; hostnames (and any custom
// `lookup` the user gave) still go through the real asynchronous lookup.
import net = require('node:net');

export type LookupCallback = (err: NodeJS.ErrnoException | null, address: string, family?: number) => void;
export type LookupFunction = (hostname: string, options: unknown, callback: LookupCallback) => void;

const CACHE_MAX = 256;
const families = new Map<string, number>();

/** 4, 6, or 0 for anything that is not an IP literal; cached for the addresses seen most. */
export function ipFamily(address: string): number {
  let family = families.get(address);
  if (family === undefined) {
    family = net.isIP(address);
    if (families.size >= CACHE_MAX) families.clear();
    families.set(address, family);
  }
  return family;
}

/**
 * A socket's resolver, as Node's handle.lookup: family 4 or 6 passed to `lookup`, an empty
 * address meaning the loopback address of that family.
 */
export class Resolver {
  constructor(
    private readonly family: 4 | 6,
    /** null: dns.lookup, taken at call time as Node takes it at socket creation. */
    private readonly custom: LookupFunction | null,
    private readonly dnsLookup: LookupFunction,
    /** Node 24's default lookup: an IP literal of the socket's family answers itself. */
    private readonly literalsSkipDns = false,
  ) {}

  private orDefault(address: string | undefined): string {
    return address || (this.family === 4 ? '127.0.0.1' : '::1');
  }

  /** Always asynchronous, exactly like Node (used by bind and connect). */
  lookup(address: string | undefined, cb: LookupCallback): void {
    const ip = this.orDefault(address);
    if (!this.custom && this.literalsSkipDns && ipFamily(ip) === this.family) {
      process.nextTick(cb, null, ip, this.family);
      return;
    }
    (this.custom ?? this.dnsLookup)(ip, this.family, cb);
  }

  /**
   * The IP literal to use right now, or null when an asynchronous lookup is needed
   * (a hostname, or a custom lookup function that must see every address).
   */
  literal(address: string | undefined): string | null {
    if (this.custom) return null;
    const ip = this.orDefault(address);
    return ipFamily(ip) ? ip : null;
  }
}
