// Deliveries across failures on both sides: a receiver that answers 500, 429 with Retry-After,
// times out, resets and refuses some events for good (410), and a collector SIGKILLed and restarted
// while it delivers. Afterwards every event a destination should get reached it at least once (and
// once after dropping repeats by messageId), nothing reached a destination it should not (an event
// without marketing consent never reaches the marketing one), every request verifies, and the
// dead letters are exactly what the receiver refused for good.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { verifyProblem } from '../../collector/destinations/signature.ts'
import { ADMIN_TOKEN, DEMO_WRITE_KEY, demoSite } from '../support/collector-process.ts'
import { type Answer, type Received, startReceiver } from '../support/receiver.ts'
import type { Drill, DrillMode } from './drill.ts'
import { freePort, newStats, sendUntilAcknowledged, supervisedCollector } from './kill-harness.ts'

const PLAN = {
  short: { events: 150, kills: 2, seconds: 200 },
  full: { events: 3_000, kills: 6, seconds: 900 },
}
const SECRET = `whsec_${Buffer.alloc(24, 9).toString('base64')}`
const ANALYTICS = { categoryPreferences: { necessary: true, analytics: true, marketing: false } }
const MARKETING = { categoryPreferences: { necessary: true, analytics: true, marketing: true } }
/** Events a request the drill's senders post. */
const PER_BATCH = 10

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

const idsOf = (r: Received): string[] => {
  const body = JSON.parse(r.body) as { messageId?: string; batch?: { messageId: string }[] }
  return body.batch ? body.batch.map((e) => e.messageId) : [body.messageId!]
}

