import { describe, expect, it } from 'vitest'
import { destinationSchema } from '../destinations/config.ts'
import { audienceSchema } from './config.ts'
import { audienceChanges, ENTERED, EXITED, noticeId } from './engine.ts'

const NOW = Date.parse('2026-12-07T10:00:00Z')
const person = { site: 's', profile: 'p1', anonymousId: '~a', userId: '~u' }
const vip = audienceSchema.parse({ key: 'vip', name: 'VIPs', destinations: ['crm', 'ads'] })
const destinations = [
  destinationSchema.parse({
    key: 'crm',
    kind: 'webhook',
    url: 'https://crm.example/x',
    secret: `whsec_${'A'.repeat(32)}`,
  }),
  destinationSchema.parse({
    key: 'ads',
    kind: 'segment',
    url: 'https://ads.example/v1/batch',
    writeKey: 'k',
    purposes: ['marketing'],
  }),
]
const stamp = (marketing: boolean, gpc = false) => ({
  categoryPreferences: { analytics: true, personalization: true, marketing },
  ...(gpc ? { gpc: true } : {}),
})

describe('audienceChanges', () => {
  it('an entry is announced where the newest stamp allows, keyed by the transition', () => {
    const [change] = audienceChanges(person, [vip], destinations, new Set(['vip']), [], stamp(false), NOW)
    expect(change).toMatchObject({ audience: 'vip', member: true, fromVersion: 0, announced: ['crm'] })
    expect(change!.notices).toEqual([
      {
        site: 's',
        destination: 'crm',
        messageId: noticeId('s', 'vip', 'p1', 1),
        event: {
          type: 'track',
          event: ENTERED,
          messageId: noticeId('s', 'vip', 'p1', 1),
          timestamp: '2026-12-07T10:00:00.000Z',
          anonymousId: '~a',
          userId: '~u',
          properties: { audience_key: 'vip', audience_name: 'VIPs' },
        },
      },
    ])
    const all = audienceChanges(person, [vip], destinations, new Set(['vip']), [], stamp(true), NOW)
    expect(all[0]!.announced).toEqual(['crm', 'ads'])
    const gpc = audienceChanges(person, [vip], destinations, new Set(['vip']), [], stamp(true, true), NOW)
    expect(gpc[0]!.announced).toEqual(['crm'])
  })

  it('an exit goes where the entry went, whatever the consent now; no change, no notice', () => {
    const stored = [{ audience: 'vip', member: true, version: 1, announced: ['crm', 'ads'], changedAt: 0 }]
    const [exit] = audienceChanges(person, [vip], destinations, new Set(), stored, undefined, NOW)
    expect(exit).toMatchObject({ member: false, fromVersion: 1, announced: [] })
    expect(exit!.notices.map((n) => [n.destination, n.event.event, n.messageId])).toEqual([
      ['crm', EXITED, noticeId('s', 'vip', 'p1', 2)],
      ['ads', EXITED, noticeId('s', 'vip', 'p1', 2)],
    ])
    expect(audienceChanges(person, [vip], destinations, new Set(['vip']), stored, stamp(true), NOW)).toEqual(
      [],
    )
    expect(
      audienceChanges(
        person,
        [{ ...vip, enabled: false }],
        destinations,
        new Set(['vip']),
        [],
        stamp(true),
        NOW,
      ),
    ).toEqual([])
  })

  it('transitions have distinct ids, the same transition the same id', () => {
    expect(noticeId('s', 'vip', 'p1', 1)).toBe(noticeId('s', 'vip', 'p1', 1))
    expect(new Set([1, 2, 3].map((v) => noticeId('s', 'vip', 'p1', v))).size).toBe(3)
  })
})
