// Three collector processes behind one PostgreSQL database, as behind a load balancer: the same
// events (with retries and duplicates, the same people through different collectors) arrive at
// all of them at once. Stored exactly once, one profile per person, one consent chain.
import postgres from 'postgres'
import { afterAll, beforeAll, expect, it } from 'vitest'
import {
  ADMIN_TOKEN,
  type Collector,
  DEMO_SERVER_KEY,
  DEMO_WRITE_KEY,
  startCollector,
} from './support/collector-process.ts'
import { describePostgres, dropSchema, PG_TEST_URL, testSchema } from './support/postgres.ts'
import { startReceiver } from './support/receiver.ts'

const PEOPLE = 30
const DEVICES = ['phone', 'laptop', 'tablet']
const TRACKS = 4

interface Event {
  type: 'identify' | 'track'
  messageId: string
  anonymousId: string
  userId?: string
  event?: string
  timestamp: string
}

/** Per person and device: an identify linking the device to the person, then a few tracks. */
const eventsOf = (person: number): Event[] =>
  DEVICES.flatMap((device) => {
    const anonymousId = `p${person}-${device}`
    const timestamp = new Date().toISOString()
    return [
      {
        type: 'identify' as const,
        messageId: `${anonymousId}-id`,
        anonymousId,
        userId: `user-${person}`,
        timestamp,
      },
      ...Array.from({ length: TRACKS }, (_, t) => ({
        type: 'track' as const,
        messageId: `${anonymousId}-t${t}`,
        anonymousId,
        event: 'Product Viewed',
        timestamp,
      })),
    ]
  })

