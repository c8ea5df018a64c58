import { describe, expect, it } from 'vitest'
import { personalizationSchema } from '../../sdk/rules/personalization-schema.ts'
import { HISTORY_CAP, profileSegments, segmentMembers, segmentSizes } from './evaluate.ts'
import type { HistoryRow, PersonalizationStore, ProfileSubject } from './types.ts'

const DAY = 86_400_000
const NOW = Date.parse('2026-11-23T12:00:00.000Z')

const config = personalizationSchema.parse({
  segments: {
    fans: { rule: { count: { event: 'Product Viewed', where: { category: 'outdoor' } }, $gte: 2 } },
    vip: { rule: { 'traits.plan': 'vip' } },
    night: { rule: { hour: { $lt: 6 } } },
  },
  history: { maxDays: 30 },
})

const view = (t: number, category = 'outdoor'): HistoryRow => ({
  type: 'track',
  name: 'Product Viewed',
  timestamp: t,
  properties: JSON.stringify({ category }),
})

/** A store in memory: profiles by id, each with its rows (newest first, as stores answer). */
const fakeStore = (
  people: Record<string, { traits?: Record<string, unknown>; rows: HistoryRow[]; refused?: boolean }>,
) => {
  const calls: { since: number; limit: number }[] = []
  const subjects: ProfileSubject[] = Object.entries(people)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([id, p]) => ({ id, traits: p.traits ?? {}, identifiers: [{ kind: 'anonymous', value: id }] }))
  const rowsOf = (ids: readonly { value: string }[]) => people[ids[0]!.value]?.rows ?? []
  const store: PersonalizationStore = {
    personalizationHistory: async (_site, ids, options) => {
      calls.push(options)
      return rowsOf(ids)
        .filter((r) => r.timestamp >= options.since)
        .slice(0, options.limit)
    },
    personalizationRefused: async (_site, ids) => people[ids[0]!.value]?.refused === true,
    latestSituation: async () => undefined,
    profilePage: async (_site, after, limit) =>
      subjects.filter((s) => after === undefined || s.id > after).slice(0, limit),
    segmentVisitors: async () => ({}),
    slotEventCounts: async () => [],
    slotLateCounts: async () => [],
    slotVisitors: async () => [],
  }
  return { store, calls }
}

describe('server-side segment evaluation', () => {
  it("reads the profile's newest 10,000 events within history.maxDays and evaluates them", async () => {
    const { store, calls } = fakeStore({
      ada: {
        traits: { plan: 'vip' },
        rows: [view(NOW - DAY), view(NOW - 2 * DAY, 'kitchen'), view(NOW - 3 * DAY)],
      },
    })
    const [ada] = await store.profilePage('demo', undefined, 1)
    expect(await profileSegments(store, 'demo', config, ada!, NOW)).toEqual(['fans', 'vip'])
    expect(calls).toEqual([{ since: NOW - 30 * DAY, limit: HISTORY_CAP }])
    expect(HISTORY_CAP).toBe(10_000)
    // At 03:00 UTC the time attributes change the answer, not the history.
    const early = Date.parse('2026-11-23T03:00:00.000Z')
    expect(await profileSegments(store, 'demo', config, ada!, early)).toEqual(['fans', 'vip', 'night'])
  })

  it('puts a person whose latest choice refuses personalization in no segment, traits or not', async () => {
    const { store, calls } = fakeStore({
      ada: { traits: { plan: 'vip' }, rows: [view(NOW - DAY)], refused: true },
    })
    const [ada] = await store.profilePage('demo', undefined, 1)
    expect(await profileSegments(store, 'demo', config, ada!, NOW)).toEqual([])
    expect(calls).toEqual([])
  })

  it('does not read anything when the site has no segments', async () => {
    const { store, calls } = fakeStore({ ada: { rows: [view(NOW)] } })
    const none = personalizationSchema.parse({})
    expect(
      await profileSegments(store, 'demo', none, { id: 'ada', traits: {}, identifiers: [] }, NOW),
    ).toEqual([])
    expect(await segmentSizes(store, 'demo', none, NOW)).toEqual({ profiles: {}, profilesScanned: 0 })
    expect(calls).toEqual([])
  })

  it('sizes segments a page of profiles at a time, yielding between pages', async () => {
    const fan = [view(NOW - DAY), view(NOW - 2 * DAY)]
    const { store } = fakeStore({
      a: { rows: fan },
      b: { traits: { plan: 'vip' }, rows: [] },
      c: { traits: { plan: 'vip' }, rows: fan },
      d: { rows: [view(NOW - DAY), view(NOW - 40 * DAY)] },
      e: { rows: [] },
    })
    let pauses = 0
    const pause = async () => {
      pauses++
    }
    const sizes = await segmentSizes(store, 'demo', config, NOW, { pageSize: 2, pause })
    expect(sizes).toEqual({ profiles: { fans: 2, vip: 2, night: 0 }, profilesScanned: 5 })
    expect(pauses).toBe(2)
    // A last page that is exactly full costs one more (empty) read, and no wrong count.
    const even = await segmentSizes(store, 'demo', config, NOW, { pageSize: 5, pause })
    expect(even.profilesScanned).toBe(5)
  })

  it('names the people of one segment now, a page at a time; none for a segment the site lacks', async () => {
    const fan = [view(NOW - DAY), view(NOW - 2 * DAY)]
    const { store } = fakeStore({
      a: { rows: fan },
      b: { traits: { plan: 'vip' }, rows: [] },
      c: { traits: { plan: 'vip' }, rows: fan, refused: true },
      d: { rows: [view(NOW - DAY), view(NOW - 40 * DAY)] },
      e: { rows: fan },
    })
    const pause = async () => {}
    expect(await segmentMembers(store, 'demo', config, 'fans', NOW, { pageSize: 2, pause })).toEqual(
      new Set(['a', 'e']),
    )
    expect(await segmentMembers(store, 'demo', config, 'vip', NOW, { pause })).toEqual(new Set(['b']))
    expect(await segmentMembers(store, 'demo', config, 'nope', NOW, { pause })).toEqual(new Set())
  })
})
