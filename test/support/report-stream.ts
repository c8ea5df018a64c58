// A realistic, seeded stream of browser events for the report oracle (test/reports-oracle.test.ts):
// people with several devices (joined by identify when they sign in), sessions from every channel,
// engagement figures, a visit across local midnight, sessions around a DST change, bots, events
// without consent, a resent batch. Beside each event it records what a report should see, in plain
// fields the oracle (report-oracle.ts) counts from without the collector's code.
import { prng } from './prng.ts'

export const STREAM_NOW = Date.parse('2026-11-23T12:00:00.000Z')
export const STREAM_ZONE = 'Europe/Berlin'
export const STREAM_ORIGIN = 'https://shop.example'

const MINUTE = 60_000
const DAY = 86_400_000

const AGENTS = [
  {
    ua: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    browser: 'Chrome',
    os: 'Windows',
    deviceType: 'desktop',
  },
  {
    ua: 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
    browser: 'Mobile Safari',
    os: 'iOS',
    deviceType: 'mobile',
  },
  {
    ua: 'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
    browser: 'Firefox',
    os: 'Ubuntu',
    deviceType: 'desktop',
  },
]
const BOT = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)'

/** How a session arrives, and the channel the documented rules give it. */
const ARRIVALS = [
  { channel: 'Direct', referrer: '', query: '' },
  { channel: 'Organic Search', referrer: 'https://www.google.com/', query: '' },
  { channel: 'Organic Search', referrer: 'https://www.baidu.com/s?wd=shoes', query: '' },
  { channel: 'Social', referrer: 'https://t.co/abc', query: '' },
  { channel: 'Referral', referrer: 'https://blog.example/post', query: '' },
  {
    channel: 'Paid Search',
    referrer: 'https://www.google.com/',
    query: '?utm_source=google&utm_medium=cpc&utm_campaign=winter',
  },
  { channel: 'Email', referrer: '', query: '?utm_source=newsletter&utm_medium=email&utm_campaign=winter' },
  {
    channel: 'Display',
    referrer: '',
    query: '?utm_source=dv360&utm_medium=display&utm_campaign=brand&utm_content=banner-a',
  },
] as const

const PATHS = ['/', '/shoes', '/shoes/trail', '/bags', '/cart', '/checkout']

/** What a report should see of one event. */
export interface Seen {
  device: string
  /** The person as the collector will resolve them: the user when the device signed in, else the device. */
  person: string
  session: string
  at: number
  kind: 'page' | 'engagement' | 'event' | 'other'
  /** An order's revenue (kind 'event': Order Completed). */
  revenue: number | null
  path: string
  channel: string
  referrerHost: string | null
  source: string | null
  medium: string | null
  campaign: string | null
  content: string | null
  browser: string | null
  os: string | null
  deviceType: string | null
  engaged: number | null
  scroll: number | null
  /** Stored and not a bot: a report counts it (unless its person is erased later). */
  counts: boolean
  /** Sent by a bot: stored, but never in a report. */
  bot: boolean
}

export interface Sent {
  body: Record<string, unknown>
  seen: Seen
}

const hostOf = (url: string) => {
  if (!url) return null
  const host = new URL(url).hostname
  return host.startsWith('www.') ? host.slice(4) : host
}

