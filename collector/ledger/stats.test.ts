import { describe, expect, it } from 'vitest'
import { shapeConsentStats, statsWindow } from './stats.ts'

const row = (day: string, source: 'banner' | 'gpc', counts: Partial<Record<string, number>>) => ({
  day,
  source,
  visitors: 0,
  analytics: 0,
  personalization: 0,
  marketing: 0,
  acceptAll: 0,
  rejectAll: 0,
  gpc: 0,
  ...counts,
})

describe('consent statistics', () => {
  it('takes the last days up to now, today included, as UTC dates', () => {
    const now = Date.parse('2026-11-23T10:00:00Z')
    expect(statsWindow(now, 3)).toEqual({
      since: Date.parse('2026-11-21T00:00:00Z'),
      until: now + 1,
      dates: ['2026-11-21', '2026-11-22', '2026-11-23'],
    })
  })

  it('sums rows per day and source into shares; days without rows stay at zero', () => {
    const stats = shapeConsentStats(
      [
        row('2026-11-21', 'banner', { visitors: 4, analytics: 3, acceptAll: 2, rejectAll: 1, marketing: 2 }),
        row('2026-11-23', 'gpc', { visitors: 1, analytics: 1, gpc: 1 }),
      ],
      ['2026-11-21', '2026-11-22', '2026-11-23'],
    )
    expect(stats.visitors).toBe(5)
    expect(stats.purposes.analytics).toEqual({ count: 4, share: 0.8 })
    expect(stats.choices).toEqual({
      acceptAll: { count: 2, share: 0.4 },
      rejectAll: { count: 1, share: 0.2 },
      custom: { count: 2, share: 0.4 },
    })
    expect(stats.gpc).toEqual({ count: 1, share: 0.2 })
    expect(stats.daily.map((d) => d.visitors)).toEqual([4, 0, 1])
    expect(stats.sources).toMatchObject({ banner: 4, gpc: 1, api: 0 })
    expect(shapeConsentStats([], ['2026-11-21']).purposes.marketing).toEqual({ count: 0, share: null })
  })
})
