import { isIPv6 } from 'node:net';

/**
 * Pure. The key a client address is counted under: an IPv4 address as it is (also when it comes
 * IPv4-mapped, `::ffff:a.b.c.d`), an IPv6 address by its /64, which is what one subscriber gets.
 */
export function addressKey(addr: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(addr);
  if (mapped) return mapped[1]!;
  if (!isIPv6(addr)) return addr;
  const bare = addr.split('%')[0]!;
  const [head = '', tail] = bare.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

/** Pure. Concurrent connections per address key, at most `max` each (0: no cap). */
export class AddressSlots {
  private readonly open = new Map<string, number>();

  constructor(private readonly max: number) {}

  /** Takes a slot for `key`; false (nothing taken) when it holds `max` already. */
  take(key: string): boolean {
    const n = this.open.get(key) ?? 0;
    if (this.max > 0 && n >= this.max) return false;
    this.open.set(key, n + 1);
    return true;
  }

  release(key: string): void {
    const n = (this.open.get(key) ?? 0) - 1;
    if (n > 0) this.open.set(key, n);
    else this.open.delete(key);
  }

  held(key: string): number {
    return this.open.get(key) ?? 0;
  }

  /** Addresses holding a connection (the map never keeps one that holds none). */
  get addresses(): number {
    return this.open.size;
  }
}