/** Batches of events in the order they are sent (one device's session each, some late), and what each means. */
export const reportStream = (seed: number, people = 40): { batches: Sent[][]; erased: string } => {
  const random = prng(seed)
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!
  const batches: Sent[][] = []
  let n = 0
  const id = (prefix: string) => `${prefix}-${seed}-${++n}`
  const start0 = Date.parse('2026-10-24T18:00:00.000Z')
  const span = STREAM_NOW - 20 * MINUTE - start0

  const session = (
    device: string,
    person: string,
    userId: string | null,
    at: number,
    options: { agent: string; bot?: boolean; consent?: boolean; pages?: number; gap?: number },
  ) => {
    const agent = AGENTS.find((a) => a.ua === options.agent)
    const arrival = pick(ARRIVALS)
    const sid = id('session')
    const params = new URLSearchParams(arrival.query)
    const batch: Sent[] = []
    const pages = options.pages ?? 1 + Math.floor(random() * 4)
    let t = at
    for (let i = 0; i < pages; i++) {
      const path = i === 0 ? pick(PATHS) : pick(PATHS)
      const url = `${STREAM_ORIGIN}${path}${i === 0 ? arrival.query : ''}`
      const referrer = i === 0 ? arrival.referrer : `${STREAM_ORIGIN}/`
      const counts = options.bot !== true && options.consent !== false
      const context = {
        userAgent: options.agent,
        page: { path, url, referrer, title: path },
        session: { id: sid },
        consent: {
          categoryPreferences: {
            necessary: true,
            analytics: options.consent !== false,
            personalization: false,
            marketing: false,
          },
        },
        ...(arrival.query
          ? {
              campaign: Object.fromEntries(
                [...params].map(([k, v]) => [k === 'utm_campaign' ? 'name' : k.replace('utm_', ''), v]),
              ),
            }
          : {}),
      }
      const seen: Seen = {
        device,
        person,
        session: sid,
        at: t,
        kind: 'page',
        path,
        channel: arrival.channel,
        referrerHost: hostOf(arrival.referrer),
        source: params.get('utm_source'),
        medium: params.get('utm_medium'),
        campaign: params.get('utm_campaign'),
        content: params.get('utm_content'),
        browser: agent?.browser ?? null,
        os: agent?.os ?? null,
        deviceType: agent?.deviceType ?? null,
        engaged: null,
        scroll: null,
        revenue: null,
        counts,
        bot: options.bot === true,
      }
      const base = {
        anonymousId: device,
        ...(userId ? { userId } : {}),
        timestamp: new Date(t).toISOString(),
        context,
      }
      batch.push({
        body: { ...base, type: 'page', messageId: id('m'), name: path, properties: { path, url, referrer } },
        seen,
      })
      if (random() < 0.7) {
        const engaged = Math.floor(random() * 120)
        const scroll = Math.floor(random() * 101)
        t += 20_000
        batch.push({
          body: {
            ...base,
            timestamp: new Date(t).toISOString(),
            type: 'track',
            messageId: id('m'),
            event: 'Page Engagement',
            properties: { engaged_time: engaged, scroll_depth: scroll },
          },
          seen: { ...seen, at: t, kind: 'engagement', engaged, scroll },
        })
      }
      t += options.gap ?? (1 + Math.floor(random() * 5)) * MINUTE
    }
    if (random() < 0.3) {
      // An order at the end of the visit: the goals' conversions and revenue.
      const revenue = 10 + Math.floor(random() * 200)
      const last = batch[batch.length - 1]!
      batch.push({
        body: {
          ...(last.body as Record<string, unknown>),
          type: 'track',
          messageId: id('m'),
          event: 'Order Completed',
          name: undefined,
          timestamp: new Date(t).toISOString(),
          properties: { revenue, currency: 'EUR' },
        },
        seen: { ...last.seen, kind: 'event', at: t, revenue, engaged: null, scroll: null },
      })
    }
    if (userId) {
      // Signing in: the identify that joins this device to the person's other devices.
      batch.push({
        body: {
          type: 'identify',
          anonymousId: device,
          userId,
          messageId: id('m'),
          timestamp: new Date(t).toISOString(),
          traits: {},
          context: {
            userAgent: options.agent,
            session: { id: sid },
            consent: {
              categoryPreferences: {
                necessary: true,
                analytics: true,
                personalization: false,
                marketing: false,
              },
            },
          },
        },
        seen: { ...batch[0]!.seen, kind: 'other', at: t, counts: false },
      })
    }
    return batch
  }

  let erased = ''
  for (let p = 0; p < people; p++) {
    const signsIn = random() < 0.5
    const user = signsIn ? id('user') : null
    if (signsIn && !erased) erased = user!
    const devices = 1 + Math.floor(random() * 3)
    for (let d = 0; d < devices; d++) {
      const device = id('device')
      const person = user ?? device
      const agent = pick(AGENTS).ua
      const sessions = 1 + Math.floor(random() * 3)
      for (let s = 0; s < sessions; s++) {
        // The device signs in during its last session only: earlier visits join the person later.
        const last = s === sessions - 1
        batches.push(
          session(device, person, last ? user : null, start0 + Math.floor(random() * span), { agent }),
        )
      }
    }
  }
  // A visit across local midnight (Berlin, UTC+1 in November), one starting just before the
  // period in local time, sessions on the DST day, visits in the last half hour, a bot, no consent.
  const lone = (at: number, options: Parameters<typeof session>[4]) => {
    const device = id('device')
    batches.push(session(device, device, null, at, options))
  }
  lone(Date.parse('2026-11-10T22:50:00.000Z'), { agent: AGENTS[0]!.ua, pages: 3, gap: 10 * MINUTE })
  lone(Date.parse('2026-10-24T21:55:00.000Z'), { agent: AGENTS[1]!.ua, pages: 2, gap: 10 * MINUTE })
  lone(Date.parse('2026-10-25T00:30:00.000Z'), { agent: AGENTS[2]!.ua, pages: 2 })
  lone(Date.parse('2026-10-25T01:30:00.000Z'), { agent: AGENTS[0]!.ua, pages: 2 })
  lone(STREAM_NOW - 10 * MINUTE, { agent: AGENTS[1]!.ua, pages: 2 })
  lone(STREAM_NOW - 25 * MINUTE, { agent: AGENTS[2]!.ua, pages: 1 })
  lone(STREAM_NOW - 3 * DAY, { agent: BOT, bot: true, pages: 3 })
  lone(STREAM_NOW - 2 * DAY, { agent: AGENTS[0]!.ua, consent: false, pages: 2 })
  // Late arrivals: sent in shuffled order, so older sessions arrive after newer ones.
  for (let i = batches.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[batches[i], batches[j]] = [batches[j]!, batches[i]!]
  }
  return { batches, erased }
}
