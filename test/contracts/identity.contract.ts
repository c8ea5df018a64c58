// The identity contract: every Store adapter runs it (see sqlite-identity.test.ts). Events go in
// through insertEvents, as ingest stores them, and are resolved by resolveIdentities.
import { describe, expect, it } from 'vitest'
import { DEFAULT_IDENTITY, type IdentitySettings } from '../../collector/identity/rules.ts'
import type { Store, StoredEvent } from '../../collector/store/types.ts'

export const SITE = 'demo'
export const NOW = Date.parse('2026-11-23T12:00:00Z')
let n = 0

export interface Ev {
  type?: 'track' | 'identify' | 'alias' | 'page'
  a?: string | null
  u?: string | null
  prev?: string
  traits?: Record<string, unknown>
  t?: number
  revenue?: number
  /** The site signed the userId (ingest's context.userVerified). */
  verified?: boolean
}

export const linkRow = ({
  type = 'identify',
  a = null,
  u = null,
  prev,
  traits,
  t = 1000,
  revenue,
  verified,
}: Ev): StoredEvent => {
  const messageId = `e-${++n}`
  return {
    site: SITE,
    messageId,
    type,
    name: type === 'track' ? 'Order Completed' : null,
    userId: u,
    anonymousId: a,
    timestamp: NOW - 86_400_000 + t,
    receivedAt: NOW,
    payload: JSON.stringify({
      ...(prev ? { previousId: prev } : {}),
      ...(traits ? { traits } : {}),
      ...(revenue !== undefined ? { properties: { revenue } } : {}),
      ...(verified ? { context: { userVerified: true } } : {}),
    }),
  }
}

/** Traits as a reader sees them: personal values opened (privacy/sealing.ts). */
export const opened = (store: Store, traits: Record<string, unknown>) => store.revealTraits(SITE, traits, {})

/** A fresh store with the events stored and resolved under the site's rules. */
export const resolved = async (
  open: () => Promise<Store>,
  events: Ev[],
  settings: Partial<IdentitySettings> = {},
) => {
  const store = await open()
  for (const e of events) await store.insertEvents([linkRow(e)])
  await store.resolveIdentities({ [SITE]: { ...DEFAULT_IDENTITY, ...settings } }, NOW)
  const profileOf = async (key: string) => (await store.findProfile(SITE, key, NOW))?.id
  return { store, profileOf }
}

