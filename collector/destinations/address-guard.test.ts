import { createServer, get, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { addressProblem, guardedLookup, type Resolve, urlProblem } from './address-guard.ts'

describe('addressProblem', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['fd00::1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['fe80::1', 'link-local'],
    ['0.0.0.0', 'special-purpose'],
    ['255.255.255.255', 'special-purpose'],
    ['224.0.0.1', 'special-purpose'],
    ['::', 'special-purpose'],
    ['64:ff9b::7f00:1', 'special-purpose'],
    ['2002:7f00:1::', 'special-purpose'],
  ])('%s is %s', (address, kind) => {
    expect(addressProblem(address)).toBe(`${address} is a ${kind} address`)
  })

  it.each(['8.8.8.8', '93.184.216.34', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])(
    '%s is allowed',
    (address) => {
      expect(addressProblem(address)).toBeUndefined()
    },
  )

  it('says when it is no address at all', () => {
    expect(addressProblem('example.com')).toBe('example.com is not an IP address')
  })
})

/** A resolver that answers from a table, each host's answers in turn (the last repeats). */
const table = (answers: Record<string, string[][]>): Resolve => {
  const asked = new Map<string, number>()
  return async (host) => {
    const list = answers[host]
    if (!list) throw Object.assign(new Error('ENOTFOUND'), { code: 'ENOTFOUND' })
    const n = asked.get(host) ?? 0
    asked.set(host, n + 1)
    return list[Math.min(n, list.length - 1)]!.map((address) => ({
      address,
      family: address.includes(':') ? 6 : 4,
    }))
  }
}

describe('urlProblem', () => {
  const resolve = table({
    'hooks.example.com': [['93.184.216.34', '2606:2800:220:1::1']],
    'mixed.example.com': [['93.184.216.34', '10.0.0.7']],
    'inside.example.com': [['169.254.169.254']],
  })
  const closed = { allowPrivate: false, resolve }

  it.each([
    ['https://hooks.example.com/in', undefined],
    [
      'http://hooks.example.com/in',
      'must be https (PRECIS_ALLOW_PRIVATE_DESTINATIONS=true allows http, for local receivers)',
    ],
    ['ftp://hooks.example.com/', 'must be an https URL'],
    ['not a url', 'is not a URL'],
    ['https://me:pw@hooks.example.com/', 'must not hold a user or password: give a secret or header'],
    [
      'https://127.0.0.1:8443/',
      'its host 127.0.0.1 resolves to 127.0.0.1 is a loopback address (PRECIS_ALLOW_PRIVATE_DESTINATIONS=true allows it)',
    ],
    [
      'https://[::1]/',
      'its host ::1 resolves to ::1 is a loopback address (PRECIS_ALLOW_PRIVATE_DESTINATIONS=true allows it)',
    ],
    [
      'https://mixed.example.com/',
      'its host mixed.example.com resolves to 10.0.0.7 is a private address (PRECIS_ALLOW_PRIVATE_DESTINATIONS=true allows it)',
    ],
    [
      'https://inside.example.com/',
      'its host inside.example.com resolves to 169.254.169.254 is a link-local address (PRECIS_ALLOW_PRIVATE_DESTINATIONS=true allows it)',
    ],
    ['https://nowhere.example.com/', 'its host nowhere.example.com does not resolve'],
  ])('%s', async (url, problem) => {
    expect(await urlProblem(url, closed)).toBe(problem)
  })

  it('allows http and private hosts when the operator says so', async () => {
    expect(await urlProblem('http://127.0.0.1:9000/hook', { allowPrivate: true, resolve })).toBeUndefined()
    expect(await urlProblem('http://me:pw@127.0.0.1/', { allowPrivate: true, resolve })).toMatch(
      /user or password/,
    )
  })
})

describe('guardedLookup, on a real connection', () => {
  let server: Server
  let port: number
  beforeAll(async () => {
    server = createServer((_, res) => res.end('ok'))
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
    port = (server.address() as AddressInfo).port
  })
  afterAll(() => new Promise<void>((done) => server.close(() => done())))

  const call = (host: string, lookup: ReturnType<typeof guardedLookup>) =>
    new Promise<string>((resolve, reject) => {
      get({ host, port, path: '/', lookup }, (res) => {
        let body = ''
        res.on('data', (c) => (body += c))
        res.on('end', () => resolve(body))
      }).on('error', reject)
    })

  it('refuses to connect to a loopback host, and connects when private destinations are allowed', async () => {
    await expect(call('localhost', guardedLookup({ allowPrivate: false }))).rejects.toMatchObject({
      code: 'EDESTINATIONREFUSED',
      message: expect.stringContaining('loopback'),
    })
    expect(await call('localhost', guardedLookup({ allowPrivate: true }))).toBe('ok')
  })

  it('checks again at send time: a host that resolved to a public address and now to loopback is refused', async () => {
    const resolve = table({ 'rebind.example.com': [['93.184.216.34'], ['127.0.0.1']] })
    expect(await urlProblem('https://rebind.example.com/', { allowPrivate: false, resolve })).toBeUndefined()
    await expect(
      call('rebind.example.com', guardedLookup({ allowPrivate: false, resolve })),
    ).rejects.toMatchObject({
      code: 'EDESTINATIONREFUSED',
      message: 'refused to connect to rebind.example.com: 127.0.0.1 is a loopback address',
    })
  })
})
