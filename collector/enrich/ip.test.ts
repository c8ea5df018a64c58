import { describe, expect, it } from 'vitest'
import { forwardedClient, limitedUnit, truncateIp } from './ip.ts'

describe('truncateIp', () => {
  it.each([
    // IPv4: the /24
    ['192.0.2.77', '192.0.2.0'],
    ['203.0.113.255', '203.0.113.0'],
    ['10.0.0.0', '10.0.0.0'],
    [' 198.51.100.9 ', '198.51.100.0'],
    // IPv6: the /48, canonical
    ['2001:db8:1234:5678:9abc:def0:1234:5678', '2001:db8:1234::'],
    ['2001:DB8:ABCD:12::1', '2001:db8:abcd::'],
    ['2001:db8::1', '2001:db8::'],
    ['2001:0:0:1::1', '2001::'],
    ['1::2:3:4:5:6:7', '1:0:2::'],
    ['fe80::1%eth0', 'fe80::'],
    ['::1', '::'],
    ['::', '::'],
    // IPv4-mapped IPv6, as a dual-stack socket reports an IPv4 peer: treated as IPv4
    ['::ffff:192.0.2.77', '192.0.2.0'],
    ['::FFFF:203.0.113.5', '203.0.113.0'],
    ['::ffff:c000:24d', '192.0.2.0'],
    // not addresses
    ['', undefined],
    ['unknown', undefined],
    ['256.1.1.1', undefined],
    ['192.0.2', undefined],
    ['01.2.3.4', undefined],
    ['2001:db8:::1', undefined],
    ['1.2.3.4.5', undefined],
    ['<script>', undefined],
    [undefined, undefined],
  ])('%s → %s', (input, expected) => {
    expect(truncateIp(input)).toBe(expected)
  })
})

describe('forwardedClient', () => {
  it.each([
    ['203.0.113.7', '203.0.113.7'],
    ['203.0.113.7, 10.0.0.1, 10.0.0.2', '203.0.113.7'],
    ['  2001:db8::1 ,10.0.0.1', '2001:db8::1'],
    ['203.0.113.7:51234', '203.0.113.7'],
    ['[2001:db8::1]:443, 10.0.0.1', '2001:db8::1'],
    ['unknown, 10.0.0.1', 'unknown'],
    [undefined, undefined],
  ])('%s → %s', (header, expected) => {
    expect(forwardedClient(header)).toBe(expected)
  })
})

describe('limitedUnit', () => {
  it.each([
    ['192.0.2.77', '192.0.2.77'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:db8::5', '2001:db8:0:0::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    ['::ffff:192.0.2.77', '192.0.2.77'],
    ['not-an-address', 'not-an-address'],
  ])('%s counts as %s', (address, unit) => {
    expect(limitedUnit(address)).toBe(unit)
  })
})
