// The funnel oracle: the seeded stream (support/report-stream.ts) plus one person who starts on a
// laptop and orders on a phone, sent through the real app on SQLite and PostgreSQL; the funnel
// '/' → '/cart' → 'Order Completed' is then counted the plain way here, person by person, and
// compared with what POST /admin/api/reports/funnel answers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openSqliteStore } from '../collector/store/sqlite/store.ts'
import type { Store } from '../collector/store/types.ts'
import { describePostgres, openTestPostgresStore } from './support/postgres.ts'
import { type ReportApp, reportApp } from './support/report-app.ts'
import { type Seen, type Sent, STREAM_ORIGIN, STREAM_ZONE } from './support/report-stream.ts'

const ADMIN = 'admin-token-for-funnels'
const FROM = '2026-10-25'
const TO = '2026-11-16'
const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
const STEPS = [{ page: '/' }, { page: '/cart' }, { event: 'Order Completed' }]

const DESKTOP =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'
const PHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1'

/** A person who views '/' and '/cart' on a laptop and orders on a phone the next day, signed in on both. */
const twoDevices = (): Sent[][] => {
  const user = 'funnel-user'
  const consent = {
    categoryPreferences: { necessary: true, analytics: true, personalization: false, marketing: false },
  }
  let n = 0
  const visit = (
    device: string,
    ua: string,
    deviceType: string,
    at: number,
    paths: string[],
    order: boolean,
  ) => {
    const session = `${device}-session`
    const batch: Sent[] = []
    const seen = (t: number, kind: Seen['kind'], path: string): Seen => ({
      device,
      person: user,
      session,
      at: t,
      kind,
      revenue: kind === 'event' ? 120 : null,
      path,
      channel: 'Direct',
      referrerHost: null,
      source: null,
      medium: null,
      campaign: null,
      content: null,
      browser: null,
      os: null,
      deviceType,
      engaged: null,
      scroll: null,
      counts: kind !== 'other',
      bot: false,
    })
    let t = at
    const context = (path: string) => ({
      userAgent: ua,
      page: { path, url: `${STREAM_ORIGIN}${path}`, referrer: '', title: path },
      session: { id: session },
      consent,
    })
    for (const path of paths) {
      batch.push({
        body: {
          type: 'page',
          messageId: `funnel-${++n}`,
          anonymousId: device,
          userId: user,
          timestamp: new Date(t).toISOString(),
          name: path,
          properties: { path, url: `${STREAM_ORIGIN}${path}`, referrer: '' },
          context: context(path),
        },
        seen: seen(t, 'page', path),
      })
      t += 2 * MINUTE
    }
    const last = paths[paths.length - 1]!
    if (order)
      batch.push({
        body: {
          type: 'track',
          messageId: `funnel-${++n}`,
          anonymousId: device,
          userId: user,
          timestamp: new Date(t).toISOString(),
          event: 'Order Completed',
          properties: { revenue: 120, currency: 'EUR' },
          context: context(last),
        },
        seen: seen(t, 'event', last),
      })
    batch.push({
      body: {
        type: 'identify',
        messageId: `funnel-${++n}`,
        anonymousId: device,
        userId: user,
        timestamp: new Date(t).toISOString(),
        traits: {},
        context: { userAgent: ua, session: { id: session }, consent },
      },
      seen: seen(t, 'other', last),
    })
    return batch
  }
  const at = Date.parse('2026-11-05T10:00:00.000Z')
  return [
    visit('funnel-laptop', DESKTOP, 'desktop', at, ['/', '/cart'], false),
    visit('funnel-phone', PHONE, 'mobile', at + DAY, ['/shoes'], true),
  ]
}

// ---- The plain count -------------------------------------------------------------------------

interface Ev {
  at: number
  person: string
  device: string
  session: string
  page: string | null
  event: string | null
  channel: string
  deviceType: string | null
}

const localDate = (at: number) => new Date(at).toLocaleDateString('sv-SE', { timeZone: STREAM_ZONE })

/** Events a funnel may see: of sessions with a page view whose landing passes `keep`, not erased. */
const eventsOf = (seen: readonly Seen[], erased: string, keep: (landing: Seen) => boolean) => {
  const sessions = new Map<string, Seen[]>()
  for (const s of seen) {
    if (!s.counts || s.kind === 'other' || s.kind === 'engagement' || s.person === erased) continue
    const key = `${s.device}/${s.session}`
    sessions.set(key, [...(sessions.get(key) ?? []), s])
  }
  const people = new Map<string, Ev[]>()
  for (const rows of sessions.values()) {
    const pages = rows.filter((r) => r.kind === 'page').sort((a, b) => a.at - b.at)
    if (pages.length === 0 || !keep(pages[0]!)) continue
    for (const r of rows)
      people.set(r.person, [
        ...(people.get(r.person) ?? []),
        {
          at: r.at,
          person: r.person,
          device: r.device,
          session: r.session,
          page: r.kind === 'page' ? r.path : null,
          event: r.kind === 'event' ? 'Order Completed' : null,
          channel: pages[0]!.channel,
          deviceType: pages[0]!.deviceType,
        },
      ])
  }
  for (const list of people.values())
    list.sort((a, b) => a.at - b.at || (a.page ? -1 : 0) - (b.page ? -1 : 0))
  return people
}

