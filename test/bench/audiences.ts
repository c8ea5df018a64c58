// Audiences in `npm run bench`: how long after the event that made a person a member its
// `Audience Entered` reaches a receiver, through the running collector (SQLite), people sent one
// request at a time at a steady pace while the collector does its other work. The limit:
// within 5 s at the 95th percentile.
import { DEMO_WRITE_KEY, startCollector } from '../support/collector-process.ts'
import { startReceiver } from '../support/receiver.ts'

export const AUDIENCE_P95_LIMIT_MS = 5000
const PEOPLE = Number(process.env.BENCH_AUDIENCE_PEOPLE ?? 200)

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!

export const measureAudienceLatency = async () => {
  const receiver = await startReceiver()
  const arrived = new Map<string, number>()
  receiver.respondWith((r) => {
    const event = JSON.parse(r.body) as { event?: string; userId?: string }
    if (event.event === 'Audience Entered' && event.userId) arrived.set(event.userId, Date.now())
    return undefined
  })
  const collector = await startCollector({
    env: { PRECIS_ALLOW_PRIVATE_DESTINATIONS: 'true' },
    destinations: [
      {
        key: 'crm',
        kind: 'webhook',
        url: `${receiver.url}/crm`,
        secret: `whsec_${'C'.repeat(32)}`,
        where: { event: 'none' },
      },
    ],
    audiences: [{ key: 'pro-member', destinations: ['crm'] }],
  })
  const sent = new Map<string, number>()
  try {
    for (let i = 0; i < PEOPLE; i++) {
      const userId = `bench-${i}`
      sent.set(userId, Date.now())
      const res = await fetch(`${collector.url}/v1/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          writeKey: DEMO_WRITE_KEY,
          batch: [
            {
              type: 'identify',
              messageId: `m-${i}`,
              anonymousId: `a-${i}`,
              userId,
              traits: { plan: 'pro' },
              context: { consent: { categoryPreferences: { analytics: true, personalization: true } } },
            },
          ],
        }),
      })
      await res.arrayBuffer()
    }
    // Arrivals are stamped as each is answered (after `until` looks): wait for all of them.
    while (arrived.size < PEOPLE) await new Promise((resolve) => setTimeout(resolve, 20))
    for (const [userId, at] of [...sent]) {
      sent.delete(userId)
      sent.set(await collector.pseudonym(userId), at)
    }
  } finally {
    await collector.stop()
    await receiver.close()
  }
  const latencies = [...sent].map(([id, at]) => arrived.get(id)! - at).sort((a, b) => a - b)
  return {
    people: PEOPLE,
    p50: quantile(latencies, 0.5),
    p95: quantile(latencies, 0.95),
    max: latencies.at(-1)!,
  }
}
