import { AddressSlots, addressKey } from './address-slots';

describe('addressKey', () => {
  it('counts IPv4 as it is, IPv4-mapped IPv6 as IPv4, IPv6 by its /64', () => {
    expect(addressKey('203.0.113.9')).toBe('203.0.113.9');
    expect(addressKey('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8:1:2:bbbb:cccc:dddd:eeee')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });
});

describe('AddressSlots', () => {
  it('holds at most max per address, gives a slot back on release, and forgets empty addresses', () => {
    const s = new AddressSlots(2);
    expect([s.take('a'), s.take('a'), s.take('a')]).toEqual([true, true, false]);
    expect(s.take('b')).toBe(true); // per address
    s.release('a');
    expect(s.take('a')).toBe(true);
    expect(s.held('a')).toBe(2);
    s.release('a');
    s.release('a');
    s.release('b');
    expect(s.addresses).toBe(0);
  });

  it('does not cap with max 0', () => {
    const s = new AddressSlots(0);
    for (let i = 0; i < 1000; i++) expect(s.take('a')).toBe(true);
  });
});
