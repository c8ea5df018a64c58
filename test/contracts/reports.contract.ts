// The report store contract: every Store adapter runs it (sqlite/reports.test.ts,
// postgres/reports.test.ts). Events go in through insertEvents, profiles come from
// resolveIdentities, and rows are read only through the ReportStore: what comes back must be what
// derivedRowOf makes of the stored events, with the person identity resolution has now.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  type HitQuery,
  type HitRow,
  REPORTS_SYNC_EVERY_MS,
  type ReportRow,
} from '../../collector/reports/types.ts'
import { sessionKey, sessionsOf, summaryOf, visitsOf } from '../../collector/reports/visits.ts'
import type { Store, StoredEvent } from '../../collector/store/types.ts'
import { pageMatches } from '../../sdk/rules/goal-schema.ts'
import { prng } from '../support/prng.ts'
import {
  DAY,
  engagement,
  HOUR,
  hoursOf,
  identify,
  MINUTE,
  pageView,
  reportStream,
  rowsOf,
  SITE,
  STREAM_START,
  sessionsIn,
  sorted,
  sortedHours,
  sortedVisits,
  T,
  track,
} from '../support/report-events.ts'

const NOW = T + DAY
const ALL = { from: 0, to: 2 * T }

/** The summaries of the visits starting in the window, as visitsOf makes them from the rows. */
const summariesIn = (rows: readonly ReportRow[], window: { from: number; to: number }) =>
  sortedVisits(
    visitsOf(sessionsIn(rows, window.from, window.to))
      .filter((v) => v.start >= window.from && v.start < window.to)
      .map(summaryOf),
  )

/** The hour aggregates of the visits starting in the window (whole hours), as hoursOf makes them. */
const hoursIn = (rows: readonly ReportRow[], window: { from: number; to: number }) =>
  sortedHours(hoursOf(summariesIn(rows, window)))

/** `?` and `[` are no wildcards: `/ca?t` matches no `/cart`; a missing path is `/`. */
const HITS: HitQuery = { pages: ['/', '/sh*s', '/ca?t', '/[b]*'], events: ['Order Completed'] }

/** What reportHits answers for HITS, from every row: each with its whole session's summary, or none. */
const hitsIn = (rows: readonly ReportRow[], window: { from: number; to: number }, withVisits: boolean) => {
  const visits = new Map(
    sessionsOf(rows).flatMap((list) =>
      visitsOf(list).map((v) => [sessionKey(list[0]!), summaryOf(v)] as const),
    ),
  )
  return sortedHits(
    rows.flatMap((r): HitRow[] => {
      const visit = visits.get(sessionKey(r))
      const wanted =
        r.kind === 'page'
          ? HITS.pages.some((p) => pageMatches(p, r.path ?? '/'))
          : r.kind === 'event' && HITS.events.includes(r.name ?? '')
      if (!visit || !wanted || r.at < window.from || r.at >= window.to) return []
      const { at, path, name, props, device, person } = r
      const page = r.kind === 'page'
      return [
        {
          at,
          kind: r.kind as HitRow['kind'],
          path: page ? path : null,
          name: page ? null : name,
          props: page ? null : props,
          device,
          person,
          ...(withVisits ? { visit } : {}),
        },
      ]
    }),
  )
}

const sortedHits = (hits: readonly HitRow[]) =>
  [...hits].sort((a, b) => {
    const key = (h: HitRow) => `${h.at} ${h.kind} ${h.device} ${h.path} ${h.name}`
    return key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0
  })

/** The device's profile now, else the device itself. */
const personOf = async (store: Store, devices: Iterable<string>, site = SITE) => {
  const persons = new Map<string, string>()
  for (const d of devices) persons.set(d, (await store.findProfile(site, d, NOW))?.id ?? d)
  return (device: string) => persons.get(device) ?? device
}

