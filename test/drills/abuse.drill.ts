// Abuse: against the real collector process, bursts over the per-address and per-site rate limits
// (429 with Retry-After, and accepted again after waiting that long), disallowed origins, missing
// and wrong write keys, what the public key may not do (events without a consent stamp, imports)
// and a server key from a page, the admin API without or with a wrong token, and oversized inputs.
// Attacks on other people's consent and rights (abuse-people.ts), and a slow-body attack from one
// address while another is served. Each is refused (or detected) with its status and code,
// nothing is a 5xx, and the refusal counters the admin API reports match the refusals received.
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startServer, stop } from '../bench/server-load.ts'
import { slowBody } from '../support/slow-client.ts'
import { forgeConsent, type Reply, rewriteChain, squatTokens } from './abuse-people.ts'
import type { Drill, DrillMode } from './drill.ts'

const ADMIN_TOKEN = 'abuse-drill-admin-token-0123'
const SHOP = 'https://shop.example'
const KEYS = {
  perIp: 'abuse-drill-per-ip-key',
  perSite: 'abuse-drill-per-site-key',
  /** A site with the default limits, for what the public key and the server key may do. */
  write: 'abuse-drill-keys-write-key',
  server: 'abuse-drill-keys-server-key-0123456789',
}

/**
 * Limits far below the defaults so bursts are quick to send. 'per-site' trusts a proxy, so the
 * drill can play many visitors through X-Forwarded-For from one machine.
 */
const PLAN: Record<DrillMode, { rounds: number; ipBurst: number; siteBurst: number; flood: number }> = {
  short: { rounds: 1, ipBurst: 10, siteBurst: 20, flood: 3 },
  full: { rounds: 3, ipBurst: 50, siteBurst: 200, flood: 10 },
}

const GRANTED = { necessary: true, analytics: true, personalization: false, marketing: false }
const track = (writeKey: string | undefined, n: number) => ({
  type: 'track',
  event: 'Drill',
  anonymousId: `abuse-${n}`,
  messageId: `abuse-${Date.now()}-${n}-${Math.random().toString(36).slice(2)}`,
  context: { consent: { categoryPreferences: GRANTED } },
  ...(writeKey === undefined ? {} : { writeKey }),
})

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms))

