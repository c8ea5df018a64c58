import { describe, expect, it } from 'vitest'
import { createLiveConfig, pollConfigs } from './live.ts'
import type { SiteVersion } from './versions.ts'

const v = (site: string, version: number, config: Record<string, unknown> = {}): SiteVersion => ({
  site,
  version,
  config: { id: site, writeKey: `${site}-write-key`, ...config },
  author: 'ada',
  createdAt: 0,
  note: null,
})

describe('createLiveConfig', () => {
  it('serves the newest version of each site, validated, and tells who listens', () => {
    const live = createLiveConfig([v('demo', 1), v('shop', 3)])
    expect(live.current().sites.map((s) => [s.id, s.timezone])).toEqual([
      ['demo', 'UTC'],
      ['shop', 'UTC'],
    ])
    const seen: string[][] = []
    live.subscribe((config) => seen.push(config.sites.map((s) => s.name ?? '')))
    expect(live.apply([v('demo', 2, { name: 'Demo' }), v('shop', 3, { name: 'ignored: not newer' })])).toBe(
      true,
    )
    expect(live.version('demo')).toBe(2)
    expect(live.written('demo')!.config.name).toBe('Demo')
    expect(seen).toEqual([['Demo', '']])
    expect(live.apply([v('demo', 1)])).toBe(false)
    expect(live.version('unknown')).toBe(0)
  })

  it('refuses a set that is invalid as a whole and keeps serving the last good one', () => {
    const logs: string[] = []
    const live = createLiveConfig([v('demo', 1), v('shop', 1)], (l) => logs.push(l))
    const before = live.current()
    expect(live.apply([v('shop', 2, { writeKey: 'demo-write-key' })])).toBe(false)
    expect(live.current()).toBe(before)
    expect(live.version('shop')).toBe(1)
    expect(logs.join()).toMatch(/not applied.*duplicate writeKey/s)
  })

  it('a listener that throws is logged; the change stands', () => {
    const logs: string[] = []
    const live = createLiveConfig([v('demo', 1)], (l) => logs.push(l))
    live.subscribe(() => {
      throw new Error('PRECIS_IDENTITY_SECRET_DEMO must be at least 32 characters')
    })
    expect(live.apply([v('demo', 2)])).toBe(true)
    expect(live.version('demo')).toBe(2)
    expect(logs).toEqual([
      'after a config change: PRECIS_IDENTITY_SECRET_DEMO must be at least 32 characters',
    ])
  })
})

describe('pollConfigs', () => {
  it('applies what the store holds at each tick, one read at a time, and logs a failing read once', async () => {
    const live = createLiveConfig([v('demo', 1)])
    let tick = () => {}
    let stopped = false
    const timers = {
      setInterval: (fn: () => void) => {
        tick = fn
        return 1
      },
      clearInterval: () => {
        stopped = true
      },
    }
    let answer: () => Promise<SiteVersion[]> = async () => [v('demo', 2, { name: 'Demo' })]
    let reads = 0
    const store = {
      currentConfigs: () => {
        reads++
        return answer()
      },
    }
    const logs: string[] = []
    const poll = pollConfigs(store, live, 1000, timers, (l) => logs.push(l))
    tick()
    tick() // while the first read is under way: no second read
    expect(reads).toBe(1)
    await expect.poll(() => live.version('demo')).toBe(2)
    answer = () => Promise.reject(new Error('connection refused'))
    for (let i = 0; i < 3; i++) {
      tick()
      await expect.poll(() => reads).toBe(2 + i)
      await new Promise((r) => setImmediate(r))
    }
    expect(logs).toEqual([
      'reading the site configs failed, serving the last ones read: Error: connection refused',
    ])
    poll.stop()
    expect(stopped).toBe(true)
  })
})
