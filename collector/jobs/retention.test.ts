import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { consentFields, makeRow, TEST_LEDGER_KEY } from '../../test/contracts/store.contract.ts'
import { parseConfig } from '../config/site-config.ts'
import { openSqliteStore } from '../store/sqlite/store.ts'
import { scheduleRetention } from './retention.ts'

const DAY = 86_400_000
const START = Date.parse('2026-11-23T00:00:00Z')

beforeEach(() => {
  // setImmediate stays real: the store's writer commits on it.
  vi.useFakeTimers({
    now: START,
    toFake: ['Date', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'],
  })
})
afterEach(() => {
  vi.useRealTimers()
})

describe('retention', () => {
  it("deletes each site's events older than its retention, at start and every day after", async () => {
    const config = parseConfig({
      sites: [
        { id: 'demo', writeKey: 'demo-write-key' },
        { id: 'short', writeKey: 'short-write-key', retentionDays: 30 },
      ],
    })
    expect(config.sites[0]!.retentionDays).toBe(395)
    const store = openSqliteStore(':memory:')
    const at = (site: string, daysAgo: number, id: string) =>
      makeRow({ site, messageId: id, timestamp: START - daysAgo * DAY })
    await store.insertEvents([
      at('demo', 400, 'demo-old'),
      at('demo', 394, 'demo-kept'),
      at('short', 31, 'short-old'),
      at('short', 29.5, 'short-soon-old'),
      at('short', 1, 'short-new'),
    ])
    const logs: string[] = []
    scheduleRetention(
      store,
      () => config,
      TEST_LEDGER_KEY,
      { now: Date.now, setInterval: (fn, ms) => setInterval(fn, ms) },
      (m) => logs.push(m),
    )
    await vi.advanceTimersByTimeAsync(0)
    const ids = async (site: string) =>
      (await store.listEvents(site, { limit: 10 })).events.map((e) => e.messageId).sort()
    expect(await ids('demo')).toEqual(['demo-kept'])
    expect(await ids('short')).toEqual(['short-new', 'short-soon-old'])
    await vi.advanceTimersByTimeAsync(DAY)
    expect(await ids('short')).toEqual(['short-new'])
    expect(logs).toEqual([
      'retention: deleted 2 events ({"demo":1,"short":1})',
      'retention: deleted 1 events ({"demo":0,"short":1})',
    ])
    await store.close()
  })
  it('deletes expired rights tokens in the same daily run, and keeps live ones', async () => {
    const config = parseConfig({ sites: [{ id: 'demo', writeKey: 'demo-write-key' }] })
    const store = openSqliteStore(':memory:')
    const old = (await store.issueToken('demo', 'a1', START - 30 * DAY))!
    const live = (await store.issueToken('demo', 'a2', START - 29 * DAY))!
    const logs: string[] = []
    scheduleRetention(
      store,
      () => config,
      TEST_LEDGER_KEY,
      { now: Date.now, setInterval: (fn, ms) => setInterval(fn, ms) },
      (m) => logs.push(m),
    )
    await vi.advanceTimersByTimeAsync(0)
    expect(logs).toEqual(['retention: deleted 1 expired rights tokens'])
    expect(await store.revokeToken('demo', old.token)).toBe(false) // no row left to revoke
    expect(await store.verifyToken('demo', live.token, START)).toBe('a2')
    // The next day's run: the other one has expired meanwhile, and goes.
    await vi.advanceTimersByTimeAsync(DAY)
    expect(logs).toEqual([
      'retention: deleted 1 expired rights tokens',
      'retention: deleted 1 expired rights tokens',
    ])
    expect(await store.revokeToken('demo', live.token)).toBe(false)
    await store.close()
  })

  it('expires the people not seen within retention, and consent records past their own retention', async () => {
    const config = parseConfig({
      sites: [{ id: 'demo', writeKey: 'demo-write-key', retentionDays: 30, consentRetentionDays: 365 }],
    })
    expect(
      parseConfig({ sites: [{ id: 'd', writeKey: 'demo-write-key' }] }).sites[0]!.consentRetentionDays,
    ).toBe(1825)
    const store = openSqliteStore(':memory:')
    const person = (id: string, daysAgo: number) =>
      makeRow({
        messageId: id,
        anonymousId: id,
        type: 'identify',
        timestamp: START - daysAgo * DAY,
        payload: '{}',
      })
    await store.insertEvents([person('gone', 31), person('kept', 29)])
    await store.resolveIdentities({}, START)
    for (const daysAgo of [400, 366, 10])
      await store.appendConsent(
        consentFields({ consentId: `c${daysAgo}`, receivedAt: START - daysAgo * DAY }),
        TEST_LEDGER_KEY,
      )
    const logs: string[] = []
    scheduleRetention(
      store,
      () => config,
      TEST_LEDGER_KEY,
      { now: Date.now, setInterval: (fn, ms) => setInterval(fn, ms) },
      (m) => logs.push(m),
    )
    await vi.advanceTimersByTimeAsync(0)
    expect(logs).toEqual([
      'retention: deleted 1 events ({"demo":1})',
      'retention: deleted 1 profiles of people inactive past retention',
      'retention: deleted 2 consent records past consent retention',
    ])
    expect(await store.findProfile('demo', 'gone', START)).toBeUndefined()
    expect(await store.findProfile('demo', 'kept', START)).toBeDefined()
    expect((await store.consentChain('demo')).map((r) => r.consentId)).toEqual(['c10'])
    await store.close()
  })
})