export const drill: Drill = {
  name: 'abuse',
  summary:
    'rate-limit bursts, bad origins, keys and tokens, oversized admin inputs: right 4xx, no 5xx, counted',
  async run(mode) {
    const plan = PLAN[mode]
    const dir = mkdtempSync(join(tmpdir(), 'precis-drill-abuse-'))
    const config = join(dir, 'precis.config.json')
    const perIp = { perSecond: plan.ipBurst / 5, burst: plan.ipBurst }
    const perSite = { perSecond: plan.siteBurst / 5, burst: plan.siteBurst }
    writeFileSync(
      config,
      JSON.stringify({
        sites: [
          {
            id: 'per-ip',
            writeKey: KEYS.perIp,
            allowedOrigins: [SHOP],
            rateLimit: { perIp, perSite: { perSecond: 10_000, burst: 10_000 } },
          },
          {
            id: 'per-site',
            writeKey: KEYS.perSite,
            enrichment: { trustProxy: true },
            rateLimit: { perIp: { perSecond: 10_000, burst: 10_000 }, perSite },
          },
          { id: 'keys', writeKey: KEYS.write, serverKey: KEYS.server, allowedOrigins: [SHOP] },
        ],
      }),
    )
    const { url, child } = await startServer(['collector/node.ts'], {
      PRECIS_CONFIG: config,
      DATABASE_URL: `sqlite:${join(dir, 'precis.db')}`,
      PRECIS_ADMIN_TOKEN: ADMIN_TOKEN,
      // The drill plays a proxy in front of many visitors: one address, hundreds of connections.
      PRECIS_MAX_CONNECTIONS_PER_ADDRESS: '10000',
    })

    const failures: string[] = []
    const replies: Reply[] = []
    let n = 0
    const send = async (path: string, init: RequestInit = {}) => {
      const res = await fetch(`${url}${path}`, init)
      const text = await res.text()
      let body: unknown
      try {
        body = JSON.parse(text)
      } catch {}
      const code = (body as { error?: { code?: string } } | undefined)?.error?.code
      const reply = { status: res.status, code, retryAfter: res.headers.get('retry-after') }
      replies.push(reply)
      return { ...reply, body }
    }
    const post = (body: unknown, headers: Record<string, string> = {}) =>
      send('/v1/track', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      })
    /** null: no Authorization header at all. */
    const admin = (path: string, token: string | null = ADMIN_TOKEN) =>
      send(`/admin/api${path}`, token === null ? {} : { headers: { authorization: `Bearer ${token}` } })
    /** Sends requests that must all be refused with this code (and its status). */
    const expectRefused = async (
      what: string,
      status: number,
      code: string | undefined,
      all: Promise<Reply>[],
    ) => {
      for (const r of await Promise.all(all)) {
        if (r.status !== status || r.code !== code) {
          failures.push(`${what}: ${r.status} ${r.code ?? ''} instead of ${status} ${code ?? ''}`)
          return
        }
      }
    }

    /**
     * A burst over a limit: at least `burst` accepted, the rest 429 with a whole-seconds
     * Retry-After of at least 1, and after waiting that long, accepted again.
     */
    const burst = async (
      what: string,
      size: number,
      rate: { perSecond: number; burst: number },
      request: (i: number) => Promise<Reply>,
    ) => {
      const started = performance.now()
      const replies = await Promise.all(Array.from({ length: size }, (_, i) => request(i)))
      const seconds = (performance.now() - started) / 1000
      const ok = replies.filter((r) => r.status === 200).length
      const limited = replies.filter((r) => r.status === 429)
      if (ok + limited.length !== size) failures.push(`${what}: statuses other than 200 and 429`)
      // The bucket refills while the burst is served: at most the burst plus the refill since.
      const most = Math.floor(rate.burst + rate.perSecond * seconds)
      if (ok < rate.burst || ok > most) {
        failures.push(`${what}: ${ok} accepted, expected ${rate.burst} to ${most} in ${seconds.toFixed(1)} s`)
      }
      if (limited.some((r) => r.code !== 'rate_limited' || !/^[1-9]\d*$/.test(r.retryAfter ?? ''))) {
        failures.push(`${what}: a 429 without code rate_limited or a whole-seconds Retry-After`)
      }
      const wait = Math.max(1, ...limited.map((r) => Number(r.retryAfter)))
      await sleep(wait * 1000)
      const again = await request(size)
      if (again.status !== 200)
        failures.push(`${what}: ${again.status} after waiting Retry-After (${wait} s)`)
    }

    try {
      const before = (await (await fetch(`${url}/admin/api/refusals`, authorized())).json()) as Counters
      for (let round = 0; round < plan.rounds; round++) {
        // Buckets refill in burst / perSecond = 5 s: each round starts with them full.
        if (round > 0) await sleep(5_000)
        const many = <T>(make: (i: number) => T) => Array.from({ length: plan.flood }, (_, i) => make(i))
        await burst('per-address limit', plan.ipBurst * 3, perIp, () =>
          post(track(KEYS.perIp, ++n), { origin: SHOP }),
        )
        // Every request from another visitor: only the site's limit can refuse them.
        await burst('per-site limit', plan.siteBurst * 3, perSite, (i) =>
          post(track(KEYS.perSite, ++n), { 'x-forwarded-for': `198.51.${round}.${i % 250}, 10.0.0.1` }),
        )
        await expectRefused('disallowed origin', 403, 'origin_not_allowed', [
          ...many(() => post(track(KEYS.perIp, ++n), { origin: 'https://evil.example' })),
          ...many(() =>
            send('/v1/track', { method: 'OPTIONS', headers: { origin: 'https://evil.example' } }),
          ),
        ])
        await expectRefused('missing or wrong write key', 401, 'unauthorized', [
          ...many(() => post(track(undefined, ++n))),
          ...many((i) => post(track(`${KEYS.perIp.slice(0, -1)}${i}`, ++n))),
          ...many(() => post(track(undefined, ++n), { authorization: `Basic ${btoa('wrong-key-123:')}` })),
        ])
        // The public key stores nothing without a consent stamp, even with no Origin (as a server).
        const unstamped = () => ({ ...track(KEYS.write, ++n), context: { library: { name: 'forger' } } })
        await expectRefused('public key, no consent stamp, no Origin', 403, 'consent_required', [
          ...many(() => post(unstamped())),
          ...many(() => post(unstamped(), { authorization: `Basic ${btoa(`${KEYS.write}:`)}` })),
        ])
        await expectRefused('import with the public key', 403, 'server_key_required', [
          ...many(() =>
            send('/v1/import', {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ writeKey: KEYS.write, batch: [unstamped()] }),
            }),
          ),
        ])
        await expectRefused('server key from a browser page', 403, 'server_key_in_browser', [
          ...many(() => post({ ...unstamped(), writeKey: KEYS.server }, { origin: SHOP })),
        ])
        await expectRefused('admin API without or with a wrong token', 401, 'unauthorized', [
          ...many(() => admin('/events?site=per-ip', null)),
          ...many(() => admin('/refusals', 'wrong-token')),
          ...many(() => admin('/profiles/x?site=per-ip', `${ADMIN_TOKEN}x`)),
        ])
        await expectRefused('admin limit out of range', 400, 'invalid_query', [
          admin('/events?site=per-ip&limit=1000000000'),
          admin('/events?site=per-ip&limit=-1'),
          admin('/profiles/x?site=per-ip&limit=1000000000'),
          admin('/sites/per-ip/consent/stats?days=1000000000'),
          admin(`/sites/per-ip/consent/stats?days=${'9'.repeat(400)}`),
        ])
        await expectRefused('oversized admin ids', 400, 'invalid_query', [
          admin(`/profiles/${'x'.repeat(4000)}?site=per-ip`),
          admin(`/profiles/x?site=${'s'.repeat(4000)}`),
          admin(`/experiments?site=${'s'.repeat(4000)}`),
        ])
        await expectRefused('oversized site ids', 404, 'site_not_found', [
          admin(`/events?site=${'s'.repeat(8000)}`),
          admin(`/sites/${'s'.repeat(8000)}/segments`),
        ])
        // Past Node's 16 KB header limit: refused by the HTTP server itself, before the app.
        await expectRefused('huge query string', 431, undefined, [
          admin(`/events?site=${'s'.repeat(64_000)}`),
        ])
        await expectRefused('oversized write body', 413, 'payload_too_large', [
          post({ ...track(KEYS.perIp, ++n), properties: { pad: 'x'.repeat(2_000_000) } }),
        ])
      }
      const attack = {
        writeKey: KEYS.write,
        site: 'keys',
        origin: SHOP,
        dbPath: join(dir, 'precis.db'),
        flood: plan.flood,
        send,
        admin: (path: string) => admin(path),
        failures,
      }
      const victim = await forgeConsent(attack)
      const verdicts = await rewriteChain(attack, victim)
      await squatTokens(attack)
      const slow = await slowBodies(config, dir, plan.flood, failures)
      const after = (await (await fetch(`${url}/admin/api/refusals`, authorized())).json()) as Counters
      // What the drill saw, by code; the 431s never reached the app, so no counter has them.
      const seen: Record<string, number> = {}
      for (const r of replies) if (r.status >= 400 && r.code) seen[r.code] = (seen[r.code] ?? 0) + 1
      const counted = Object.fromEntries(
        Object.entries(after.counts)
          .map(([code, count]) => [code, count - (before.counts[code] ?? 0)] as const)
          .filter(([, count]) => count > 0),
      )
      const match = JSON.stringify(sorted(counted)) === JSON.stringify(sorted(seen))
      if (!match) failures.push(`counters ${JSON.stringify(counted)} but responses ${JSON.stringify(seen)}`)
      const fives = replies.filter((r) => r.status >= 500).length
      if (fives > 0) failures.push(`${fives} responses were 5xx`)
      const status = (test: (s: number) => boolean) => replies.filter((r) => test(r.status)).length
      return {
        name: 'abuse',
        figures: {
          requests: replies.length,
          '429s': status((s) => s === 429),
          '401s': status((s) => s === 401),
          '403s': status((s) => s === 403),
          'other 4xx': status((s) => s >= 400 && s < 500 && ![401, 403, 429].includes(s)),
          '5xx': fives,
          'counters match': match ? 'yes' : 'no',
          'rewritten chain': verdicts.join(' / '),
          'slow bodies held / cut at once / honest served': `${slow.held} / ${slow.cut} / ${slow.served}`,
        },
        failures,
      }
    } finally {
      await stop(child)
    }
  },
}