const send = async (collector: Collector, batch: Event[]) => {
  const res = await fetch(`${collector.url}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    // A shop's servers sending for its visitors: the server key (events carry no consent stamp).
    body: JSON.stringify({ batch, writeKey: DEMO_SERVER_KEY, sentAt: new Date().toISOString() }),
  })
  expect(res.status).toBe(200)
}

const consent = async (collector: Collector, consentId: string) => {
  const res = await fetch(`${collector.url}/v1/consent`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      writeKey: DEMO_WRITE_KEY,
      consentId,
      proof: `secret-of-browser-${consentId}`,
      version: 1,
      purposes: {
        necessary: true,
        analytics: true,
        personalization: consentId.endsWith('1'),
        marketing: false,
      },
      source: 'banner',
      language: 'en',
      gpc: false,
      timestamp: new Date().toISOString(),
    }),
  })
  expect(res.status).toBe(200)
}

const admin = async (collector: Collector, path: string) => {
  const res = await fetch(`${collector.url}/admin/api${path}`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  })
  expect(res.status).toBe(200)
  return res.json()
}

describePostgres('three collectors on one PostgreSQL database', () => {
  const schema = testSchema()
  let collectors: Collector[] = []

  beforeAll(async () => {
    const url = `${PG_TEST_URL}?search_path=${schema}`
    // All three start at once: they race to migrate the new schema, and one must win cleanly.
    const env = {
      DATABASE_URL: url,
      PRECIS_ALLOW_PRIVATE_DESTINATIONS: 'true',
      PRECIS_DELIVERY_POLL_MS: '50',
    }
    collectors = await Promise.all(DEVICES.map(() => startCollector({ env })))
  }, 60_000)

  afterAll(async () => {
    await Promise.all(collectors.map((c) => c.stop()))
    await dropSchema(schema)
  })

  it('stores every event once, resolves one profile per person and keeps one consent chain', async () => {
    const all = Array.from({ length: PEOPLE }, (_, p) => eventsOf(p)).flat()
    // Batches of 7 go to collector i % 3, and again (a retry after a lost answer) to the next one;
    // every third batch is sent a third time to the last one. Person p's devices thus reach
    // different collectors, which must merge them into one profile between them.
    const batches = Array.from({ length: Math.ceil(all.length / 7) }, (_, i) => all.slice(i * 7, i * 7 + 7))
    const at = (i: number) => collectors[i % collectors.length]!
    await Promise.all([
      ...batches.flatMap((batch, i) => [
        send(at(i), batch),
        send(at(i + 1), batch),
        ...(i % 3 === 0 ? [send(at(i + 2), batch.slice(2))] : []),
      ]),
      ...Array.from({ length: 60 }, (_, i) => consent(at(i), `consent-${i % 45}`)),
    ])

    // Reading a profile resolves what is pending first, whichever collector stored it.
    for (const [p, collector] of collectors.entries())
      await admin(collector, `/profiles/p${p}-phone?site=demo`)
    for (let p = 0; p < PEOPLE; p++) {
      const views = await Promise.all(
        DEVICES.map((device, d) => admin(at(p + d), `/profiles/p${p}-${device}?site=demo`)),
      )
      const ids = new Set(views.map((v) => v.profile.id))
      expect(ids.size).toBe(1)
      // The user id shows in clear; device ids are kept and shown only as (distinct) pseudonyms.
      const identifiers: { kind: string; value: string }[] = views[0].profile.identifiers
      expect(identifiers.filter((i) => i.kind === 'user')).toEqual([{ kind: 'user', value: `user-${p}` }])
      const devices = identifiers.filter((i) => i.kind === 'anonymous').map((i) => i.value)
      expect(new Set(devices).size).toBe(DEVICES.length)
      expect(devices.every((d) => d.startsWith('~'))).toBe(true)
      expect(views[0].profile.counts).toEqual({ identify: DEVICES.length, track: DEVICES.length * TRACKS })
    }

    const sql = postgres(PG_TEST_URL, { max: 1, connection: { search_path: schema }, onnotice: () => {} })
    try {
      const [counts] = await sql`
        SELECT count(*)::int AS events, count(DISTINCT message_id)::int AS distinct_ids,
          (SELECT count(*)::int FROM profiles) AS profiles,
          (SELECT count(*)::int FROM identity_queue) AS pending
        FROM events WHERE site = 'demo'`
      expect(counts).toEqual({ events: all.length, distinct_ids: all.length, profiles: PEOPLE, pending: 0 })
    } finally {
      await sql.end()
    }

    for (const collector of collectors) {
      expect(await admin(collector, '/consent/verify?site=demo')).toEqual({
        site: 'demo',
        ok: true,
        unkeyed: 0,
        records: 60,
      })
    }
  }, 60_000)

  it('a config change through one collector is served by the others without a restart', async () => {
    const [first, second, third] = collectors as [Collector, Collector, Collector]
    const config = async (collector: Collector) => {
      const res = await fetch(`${collector.url}/v1/sites/demo/config`)
      return { etag: res.headers.get('etag'), body: await res.json() }
    }
    // All three seeded the same file at once: one version 1 between them.
    const before = await Promise.all(collectors.map(config))
    expect(before.map((b) => b.etag)).toEqual(['"demo.v1"', '"demo.v1"', '"demo.v1"'])
    const edit = (collector: Collector, ifMatch: string) =>
      fetch(`${collector.url}/admin/api/segments?site=demo`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${ADMIN_TOKEN}`,
          'content-type': 'application/json',
          'if-match': ifMatch,
        },
        body: JSON.stringify({ key: 'night-owls', config: { rule: { 'context.hour': { $gte: 22 } } } }),
      })
    expect((await edit(first, '"demo.v1"')).status).toBe(201)
    // The collector that took it serves it at once.
    expect((await config(first)).etag).toBe('"demo.v2"')
    // Another collector, asked to save from version 1 before (or after) it read version 2: refused.
    expect((await edit(second, '"demo.v1"')).status).toBe(412)
    // The others read the database every PRECIS_CONFIG_POLL_MS (1 s): no restart.
    for (const other of [second, third])
      await expect
        .poll(async () => (await config(other)).etag, { timeout: 20_000, interval: 100 })
        .toBe('"demo.v2"')
    expect(Object.keys((await config(third)).body.personalization.segments)).toContain('night-owls')
  }, 60_000)

  it('delivers each event to a destination once, whichever collector took it', async () => {
    const receiver = await startReceiver()
    const browserEvent = (collector: Collector, messageId: string) =>
      fetch(`${collector.url}/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          writeKey: DEMO_WRITE_KEY,
          batch: [
            {
              type: 'track',
              event: 'Delivered',
              anonymousId: `visitor-${messageId}`,
              messageId,
              context: { consent: { categoryPreferences: { necessary: true, analytics: true } } },
            },
          ],
        }),
      }).then((res) => expect(res.status).toBe(200))
    const ids = (prefix: string) => Array.from({ length: 45 }, (_, i) => `${prefix}-${i}`)
    const arrived = () =>
      receiver.received.map((r) => (JSON.parse(r.body) as { messageId: string }).messageId)
    try {
      const made = await fetch(`${collectors[0]!.url}/admin/api/destinations?site=demo`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${ADMIN_TOKEN}`,
          'content-type': 'application/json',
          'if-match': '*',
        },
        body: JSON.stringify({ key: 'hook', config: { kind: 'webhook', url: `${receiver.url}/hook` } }),
      })
      expect(made.status).toBe(201)
      const { version } = (await made.json()) as { version: number }
      // At once, while the other two still serve the version before: the outbox's events are
      // routed only by a collector that knows the destination, so none is lost to the others.
      const early = ids('early')
      await Promise.all(early.map((id, i) => browserEvent(collectors[i % 3]!, id)))
      for (const c of collectors)
        await expect
          .poll(async () => (await fetch(`${c.url}/v1/sites/demo/config`)).headers.get('etag'), {
            timeout: 20_000,
            interval: 100,
          })
          .toBe(`"demo.v${version}"`)
      const late = ids('late')
      await Promise.all(late.map((id, i) => browserEvent(collectors[i % 3]!, id)))
      // Every one of them, early ones included (the save switched the outbox on before it answered).
      await receiver.until(() => [...early, ...late].every((id) => arrived().includes(id)))
      const seen = arrived()
      expect(seen.length).toBe(early.length + late.length)
    } finally {
      await receiver.close()
    }
  }, 60_000)
})