export const describeIdentityContract = (name: string, open: () => Promise<Store>) =>
  describe(`identity contract: ${name}`, () => {
    const run = (events: Ev[], settings: Partial<IdentitySettings> = {}) => resolved(open, events, settings)

    /** [events, groups that must each be one profile, pairs that must stay apart, refusals, rules] */
    const table: [string, Ev[], string[][], [string, string][], string[], Partial<IdentitySettings>?][] = [
      [
        'anonymous visit, then log-in',
        [
          { type: 'page', a: 'a1' },
          { a: 'a1', u: 'u1' },
        ],
        [['a1', 'u1']],
        [],
        [],
      ],
      [
        'one user on two devices',
        [
          { a: 'a1', u: 'u1' },
          { a: 'a2', u: 'u1' },
        ],
        [['a1', 'a2', 'u1']],
        [],
        [],
      ],
      [
        'alias of the anonymous id',
        [{ type: 'alias', a: 'a1', u: 'u1', prev: 'a1' }],
        [['a1', 'u1']],
        [],
        [],
      ],
      [
        'a chain through an email on a third device',
        [
          { a: 'a1', u: 'u1' },
          { a: 'a2', traits: { email: 'Ada@Example.com ' } },
          { a: 'a3', u: 'u1', traits: { email: 'ada@example.com' } },
        ],
        [['a1', 'a2', 'a3', 'u1']],
        [],
        [],
      ],
      [
        'placeholder user ids never join people',
        [
          { a: 'a1', u: 'undefined' },
          { a: 'a2', u: 'null' },
          { a: 'a3', u: '0' },
          { a: 'a4', u: '00000000-0000-0000-0000-000000000000' },
          { a: 'a5', u: ' Anonymous ' },
        ],
        [],
        [
          ['a1', 'a2'],
          ['a2', 'a3'],
          ['a3', 'a4'],
          ['a4', 'a5'],
        ],
        [],
      ],
      [
        'a shared computer: a second user id is refused',
        [
          { a: 'a1', u: 'u1' },
          { a: 'a1', u: 'u2' },
          { a: 'a9', u: 'u2' },
        ],
        [
          ['a1', 'u1'],
          ['a9', 'u2'],
        ],
        [['u1', 'u2']],
        ['conflicting_user_ids'],
      ],
      [
        'two people with user ids are never merged',
        [
          { a: 'a1', u: 'u1' },
          { a: 'a2', u: 'u2' },
          { type: 'alias', a: 'a2', u: 'u1', prev: 'a2' },
        ],
        [
          ['a1', 'u1'],
          ['a2', 'u2'],
        ],
        [['u1', 'u2']],
        ['conflicting_user_ids'],
      ],
      [
        'at most five emails',
        [1, 2, 3, 4, 5, 6].map((i) => ({ a: 'a1', traits: { email: `e${i}@example.com` } })),
        [['a1']],
        [],
        ['limit_email'],
      ],
      // Priority, for each pair of identifier kinds: the event's highest-priority identifier
      // anchors it; a lower one that would break a rule is left out.
      [
        "user over email: a new user id with another user's email keeps a profile of its own",
        [
          { a: 'a1', u: 'u1', traits: { email: 'ada@example.com' } },
          { a: 'a2', u: 'u2', traits: { email: 'ada@example.com' } },
        ],
        [
          ['a1', 'u1'],
          ['a2', 'u2'],
        ],
        [['u1', 'u2']],
        ['conflicting_user_ids'],
      ],
      [
        'user over email: a new user id joins an email known only without a user id',
        [
          { a: 'a1', traits: { email: 'ada@example.com' } },
          { a: 'a2', u: 'u2', traits: { email: 'ada@example.com' } },
        ],
        [['a1', 'a2', 'u2']],
        [],
        [],
      ],
      [
        'user over anonymous: the shared device stays with its first user',
        [
          { a: 'a1', u: 'u1' },
          { type: 'track', a: 'a1', u: 'u2' },
        ],
        [['a1', 'u1'], ['u2']],
        [['u1', 'u2']],
        ['conflicting_user_ids'],
      ],
      [
        'email over anonymous: a sixth email anchors a profile of its own, without the device',
        [1, 2, 3, 4, 5, 6].map((i) => ({ a: 'a1', traits: { email: `e${i}@example.com` } })),
        [['a1']],
        [],
        ['limit_email'],
      ],
      [
        'a user id beyond the anonymous limit keeps its profile; the extra device is left out',
        [
          { a: 'a1', u: 'u1' },
          { a: 'a2', u: 'u1' },
        ],
        [['a1', 'u1']],
        [['a2', 'u1']],
        ['limit_anonymous'],
        { limits: { user: 1, email: 5, anonymous: 1 } },
      ],
      [
        'no emails at all with an email limit of 0',
        [{ a: 'a1', traits: { email: 'ada@example.com' } }],
        [['a1']],
        [],
        ['limit_email'],
        { limits: { user: 1, email: 0, anonymous: 100 } },
      ],
      [
        'email over user when the site says so: the known email anchors, the new user id is left out',
        [
          { a: 'a1', u: 'u1', traits: { email: 'ada@example.com' } },
          { a: 'a2', u: 'u2', traits: { email: 'ada@example.com' } },
        ],
        [['a1', 'a2', 'u1']],
        [['u2', 'u1']],
        ['limit_user'],
        { priority: ['email', 'user', 'anonymous'] },
      ],
      [
        'two user ids on one profile when the limit allows',
        [
          { a: 'a1', u: 'u1' },
          { a: 'a1', u: 'u2' },
        ],
        [['a1', 'u1', 'u2']],
        [],
        [],
        { limits: { user: 2, email: 5, anonymous: 100 } },
      ],
    ]

    it.each(table)('%s', async (_, events, together, apart, refusals, rules) => {
      const { store, profileOf } = await run(events, rules)
      for (const group of together) {
        const ids = await Promise.all(group.map(profileOf))
        expect(ids[0], `${group} resolve`).toBeDefined()
        expect(new Set(ids).size, `${group} are one profile`).toBe(1)
      }
      for (const [x, y] of apart) expect(await profileOf(x)).not.toBe(await profileOf(y))
      const key = together[0]?.[0] ?? apart[0]![0]
      const audit = (await store.exportProfile(SITE, key, NOW))?.audit ?? []
      expect(audit.filter((e) => e.action === 'refuse').map((e) => e.reason)).toEqual(refusals)
      await store.close()
    })

    it('keeps a new user id out of the profile whose email it brings: export and erasure find each person', async () => {
      const { store } = await run([
        { a: 'a1', u: 'u1', traits: { email: 'ada@example.com', plan: 'pro' } },
        { type: 'track', a: 'a1', u: 'u1' },
        { a: 'a2', u: 'u2', traits: { email: 'ada@example.com', plan: 'free' } },
        { type: 'track', a: 'a2', u: 'u2' },
      ])
      const first = (await store.exportProfile(SITE, 'u1', NOW))!
      const second = (await store.exportProfile(SITE, 'u2', NOW))!
      expect(second.profile.id).not.toBe(first.profile.id)
      expect(second.profile.traits.plan).toBe('free')
      expect(first.profile.traits.plan).toBe('pro')
      expect(first.events.map((e) => e.userId)).toEqual(['u1', 'u1'])
      expect(second.events.map((e) => e.userId)).toEqual(['u2', 'u2'])
      const erased = (await store.eraseProfile(SITE, 'u2', NOW))!
      expect(erased.events).toBe(2)
      expect(await store.findProfile(SITE, 'u2', NOW)).toBeUndefined()
      expect((await store.exportProfile(SITE, 'u1', NOW))!.events).toHaveLength(2)
      await store.close()
    })

    it('keeps the older profile id when two merge, and resolves the merged-away id to it', async () => {
      const { store, profileOf } = await run([{ a: 'a1' }, { a: 'a2', u: 'u1' }])
      const [older, younger] = [await profileOf('a1'), await profileOf('u1')]
      await store.insertEvents([linkRow({ a: 'a1', u: 'u1' })])
      await store.resolveIdentities({}, NOW)
      expect(await profileOf('u1')).toBe(older)
      expect(await profileOf(younger!)).toBe(older)
      const audit = (await store.exportProfile(SITE, 'a1', NOW))!.audit
      expect(audit).toMatchObject([{ action: 'merge', profileId: older, otherId: younger }])
      await store.close()
    })

    it('merges traits last-write-wins by event time, whatever the arrival order', async () => {
      const { store } = await run([
        { a: 'a1', u: 'u1', t: 3000, traits: { plan: 'pro', name: 'Ada' } },
        { a: 'a1', u: 'u1', t: 1000, traits: { plan: 'free', city: 'Paris' } },
        { type: 'track', a: 'a1', t: 5000, revenue: 40 },
        { type: 'track', a: 'a1', t: 6000, revenue: 2.5 },
      ])
      const profile = (await store.findProfile(SITE, 'u1', NOW))!
      // The name is personal: sealed at rest, opened for a reader.
      expect(profile.traits.name).toMatch(/^enc:v1:/)
      expect(await opened(store, profile.traits)).toEqual({ plan: 'pro', name: 'Ada', city: 'Paris' })
      expect(profile.counts).toEqual({ identify: 2, track: 2 })
      expect(profile.computed).toEqual({ recencyDays: 0, frequency: 4, orders: 2, monetary: 42.5 })
      expect(profile.firstSeen).toBe(new Date(NOW - 86_400_000 + 1000).toISOString())
      // The email is kept as a salted hash, never in clear.
      const email = await run([{ a: 'b1', traits: { email: 'bo@example.com' } }])
      const held = (await email.store.findProfile(SITE, 'b1', NOW))!.identifiers
      expect(JSON.stringify(held)).not.toContain('bo@example.com')
      expect(held.map((i) => i.kind).sort()).toEqual(['anonymous', 'email'])
      await Promise.all([store.close(), email.store.close()])
    })

    it('resolves each event once, however often it is asked', async () => {
      const { store } = await run([{ type: 'track', a: 'a1' }])
      await store.insertEvents([linkRow({ type: 'track', a: 'a1' })])
      expect(await store.resolveIdentities({}, NOW)).toBe(1)
      expect(await store.resolveIdentities({}, NOW)).toBe(0)
      expect((await store.findProfile(SITE, 'a1', NOW))!.counts).toEqual({ track: 2 })
      await store.close()
    })
  })