type Counters = { since: string; counts: Record<string, number> }
const authorized = () => ({ headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
const sorted = (o: Record<string, number>) =>
  Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)))

/**
 * One address holds every connection it may with uploads that stall, and tries more; meanwhile
 * an honest client elsewhere sends batches. The extra connections are closed at once, the held
 * ones answered 408 and closed at the request timeout, and every honest batch is stored.
 */
const slowBodies = async (config: string, dir: string, honest: number, failures: string[]) => {
  const cap = 8
  const { url, child } = await startServer(['collector/node.ts'], {
    PRECIS_CONFIG: config,
    DATABASE_URL: `sqlite:${join(dir, 'slow.db')}`,
    PRECIS_REQUEST_TIMEOUT_MS: '4000',
    PRECIS_MAX_CONNECTIONS_PER_ADDRESS: String(cap),
  })
  try {
    const held = Array.from({ length: cap }, () => slowBody(url, '127.0.0.2'))
    await Promise.all(held.map((h) => h.connected))
    const extra = await Promise.all(Array.from({ length: cap }, () => slowBody(url, '127.0.0.2').closed))
    const cut = extra.filter((answer) => answer === '').length
    if (cut !== cap) failures.push(`slow bodies: ${cap - cut} connections over the cap were served`)
    let served = 0
    for (let i = 0; i < honest; i++) {
      const res = await fetch(`${url}/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: SHOP },
        body: JSON.stringify({ writeKey: KEYS.write, batch: [track(undefined, i)] }),
      })
      if (res.status === 200) served++
    }
    if (served !== honest) failures.push(`slow bodies: ${honest - served} honest batches not served`)
    const answers = await Promise.all(held.map((h) => h.closed))
    const timedOut = answers.filter((a) => a.startsWith('HTTP/1.1 408')).length
    if (timedOut !== cap) failures.push(`slow bodies: ${cap - timedOut} held connections not answered 408`)
    return { held: cap, cut, served }
  } finally {
    await stop(child)
  }
}
