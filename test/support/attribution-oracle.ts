// The attribution oracle: each model's credit counted the plain way from what the stream meant
// (report-stream.ts), with none of the collector's code: touches are visits (report-oracle.ts) of
// the person from every device, conversions the orders whose local date is in the period, and each
// model written out from its textbook definition. Also a person who clicks a campaign on a laptop
// and orders on a phone, the case cross-device attribution exists for.
import { oracleVisits } from './report-oracle.ts'
import type { Seen, Sent } from './report-stream.ts'

const MODELS = ['first', 'lastNonDirect', 'linear', 'position', 'timeDecay'] as const
type Model = (typeof MODELS)[number]

const localDate = (at: number, zone: string) => new Date(at).toLocaleDateString('sv-SE', { timeZone: zone })

export interface OracleAsk {
  /** Local dates, both included. */
  from: string
  to: string
  zone: string
  lookbackDays: number
  halfLifeDays: number
  by: 'channel' | 'campaign'
  /** Which visits count (a filter), by their landing page; default all. */
  keep?: (landing: Seen) => boolean
}

/** Per model, per key: conversions and revenue credited; the conversions with and without a touch; visits per key in a lookback. */
export const oracleAttribution = (seen: readonly Seen[], erased: string, ask: OracleAsk) => {
  const DAY = 86_400_000
  const visits = oracleVisits(seen, erased).filter((v) => (ask.keep ?? (() => true))(v.landing))
  const kept = new Set(visits.map((v) => `${v.device}/${v.landing.session}`))
  const touches = visits.map((v) => ({
    person: v.person,
    at: v.start,
    channel: v.landing.channel,
    key: ask.by === 'channel' ? v.landing.channel : (v.landing.campaign ?? '(none)'),
  }))
  const orders = seen.filter(
    (s) =>
      s.kind === 'event' &&
      s.counts &&
      s.person !== erased &&
      kept.has(`${s.device}/${s.session}`) &&
      localDate(s.at, ask.zone) >= ask.from &&
      localDate(s.at, ask.zone) <= ask.to,
  )
  const models = Object.fromEntries(
    MODELS.map((m) => [m, new Map<string, { conversions: number; revenue: number }>()]),
  ) as Record<Model, Map<string, { conversions: number; revenue: number }>>
  const credit = (model: Model, key: string, share: number, revenue: number) => {
    const row = models[model].get(key) ?? { conversions: 0, revenue: 0 }
    row.conversions += share
    row.revenue += share * revenue
    models[model].set(key, row)
  }
  const touched = new Map<string, Set<(typeof touches)[number]>>()
  const attributed = { conversions: 0, revenue: 0 }
  const unattributed = { conversions: 0, revenue: 0 }
  for (const order of orders) {
    const path = touches
      .filter(
        (t) => t.person === order.person && t.at <= order.at && t.at >= order.at - ask.lookbackDays * DAY,
      )
      .sort((a, b) => a.at - b.at)
    const revenue = order.revenue!
    if (path.length === 0) {
      unattributed.conversions++
      unattributed.revenue += revenue
      continue
    }
    attributed.conversions++
    attributed.revenue += revenue
    for (const t of path) touched.set(t.key, (touched.get(t.key) ?? new Set()).add(t))
    const n = path.length
    credit('first', path[0]!.key, 1, revenue)
    const known = path.filter((t) => t.channel !== 'Direct')
    credit('lastNonDirect', (known.length ? known[known.length - 1]! : path[n - 1]!).key, 1, revenue)
    for (const t of path) credit('linear', t.key, 1 / n, revenue)
    path.forEach((t, i) => {
      const share = n === 1 ? 1 : n === 2 ? 0.5 : i === 0 || i === n - 1 ? 0.4 : 0.2 / (n - 2)
      credit('position', t.key, share, revenue)
    })
    const weights = path.map((t) => 0.5 ** ((order.at - t.at) / (ask.halfLifeDays * DAY)))
    const sum = weights.reduce((a, b) => a + b, 0)
    for (const [i, t] of path.entries()) credit('timeDecay', t.key, weights[i]! / sum, revenue)
  }
  // Visits in some conversion's lookback, per key (none in the stream carries an ad click id).
  const visitsPerKey = new Map([...touched].map(([key, set]) => [key, set.size]))
  return { models, attributed, unattributed, touches: visitsPerKey }
}

const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1'

export const CROSS_DEVICE = { campaign: 'cross-device', revenue: 99 }

/**
 * A person who lands from a newsletter campaign on a laptop, signs in, and three days later comes
 * back directly on a phone, signs in and orders: two batches, and what each event means.
 */
export const crossDevicePerson = (origin: string, laptopAt: number): Sent[][] => {
  const userId = 'cross-device-user'
  const consent = {
    categoryPreferences: { necessary: true, analytics: true, personalization: false, marketing: false },
  }
  const visit = (device: string, session: string, at: number, agent: string, campaign: boolean) => {
    const query = campaign
      ? `?utm_source=newsletter&utm_medium=email&utm_campaign=${CROSS_DEVICE.campaign}`
      : ''
    const path = campaign ? '/shoes' : '/checkout'
    const context = {
      userAgent: agent,
      page: { path, url: `${origin}${path}${query}`, referrer: '', title: path },
      session: { id: session },
      consent,
      ...(campaign
        ? { campaign: { source: 'newsletter', medium: 'email', name: CROSS_DEVICE.campaign } }
        : {}),
    }
    const seen: Seen = {
      device,
      person: userId,
      session,
      at,
      kind: 'page',
      revenue: null,
      path,
      channel: campaign ? 'Email' : 'Direct',
      referrerHost: null,
      source: campaign ? 'newsletter' : null,
      medium: campaign ? 'email' : null,
      campaign: campaign ? CROSS_DEVICE.campaign : null,
      content: null,
      browser: campaign ? 'Chrome' : 'Mobile Safari',
      os: campaign ? 'Windows' : 'iOS',
      deviceType: campaign ? 'desktop' : 'mobile',
      engaged: null,
      scroll: null,
      counts: true,
      bot: false,
    }
    const base = { anonymousId: device, userId, context }
    const batch: Sent[] = [
      {
        body: {
          ...base,
          type: 'page',
          messageId: `${session}-page`,
          timestamp: new Date(at).toISOString(),
          name: path,
          properties: { path, url: context.page.url, referrer: '' },
        },
        seen,
      },
    ]
    if (!campaign)
      batch.push({
        body: {
          ...base,
          type: 'track',
          messageId: `${session}-order`,
          timestamp: new Date(at + 60_000).toISOString(),
          event: 'Order Completed',
          properties: { revenue: CROSS_DEVICE.revenue, currency: 'EUR' },
        },
        seen: { ...seen, kind: 'event', at: at + 60_000, revenue: CROSS_DEVICE.revenue },
      })
    batch.push({
      body: {
        type: 'identify',
        anonymousId: device,
        userId,
        messageId: `${session}-identify`,
        timestamp: new Date(at + 120_000).toISOString(),
        traits: {},
        context: { userAgent: agent, session: { id: session }, consent },
      },
      seen: { ...seen, kind: 'other', at: at + 120_000, counts: false },
    })
    return batch
  }
  return [
    visit('cross-device-laptop', 'cross-device-s1', laptopAt, CHROME, true),
    visit('cross-device-phone', 'cross-device-s2', laptopAt + 3 * 86_400_000, IPHONE, false),
  ]
}