const inPeriod = (at: number) => localDate(at) >= FROM && localDate(at) <= TO

/** Which steps an event satisfies: step 0 only within the period. */
const stepsOf = (e: Ev) =>
  STEPS.flatMap((s, i) =>
    (s.page !== undefined ? e.page === s.page : e.event === s.event) && (i > 0 || inPeriod(e.at)) ? [i] : [],
  )

/** A person's attempt from each start: times of the steps it reaches (earliest events, in window). */
const attemptFrom = (list: readonly Ev[], start: number, window: number, strict: boolean) => {
  const times = [list[start]!.at]
  for (let j = start + 1; j < list.length && times.length < STEPS.length; j++) {
    const e = list[j]!
    const hits = stepsOf(e)
    if (hits.length === 0) continue
    if (hits.includes(times.length) && e.at - times[0]! <= window) times.push(e.at)
    else if (strict) break
  }
  return times
}

/** The funnel counted plainly: each person's furthest reach, first there, latest start. */
const oracleFunnel = (people: Map<string, Ev[]>, window: number, strict: boolean) => {
  const reached: { times: number[]; person: string; channel: string }[] = []
  for (const [person, list] of people) {
    const starts = list.flatMap((e, i) => (stepsOf(e).includes(0) ? [i] : []))
    if (starts.length === 0) continue
    let best: number[] = []
    for (const s of starts) {
      const times = attemptFrom(list, s, window, strict)
      const better =
        times.length > best.length ||
        (times.length === best.length && times[times.length - 1]! < best[best.length - 1]!) ||
        (times.length === best.length &&
          times[times.length - 1] === best[best.length - 1] &&
          times[0]! > best[0]!)
      if (better) best = times
    }
    reached.push({ times: best, person, channel: list[starts[0]!]!.channel })
  }
  return reached
}

const median = (values: number[]) => {
  if (values.length === 0) return null
  const s = [...values].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2
}

const figures = (reached: readonly { times: number[] }[]) =>
  STEPS.map((_, i) => {
    const at = reached.filter((r) => r.times.length > i)
    const before = reached.filter((r) => r.times.length >= i)
    return {
      people: at.length,
      dropOff: i === 0 ? 0 : before.length - at.length,
      fromPrevious: i === 0 || before.length === 0 ? null : at.length / before.length,
      medianSeconds: i === 0 ? null : median(at.map((r) => (r.times[i]! - r.times[i - 1]!) / 1000)),
    }
  })

// ---- The test ------------------------------------------------------------------------------------

interface StepAnswer {
  step: number
  label: string
  people: number
  dropOff: number
  fromPrevious: number | null
  fromFirst: number | null
  medianSeconds: number | null
}
interface Answer {
  steps: StepAnswer[]
  groups?: { value: string | null; steps: StepAnswer[] }[]
  groupsTotal?: number
  [key: string]: unknown
}

const expectFigures = (got: StepAnswer[], want: ReturnType<typeof figures>, what: string) => {
  expect(
    got.map((s) => s.people),
    what,
  ).toEqual(want.map((s) => s.people))
  expect(
    got.map((s) => s.dropOff),
    what,
  ).toEqual(want.map((s) => s.dropOff))
  got.forEach((s, i) => {
    const w = want[i]!
    if (w.fromPrevious === null) expect(s.fromPrevious, what).toBeNull()
    else expect(s.fromPrevious!, what).toBeCloseTo(w.fromPrevious, 3)
    if (w.medianSeconds === null) expect(s.medianSeconds, what).toBeNull()
    else expect(s.medianSeconds!, what).toBeCloseTo(w.medianSeconds, 0)
  })
}

