// Destinations cannot be turned against the operator's own network: a URL whose host is, or
// resolves to, a loopback, private, link-local or otherwise special address is refused, when it is
// configured and again at send time (guardedLookup: the connection goes to an address checked
// then, so a DNS answer that changes in between, rebinding, gains nothing). https is required.
// PRECIS_ALLOW_PRIVATE_DESTINATIONS=true lifts both, for tests and receivers on the same network.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import { BlockList, isIP, type LookupFunction } from 'node:net'

type Kind = 'loopback' | 'private' | 'link-local' | 'special-purpose'

/** IANA's special-purpose registries (RFC 6890 and successors), by what they mean to an operator. */
const RANGES: [Kind, 'ipv4' | 'ipv6', string, number][] = [
  ['loopback', 'ipv4', '127.0.0.0', 8],
  ['loopback', 'ipv6', '::1', 128],
  ['private', 'ipv4', '10.0.0.0', 8],
  ['private', 'ipv4', '172.16.0.0', 12],
  ['private', 'ipv4', '192.168.0.0', 16],
  ['private', 'ipv4', '100.64.0.0', 10], // carrier-grade NAT
  ['private', 'ipv6', 'fc00::', 7], // unique local
  ['link-local', 'ipv4', '169.254.0.0', 16], // cloud metadata services live here
  ['link-local', 'ipv6', 'fe80::', 10],
  ['special-purpose', 'ipv4', '0.0.0.0', 8],
  ['special-purpose', 'ipv4', '192.0.0.0', 24],
  ['special-purpose', 'ipv4', '192.0.2.0', 24],
  ['special-purpose', 'ipv4', '198.18.0.0', 15],
  ['special-purpose', 'ipv4', '198.51.100.0', 24],
  ['special-purpose', 'ipv4', '203.0.113.0', 24],
  ['special-purpose', 'ipv4', '224.0.0.0', 4], // multicast
  ['special-purpose', 'ipv4', '240.0.0.0', 4], // reserved, and the broadcast address
  ['special-purpose', 'ipv6', '::', 128],
  ['special-purpose', 'ipv6', '64:ff9b::', 96], // NAT64: an IPv4 address inside
  ['special-purpose', 'ipv6', '64:ff9b:1::', 48],
  ['special-purpose', 'ipv6', '100::', 64],
  ['special-purpose', 'ipv6', '2001:db8::', 32],
  ['special-purpose', 'ipv6', '2002::', 16], // 6to4: an IPv4 address inside
  ['special-purpose', 'ipv6', 'ff00::', 8], // multicast
]

const lists = new Map<Kind, BlockList>()
for (const [kind, type, network, prefix] of RANGES) {
  const list = lists.get(kind) ?? new BlockList()
  list.addSubnet(network, prefix, type)
  lists.set(kind, list)
}

/**
 * Why a destination may not be sent to `address` (an IP), or undefined when it may. IPv4-mapped
 * IPv6 addresses (`::ffff:127.0.0.1`) are judged as the IPv4 address they hold.
 */
export const addressProblem = (address: string): string | undefined => {
  const family = isIP(address)
  if (family === 0) return `${address} is not an IP address`
  const type = family === 4 ? 'ipv4' : 'ipv6'
  for (const [kind, list] of lists) if (list.check(address, type)) return `${address} is a ${kind} address`
  return undefined
}

export type Resolve = (host: string) => Promise<{ address: string; family: number }[]>

const resolveAll: Resolve = (host) =>
  new Promise((resolve, reject) =>
    dnsLookup(host, { all: true, verbatim: true }, (error, addresses) =>
      error ? reject(error) : resolve(addresses),
    ),
  )

export interface GuardOptions {
  /** PRECIS_ALLOW_PRIVATE_DESTINATIONS: private addresses and http allowed. */
  allowPrivate: boolean
  resolve?: Resolve
}

/**
 * Why a destination URL is refused, or undefined: not http(s), http without `allowPrivate`, a user
 * or password in it, or a host that is (or resolves to any) address addressProblem refuses.
 */
export const urlProblem = async (url: string, options: GuardOptions): Promise<string | undefined> => {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return 'is not a URL'
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return 'must be an https URL'
  if (parsed.protocol === 'http:' && !options.allowPrivate)
    return 'must be https (PRECIS_ALLOW_PRIVATE_DESTINATIONS=true allows http, for local receivers)'
  if (parsed.username || parsed.password) return 'must not hold a user or password: give a secret or header'
  if (options.allowPrivate) return undefined
  const host = parsed.hostname.replace(/^\[(.*)\]$/, '$1')
  let addresses: { address: string }[]
  try {
    addresses = isIP(host) ? [{ address: host }] : await (options.resolve ?? resolveAll)(host)
  } catch {
    return `its host ${host} does not resolve`
  }
  if (addresses.length === 0) return `its host ${host} does not resolve`
  for (const { address } of addresses) {
    const problem = addressProblem(address)
    if (problem)
      return `its host ${host} resolves to ${problem} (PRECIS_ALLOW_PRIVATE_DESTINATIONS=true allows it)`
  }
  return undefined
}

/**
 * A `lookup` for http(s) requests that refuses to connect when the host resolves to any refused
 * address: the check and the connection use the same answer. With `allowPrivate`, plain lookup.
 */
export const guardedLookup = (options: GuardOptions): LookupFunction => {
  const resolve = options.resolve ?? resolveAll
  return (hostname, lookupOptions, callback) => {
    resolve(hostname).then(
      (addresses) => {
        const problem = options.allowPrivate
          ? undefined
          : addresses.map((a) => addressProblem(a.address)).find(Boolean)
        const usable = addresses.filter((a) => !lookupOptions.family || a.family === lookupOptions.family)
        if (problem || usable.length === 0) {
          const error = Object.assign(
            new Error(
              `refused to connect to ${hostname}: ${problem ?? 'no address of the family asked for'}`,
            ),
            { code: 'EDESTINATIONREFUSED' },
          )
          return callback(error, '', 0)
        }
        if (lookupOptions.all) return callback(null, usable as LookupAddress[])
        callback(null, usable[0]!.address, usable[0]!.family)
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    )
  }
}