export const describeReportsContract = (name: string, open: () => Promise<Store>) =>
  describe(`reports contract: ${name}`, () => {
    let store: Store
    beforeEach(async () => {
      store = await open()
    })
    afterEach(async () => {
      await store.close()
    })
    const read = async (window = ALL, site = SITE) => sorted(await store.reportSessions(site, window))
    /** The window's visit summaries, checked against the people and starts the store reads alone. */
    const summaries = async (window = ALL, site = SITE) => {
      const visits = sortedVisits(await store.reportVisits(site, window))
      const starts: string[] = []
      await store.reportVisitStarts(site, window, (person, start) => starts.push(`${start} ${person}`))
      expect(starts.sort()).toEqual(visits.map(({ person, start }) => `${start} ${person}`).sort())
      return visits
    }
    const hours = async (window = ALL, site = SITE) => sortedHours(await store.reportHours(site, window))

    it('counts the rows of a window up to a limit, of its site only', async () => {
      await store.insertEvents([
        pageView('a1', T),
        engagement('a1', T + MINUTE, 10, 50),
        pageView('a1', T + 2 * MINUTE),
        pageView('a2', T + HOUR),
        pageView('b1', T, { site: 'other' }),
      ])
      await store.syncReports()
      expect(await store.reportRowsUpTo(SITE, ALL, 100)).toBe(4)
      expect(await store.reportRowsUpTo(SITE, ALL, 3)).toBe(3)
      expect(await store.reportRowsUpTo(SITE, { from: T + MINUTE, to: T + HOUR }, 100)).toBe(2)
      expect(await store.reportRowsUpTo(SITE, { from: T + HOUR + 1, to: 2 * T }, 100)).toBe(0)
    })

    it('derives page views and engagement figures as derivedRowOf does, each stored event once', async () => {
      const landing = pageView('a1', T, {
        path: '/shoes?colour=red',
        url: 'https://www.shop.example/shoes?gclid=x',
        referrer: 'https://www.Google.com/search?q=x',
        campaign: {
          source: 'google',
          medium: 'CPC',
          name: 'winter',
          term: 'trail',
          content: 'ad-2',
          gclid: 'x',
        },
        browser: 'Chrome',
        os: 'Windows',
        deviceType: 'mobile',
        country: 'FR',
        region: 'IDF',
      })
      const events = [
        landing,
        engagement('a1', T + MINUTE, 42.5, 75),
        pageView('a1', T + 2 * MINUTE, { path: '/bags', referrer: 'https://shop.example/shoes' }),
        pageView('a2', T, { session: null }), // no session id: a visit of its own
        pageView('a3', T, { bot: true }),
        pageView(null, T, { userId: 'u1' }), // sent by a server: no device
        track('a1', T + 3 * MINUTE, 'Order Completed'),
        identify('a1', 'u-ada', T + 4 * MINUTE),
      ]
      await store.insertEvents(events)
      // A resend with another body, and one inside a batch: stored once, the first wins.
      const resent = { ...landing, payload: pageView('a9', T + HOUR, { path: '/other' }).payload }
      await store.insertEvents([resent, resent])
      // Six candidates looked at (the bot's among them); five rows made (the order among them).
      expect(await store.syncReports()).toBe(6)
      const expected = rowsOf(events)
      expect(expected).toHaveLength(5)
      expect(await read()).toEqual(sorted(expected))
      // Resolved: each row names its device's profile.
      await store.resolveIdentities({}, NOW)
      expect(await read()).toEqual(sorted(rowsOf(events, await personOf(store, ['a1', 'a2']))))
    })

    it('answers every row of the sessions with a row in [from, to), and no other session', async () => {
      const from = T
      const to = T + HOUR
      const crossingStart = [pageView('a1', from - 20 * MINUTE), engagement('a1', from + 5 * MINUTE, 30, 50)]
      const crossingEnd = [
        pageView('a3', to - MINUTE, { session: 's3' }),
        pageView('a3', to + 10 * MINUTE, { session: 's3' }),
      ]
      const atStart = [pageView('a5', from, { session: 's5' })]
      const inside = [pageView('a6', from + MINUTE, { session: 's6' }), pageView('a6', from + 2 * MINUTE)]
      const outside = [
        pageView('a1', from - 3 * HOUR, { session: 's2' }), // the same device's earlier session
        pageView('a2', to + 5 * MINUTE), // another device's session of the same id, after
        pageView('a4', to, { session: 's4' }), // `to` is not in the window
        pageView('a6', from - 2 * HOUR, { session: 's7' }),
        pageView('a1', from + MINUTE, { site: 'other' }), // another site's
      ]
      const events = [...crossingStart, ...crossingEnd, ...atStart, ...inside, ...outside]
      await store.insertEvents(events)
      await store.syncReports()
      expect(await read({ from, to })).toEqual(
        sorted(rowsOf([...crossingStart, ...crossingEnd, ...atStart, ...inside])),
      )
      expect(await read({ from, to }, 'other')).toEqual(rowsOf(events, undefined, 'other'))
      expect(await read({ from: to + HOUR, to: to + 2 * HOUR })).toEqual([])
    })

    it('names the person as resolution has it now, a merge made after the rows were derived too', async () => {
      await store.insertEvents([
        pageView('a1', T, { session: 'p' }),
        pageView('a2', T + DAY, { session: 'l' }),
      ])
      await store.insertEvents([pageView('b1', T)])
      await store.syncReports()
      await store.resolveIdentities({}, NOW)
      const persons = async () => new Map((await read()).map((r) => [r.device, r.person]))
      const before = await persons()
      expect(new Set(before.values()).size).toBe(3)
      expect(before.get('a1')).toBe((await store.findProfile(SITE, 'a1', NOW))?.id)
      // Ada signs in on both devices: one person, with no row derived again.
      await store.insertEvents([identify('a1', 'u-ada', T + 2 * DAY), identify('a2', 'u-ada', T + 2 * DAY)])
      await store.resolveIdentities({}, NOW)
      expect(await store.syncReports()).toBe(0)
      const ada = (await store.findProfile(SITE, 'u-ada', NOW))!.id
      const after = await persons()
      expect([after.get('a1'), after.get('a2'), after.get('b1')]).toEqual([ada, ada, before.get('b1')])
      // The hours count Ada once, as the merge says, once a sync made them again.
      await store.syncReports()
      expect(await hours()).toEqual(hoursIn(await read(), ALL))
      expect((await hours()).map((h) => h.visits)).toEqual([2, 1])
      // A device not yet resolved is its own person.
      await store.insertEvents([pageView('c1', T)])
      await store.syncReports()
      expect((await persons()).get('c1')).toBe('c1')
    })

    it("removes an erased person's rows, derived or not yet", async () => {
      await store.insertEvents([
        pageView('a1', T),
        pageView('a2', T + HOUR),
        identify('a1', 'u-ada', T),
        identify('a2', 'u-ada', T + HOUR),
      ])
      const kept = [pageView('b1', T)]
      await store.insertEvents(kept)
      await store.syncReports()
      await store.resolveIdentities({}, NOW)
      expect(await store.eraseProfile(SITE, 'u-ada', NOW)).toBeDefined()
      const expected = sorted(rowsOf(kept, await personOf(store, ['b1'])))
      expect(await read()).toEqual(expected)
      // Her visits' summaries are gone too, at once (before any sync), and stay gone.
      expect(await summaries()).toEqual(summariesIn(expected, ALL))
      await store.syncReports()
      expect(await summaries()).toEqual(summariesIn(expected, ALL))
      expect(await hours()).toEqual(hoursIn(expected, ALL))
      // Queued and erased before any sync derived it.
      await store.insertEvents([pageView('c1', T), identify('c1', 'u-cy', T)])
      await store.resolveIdentities({}, NOW)
      await store.eraseProfile(SITE, 'u-cy', NOW)
      await store.syncReports()
      expect(await read()).toEqual(expected)
      expect(await summaries()).toEqual(summariesIn(expected, ALL))
      expect(await hours()).toEqual(hoursIn(expected, ALL))
    })

    it("keeps each visit's summary as its rows say: a late page view lands it anew, a deleted one leaves it", async () => {
      const visit = [
        pageView('a1', T, { path: '/shoes', session: 'v' }),
        engagement('a1', T + MINUTE, 20, 40),
        pageView('a1', T + 2 * MINUTE, { path: '/cart', session: 'v' }),
      ]
      await store.insertEvents(visit)
      await store.syncReports()
      const rows = () => read()
      expect(await summaries()).toEqual(summariesIn(await rows(), ALL))
      expect((await summaries())[0]).toMatchObject({ entry: '/shoes', exit: '/cart', pageviews: 2 })
      // Sent before the others, arrived after: the visit now lands on /home, from a campaign.
      const early = pageView('a1', T - 5 * MINUTE, {
        path: '/home',
        session: 'v',
        campaign: { source: 'newsletter', medium: 'email', name: 'spring' },
      })
      await store.insertEvents([early])
      await store.syncReports()
      const [landed] = await summaries()
      expect(landed).toMatchObject({ entry: '/home', start: T - 5 * MINUTE, pageviews: 3, channel: 'Email' })
      expect(await summaries()).toEqual(summariesIn(await rows(), ALL))
      // It moved to the hour before: that hour has it, its old hour is gone.
      expect((await hours()).map((h) => h.hour)).toEqual([T - HOUR])
      expect(await hours()).toEqual(hoursIn(await rows(), ALL))
      // Past retention: the early page view goes, the visit lands on /shoes again.
      await store.deleteEventsBefore(SITE, T)
      await store.syncReports()
      expect(await summaries()).toEqual(summariesIn(await rows(), ALL))
      expect((await summaries())[0]).toMatchObject({ entry: '/shoes', pageviews: 2 })
      // A window holds the visits that start in it, with the person resolution has now.
      expect(await summaries({ from: T + 1, to: 2 * T })).toEqual([])
      await store.insertEvents([identify('a1', 'u-ada', T + HOUR)])
      await store.resolveIdentities({}, NOW)
      const ada = (await store.findProfile(SITE, 'u-ada', NOW))!.id
      expect((await summaries({ from: T, to: T + 1 })).map((v) => v.person)).toEqual([ada])
    })

    it('deletes rows with their events past retention, whole months and part of one', async () => {
      const september = Date.parse('2026-09-10T10:00:00Z')
      const october = Date.parse('2026-10-10T10:00:00Z')
      const cutoff = Date.parse('2026-10-15T00:00:00Z')
      const derived = [pageView('a1', september), pageView('a1', october), pageView('a1', cutoff + HOUR)]
      const other = [pageView('a1', october, { site: 'other' })]
      await store.insertEvents([...derived, ...other])
      await store.syncReports()
      // Stored, not yet derived, when retention runs.
      const queued = [pageView('a2', september + DAY), pageView('a2', october + DAY), pageView('a2', cutoff)]
      await store.insertEvents(queued)
      await store.deleteEventsBefore(SITE, cutoff)
      await store.syncReports()
      expect(await read()).toEqual(sorted(rowsOf([derived[2]!, queued[2]!])))
      expect(await read(ALL, 'other')).toEqual(rowsOf(other, undefined, 'other'))
    })

    it('derives nothing twice, resends and repeated syncs included', async () => {
      const events = [pageView('a1', T), engagement('a1', T + MINUTE, 12, 100), pageView('a2', T)]
      await store.insertEvents(events)
      expect(await store.syncReports()).toBe(3)
      expect(await store.syncReports()).toBe(0)
      await store.insertEvents(events)
      expect(await store.syncReports()).toBe(0)
      const next = pageView('a1', T + 2 * MINUTE)
      await store.insertEvents([next])
      expect(await store.syncReports()).toBe(1)
      expect(await read()).toEqual(sorted(rowsOf([...events, next])))
    })

    it('derives in the background when resolution runs, at most every REPORTS_SYNC_EVERY_MS', async () => {
      await store.insertEvents([pageView('a1', T)])
      await store.resolveIdentities({}, NOW)
      expect(await store.syncReports()).toBe(0) // resolution derived it already
      await store.insertEvents([pageView('a2', T)])
      await store.resolveIdentities({}, NOW + 1) // too soon: left to the next reader
      expect(await store.syncReports()).toBe(1)
      await store.insertEvents([pageView('a3', T)])
      await store.resolveIdentities({}, NOW + REPORTS_SYNC_EVERY_MS)
      expect(await store.syncReports()).toBe(0)
    })

    it('agrees with a naive computation over seeded random streams', async () => {
      for (const seed of [1, 2, 3]) {
        const site = `seed-${seed}`
        const stored = new Map<string, StoredEvent>()
        for (const step of reportStream(seed, 120)) {
          if (step.kind === 'insert') {
            const events = step.events.map((e) => ({ ...e, site }))
            await store.insertEvents(events)
            for (const e of events) if (!stored.has(e.messageId)) stored.set(e.messageId, e)
          } else if (step.kind === 'sync') await store.syncReports()
          else if (step.kind === 'resolve') await store.resolveIdentities({}, NOW)
          else {
            await store.deleteEventsBefore(site, step.before)
            for (const [id, e] of stored) if (e.timestamp < step.before) stored.delete(id)
          }
        }
        await store.syncReports()
        await store.resolveIdentities({}, NOW)
        const devices = new Set([...stored.values()].flatMap((e) => (e.anonymousId ? [e.anonymousId] : [])))
        const rows = rowsOf(stored.values(), await personOf(store, devices, site), site)
        const random = prng(seed)
        const windows = [
          ALL,
          ...Array.from({ length: 5 }, () => {
            const from = STREAM_START + Math.floor(random() * 70) * DAY
            return { from, to: from + Math.ceil(random() * 10) * DAY }
          }),
        ]
        for (const window of windows) {
          const expected = sorted(sessionsIn(rows, window.from, window.to))
          const answer: ReportRow[] = sorted(await store.reportSessions(site, window))
          expect(answer, `seed ${seed}, window ${JSON.stringify(window)}`).toEqual(expected)
          expect(await summaries(window, site), `summaries, seed ${seed}`).toEqual(summariesIn(rows, window))
          expect(await hours(window, site), `hours, seed ${seed}`).toEqual(hoursIn(rows, window))
          for (const visits of [true, false])
            expect(
              sortedHits(await store.reportHits(site, window, HITS, { limit: 10_000, visits })),
              `hits, seed ${seed}, visits ${visits}`,
            ).toEqual(hitsIn(rows, window, visits))
          // Half the people, a device that belongs to a profile (no person of its own), a stranger.
          const people = [...new Set(rows.map((r) => r.person))].filter(() => random() < 0.5)
          const merged = rows.find((r) => r.person !== r.device)?.device
          const asked = [...people, ...(merged ? [merged] : []), 'nobody']
          expect(
            sortedVisits(await store.reportVisitsOf(site, asked, window)),
            `visits of people, seed ${seed}`,
          ).toEqual(summariesIn(rows, window).filter((v) => people.includes(v.person)))
        }
        // The stream is worth comparing: rows, and devices joined into one person.
        expect(rows.length, `seed ${seed}`).toBeGreaterThan(30)
        expect(new Set(rows.map((r) => r.person)).size).toBeLessThan(devices.size)
      }
    }, 30_000) // seconds of work on a quiet machine: a limit for a hung test, not a speed check
  })