const describeFunnel = (name: string, open: () => Promise<Store>) =>
  describe(name, () => {
    let store: Store
    let shop: ReportApp
    let seen: Seen[]
    let erased: string
    const post = (body: unknown, query = '') =>
      shop.request(`/admin/api/reports/funnel?site=shop${query}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      })
    const funnelOf = async (body: Record<string, unknown>): Promise<Answer> => {
      const res = await post({ steps: STEPS, from: FROM, to: TO, ...body })
      expect(res.status, await res.clone().text()).toBe(200)
      return res.json()
    }

    beforeAll(async () => {
      store = await open()
      shop = await reportApp(store, { admin: ADMIN, more: twoDevices() })
      seen = shop.seen
      erased = shop.erased
    }, 120_000)
    afterAll(() => store?.close())

    it('counts the funnel as the plain count does, in any order within 7 days', async () => {
      const answer = await funnelOf({ window: '7d' })
      const reached = oracleFunnel(
        eventsOf(seen, erased, () => true),
        7 * DAY,
        false,
      )
      const want = figures(reached)
      expect(want[0]!.people).toBeGreaterThan(10)
      expect(want[2]!.people).toBeGreaterThan(1)
      expectFigures(answer.steps, want, 'any 7d')
      expect(answer.steps.map((s) => s.label)).toEqual(['/', '/cart', 'Order Completed'])
      expect(answer.steps[2]!.fromFirst!).toBeCloseTo(want[2]!.people / want[0]!.people, 3)
      expect(answer).toMatchObject({ site: 'shop', timezone: STREAM_ZONE, from: FROM, to: TO, window: '7d' })
      // The person of two devices converts: '/' and '/cart' on the laptop, the order on the phone.
      expect(reached.find((r) => r.person === 'funnel-user')?.times).toHaveLength(3)
      // No answer names a person or a device.
      const text = JSON.stringify(answer)
      expect(text).not.toContain('funnel-user')
      expect(text).not.toContain('device-')
    })

    it('counts a strict funnel within one hour as the plain count does', async () => {
      const answer = await funnelOf({ window: '1h', order: 'strict' })
      const want = figures(
        oracleFunnel(
          eventsOf(seen, erased, () => true),
          HOUR,
          true,
        ),
      )
      expect(want[1]!.people).toBeGreaterThan(0)
      expectFigures(answer.steps, want, 'strict 1h')
      const loose = await funnelOf({ window: '1h' })
      expect(loose.steps[2]!.people).toBeGreaterThanOrEqual(answer.steps[2]!.people)
    })

    it('breaks down by the channel of the visit where each person first reached step 0', async () => {
      const answer = await funnelOf({ window: '7d', breakdown: 'channel' })
      const reached = oracleFunnel(
        eventsOf(seen, erased, () => true),
        7 * DAY,
        false,
      )
      const channels = new Set(reached.map((r) => r.channel))
      expect(answer.groupsTotal).toBe(channels.size)
      expect(channels.size).toBeGreaterThan(2)
      for (const group of answer.groups!)
        expectFigures(
          group.steps,
          figures(reached.filter((r) => r.channel === group.value)),
          String(group.value),
        )
      expect(answer.groups!.reduce((n, g) => n + g.steps[0]!.people, 0)).toBe(answer.steps[0]!.people)
    })

    it('filters visits: on desktops only, the phone order of the person of two devices is left out', async () => {
      const answer = await funnelOf({ window: '7d', filter: ['device:desktop'] })
      const reached = oracleFunnel(
        eventsOf(seen, erased, (landing) => landing.deviceType === 'desktop'),
        7 * DAY,
        false,
      )
      expectFigures(answer.steps, figures(reached), 'desktop')
      expect(reached.find((r) => r.person === 'funnel-user')?.times).toHaveLength(2)
      expect(answer.filter).toEqual(['device:desktop'])
      const unknown = await post({ steps: STEPS, from: FROM, to: TO, filter: ['goal:nope'] })
      expect(unknown.status).toBe(404)
      expect((await unknown.json()).error.code).toBe('goal_not_found')
    })

    it('answers the same figures as CSV', async () => {
      const body = { steps: STEPS, from: FROM, to: TO, window: '7d', breakdown: 'channel' }
      const answer = await funnelOf(body)
      const res = await post(body, '&format=csv')
      expect(res.status).toBe(200)
      expect(res.headers.get('content-disposition')).toContain(`shop-funnel-${FROM}-${TO}.csv`)
      const lines = (await res.text()).trim().split('\r\n')
      expect(lines[0]).toBe('group,step,label,people,from_previous,from_first,drop_off,median_seconds')
      expect(lines.slice(1, 4).map((l) => l.split(',').slice(0, 4))).toEqual(
        answer.steps.map((s) => ['(all)', String(s.step), s.label, String(s.people)]),
      )
      expect(lines).toHaveLength(1 + 3 * (1 + answer.groups!.length))
    })
  })

describeFunnel('the funnel report against a plain count on SQLite', async () => openSqliteStore(':memory:'))
describePostgres('the funnel report against a plain count on PostgreSQL', () => {
  describeFunnel('the same stream', () => openTestPostgresStore())
})
