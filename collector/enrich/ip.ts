// IP minimization: an address is never stored whole, only its network (IPv4 /24, IPv6 /48), which
// still tells the provider and region and no longer points at a household.
import { isIP } from 'node:net'

/** The eight 16-bit groups of a valid IPv6 address, with `::` expanded. */
const groups6 = (address: string): number[] => {
  const parse = (part: string) =>
    part === ''
      ? []
      : part.split(':').flatMap((group) => {
          if (!group.includes('.')) return [Number.parseInt(group, 16)]
          // A trailing dotted IPv4 (::ffff:192.0.2.1) fills the last two groups.
          const [a, b, c, d] = group.split('.').map(Number) as [number, number, number, number]
          return [(a << 8) | b, (c << 8) | d]
        })
  const [head = '', tail] = address.split('::')
  const first = parse(head)
  if (tail === undefined) return first
  const last = parse(tail)
  return [...first, ...new Array<number>(8 - first.length - last.length).fill(0), ...last]
}

const withoutZone = (raw: string) => {
  const zone = raw.indexOf('%')
  return (zone === -1 ? raw : raw.slice(0, zone)).trim()
}
/** IPv4-mapped IPv6 (::ffff:192.0.2.77), as dual-stack sockets report IPv4 peers. */
const mapped = (g: number[]) => g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff
const hex = (groups: number[]) => groups.map((x) => x.toString(16)).join(':')

/**
 * The network part of an address: 192.0.2.77 → 192.0.2.0, 2001:db8:1:2::5 → 2001:db8:1::, and
 * IPv4-mapped IPv6 as IPv4. Anything that is not an address gives undefined.
 */
export const truncateIp = (raw: string | undefined): string | undefined => {
  if (raw === undefined) return undefined
  const address = withoutZone(raw)
  const version = isIP(address)
  if (version === 4) return `${address.slice(0, address.lastIndexOf('.'))}.0`
  if (version !== 6) return undefined
  const g = groups6(address)
  if (mapped(g)) return `${g[6]! >> 8}.${g[6]! & 0xff}.${g[7]! >> 8}.0`
  // The zeros after the prefix are the longest run, so this is the canonical (RFC 5952) form.
  const prefix = g.slice(0, 3)
  while (prefix.length > 0 && prefix[prefix.length - 1] === 0) prefix.pop()
  return `${hex(prefix)}::`
}

/**
 * What a per-address rate limit counts: an IPv4 address, or an IPv6 /64. One subscriber usually
 * holds a whole /64, so counting single IPv6 addresses would let a client take a fresh one for
 * every request. IPv4-mapped IPv6 counts as IPv4; what is not an address counts as given.
 */
export const limitedUnit = (raw: string): string => {
  const address = withoutZone(raw)
  if (isIP(address) !== 6) return address
  const g = groups6(address)
  if (mapped(g)) return `${g[6]! >> 8}.${g[6]! & 0xff}.${g[7]! >> 8}.${g[7]! & 0xff}`
  return `${hex(g.slice(0, 4))}::/64`
}

/**
 * The client a trusted proxy names first in X-Forwarded-For ("client, proxy1, proxy2"), without
 * a port or brackets some proxies add ([2001:db8::1]:443, 192.0.2.1:80).
 */
export const forwardedClient = (header: string | undefined): string | undefined => {
  if (header === undefined) return undefined
  const comma = header.indexOf(',')
  const first = (comma === -1 ? header : header.slice(0, comma)).trim()
  if (first.startsWith('[')) return first.slice(1, first.indexOf(']') >>> 0)
  const colon = first.indexOf(':')
  return colon !== -1 && colon === first.lastIndexOf(':') ? first.slice(0, colon) : first
}