const run = async (mode: DrillMode) => {
  const plan = PLAN[mode]
  const events = Number(process.env.DRILL_EVENTS ?? plan.events)
  const kills = Number(process.env.DRILL_KILLS ?? plan.kills)
  const started = Date.now()
  const dir = mkdtempSync(join(tmpdir(), 'precis-drill-delivery-'))
  const receiver = await startReceiver()
  const faults = { 500: 0, 429: 0, timeout: 0, reset: 0, 410: 0 }
  /** Requests the receiver answered 2xx: what a real one would have acted on. */
  const acknowledged = new Set<Received>()
  const run = `dl${Date.now().toString(36)}`
  // Every 20th event is refused for good by the CRM; every third is made with marketing consent.
  const gone = (i: number) => i % 20 === 7
  const marketing = (i: number) => i % 3 === 0
  const id = (i: number) => `${run}-${i}${gone(i) ? '-gone' : ''}`
  receiver.respondWith((r): Answer => {
    if (r.path === '/crm' && idsOf(r).some((x) => x.endsWith('-gone'))) {
      faults[410]++
      return { status: 410 }
    }
    const dice = Math.random()
    const fault = (kind: keyof typeof faults, answer: Answer) => {
      faults[kind]++
      return answer
    }
    if (dice < 0.06) return fault(500, { status: 500 })
    if (dice < 0.09) return fault(429, { status: 429, headers: { 'retry-after': '1' } })
    if (dice < 0.11) return fault('timeout', { status: 0, hang: true })
    if (dice < 0.13) return fault('reset', { status: 0, reset: true })
    acknowledged.add(r)
    return { status: 200 }
  })
  const config = join(dir, 'precis.config.json')
  const hook = { kind: 'webhook', secret: SECRET, concurrency: 2 }
  writeFileSync(
    config,
    JSON.stringify({
      sites: [
        demoSite({
          destinations: [
            { ...hook, key: 'crm', url: `${receiver.url}/crm` },
            { ...hook, key: 'ads', url: `${receiver.url}/ads`, purposes: ['marketing'], batch: 5 },
          ],
        }),
      ],
    }),
  )
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const collector = supervisedCollector(
    {
      DATABASE_URL: `sqlite:${join(dir, 'precis.db')}`,
      PRECIS_CONFIG: config,
      PRECIS_ALLOW_PRIVATE_DESTINATIONS: 'true',
      PRECIS_DELIVERY_TIMEOUT_MS: '1000',
      PRECIS_DELIVERY_POLL_MS: '50',
    },
    port,
  )
  const failures: string[] = []
  const deadline = AbortSignal.timeout(plan.seconds * 1000)
  const stats = newStats()
  const expected = { crm: new Set<string>(), ads: new Set<string>() }
  const refused = new Set<string>()
  for (let i = 0; i < events; i++) {
    if (gone(i)) refused.add(id(i))
    else expected.crm.add(id(i))
    if (marketing(i)) expected.ads.add(id(i))
  }
  const reached = (path: string) => new Set(receiver.received.filter((r) => r.path === path).flatMap(idsOf))
  const arrivedShare = () => reached('/crm').size / expected.crm.size

  try {
    await collector.start()
    const sending = (async () => {
      for (let b = 0; b * PER_BATCH < events; b++) {
        const batch = Array.from({ length: Math.min(PER_BATCH, events - b * PER_BATCH) }, (_, k) => {
          const i = b * PER_BATCH + k
          return {
            type: 'track',
            event: 'Drilled',
            anonymousId: `${run}-v${i % 17}`,
            messageId: id(i),
            properties: { i },
            context: { consent: marketing(i) ? MARKETING : ANALYTICS },
          }
        })
        const ack = await sendUntilAcknowledged(
          url,
          JSON.stringify({ writeKey: DEMO_WRITE_KEY, batch }),
          stats,
          deadline,
        )
        if (!ack) failures.push(`batch ${b} was refused`)
      }
    })()
    // Kills fall while deliveries are under way: each after a further share of them arrived.
    let killed = 0
    for (let k = 1; k <= kills; k++) {
      while (arrivedShare() < k / (kills + 1) && !deadline.aborted) await sleep(20)
      if (deadline.aborted) break
      await collector.kill()
      killed++
      await collector.start()
    }
    await sending
    // Then until every destination's queue is empty.
    const pending = async (key: string) => {
      const res = await fetch(
        `${url}/admin/api/destinations/${key}/deliveries?site=demo&status=dead&limit=1000`,
        {
          headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        },
      )
      return (await res.json()) as { counts: { pending: number }; deliveries: { messageId: string }[] }
    }
    let crm = await pending('crm')
    let ads = await pending('ads')
    while (
      (crm.counts.pending > 0 || ads.counts.pending > 0 || reached('/crm').size < expected.crm.size) &&
      !deadline.aborted
    ) {
      await sleep(100)
      crm = await pending('crm')
      ads = await pending('ads')
    }
    if (deadline.aborted) failures.push(`not done within ${plan.seconds} s`)

    const crmReached = reached('/crm')
    const adsReached = reached('/ads')
    const missing = [...expected.crm].filter((x) => !crmReached.has(x))
    const missingAds = [...expected.ads].filter((x) => !adsReached.has(x))
    if (missing.length > 0)
      failures.push(`${missing.length} events never reached the CRM, e.g. ${missing[0]}`)
    if (missingAds.length > 0)
      failures.push(`${missingAds.length} events never reached ads, e.g. ${missingAds[0]}`)
    const strangers = [...adsReached].filter((x) => !expected.ads.has(x))
    if (strangers.length > 0)
      failures.push(`${strangers.length} events without marketing consent reached ads, e.g. ${strangers[0]}`)
    const unknown = [...crmReached].filter((x) => !expected.crm.has(x) && !refused.has(x))
    if (unknown.length > 0) failures.push(`${unknown.length} unknown events reached the CRM`)
    const dead = new Set(crm.deliveries.map((d) => d.messageId))
    const deadWrong = [...dead].filter((x) => !refused.has(x))
    const deadMissing = [...refused].filter((x) => !dead.has(x))
    if (deadWrong.length + deadMissing.length > 0)
      failures.push(
        `dead letters of the CRM differ from the refused events: ${deadWrong.length} extra, ${deadMissing.length} missing`,
      )
    if (ads.deliveries.length > 0) failures.push(`${ads.deliveries.length} dead letters at ads`)
    const unsigned = receiver.received.filter(
      (r) => verifyProblem(SECRET, r.headers as Record<string, string>, r.body, Date.now()) !== undefined,
    )
    if (unsigned.length > 0) failures.push(`${unsigned.length} requests did not verify`)
    // Repeats of events the receiver had acknowledged (the collector killed before it noted the
    // answer): what a receiver drops by messageId or webhook-id.
    const acted = receiver.received
      .filter((r) => acknowledged.has(r))
      .flatMap((r) => idsOf(r).map((x) => `${r.path} ${x}`))
    return {
      name: 'delivery',
      figures: {
        events,
        'to crm / ads': `${expected.crm.size} / ${expected.ads.size}`,
        kills: killed,
        requests: receiver.received.length,
        'events acknowledged': acted.length,
        'repeats dropped by key': acted.length - new Set(acted).size,
        'faults 500 / 429 / timeout / reset / 410': `${faults[500]} / ${faults[429]} / ${faults.timeout} / ${faults.reset} / ${faults[410]}`,
        'dead letters': dead.size,
        seconds: Math.round((Date.now() - started) / 1000),
      },
      failures,
    }
  } finally {
    await collector.stop().catch(() => {})
    await receiver.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

export const drill: Drill = {
  name: 'delivery',
  summary:
    'a receiver that fails in every way and a collector killed while delivering: every allowed event arrives, nothing else, dead letters exactly the refused',
  run,
}
