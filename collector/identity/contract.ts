// The identity contract: every Store adapter runs it (see sqlite-identity.test.ts). Events go in
// through insertEvents, as ingest stores them, and are resolved by resolveIdentities.
import { describe, expect, it } from 'vitest'
import type { Store, StoredEvent } from '../store/types.ts'
import { DEFAULT_IDENTITY, type IdentitySettings } from './rules.ts'

const SITE = 'demo'
const NOW = Date.parse('2026-11-23T12:00:00Z')
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
const opened = (store: Store, traits: Record<string, unknown>) => store.revealTraits(SITE, traits, {})

export const describeIdentityContract = (name: string, open: () => Promise<Store>) =>
  describe(`identity contract: ${name}`, () => {
    const run = async (events: Ev[], settings: Partial<IdentitySettings> = {}) => {
      const store = await open()
      for (const e of events) await store.insertEvents([linkRow(e)])
      await store.resolveIdentities({ [SITE]: { ...DEFAULT_IDENTITY, ...settings } }, NOW)
      const profileOf = async (key: string) => (await store.findProfile(SITE, key, NOW))?.id
      return { store, profileOf }
    }

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

    it("a browser's own data is its device's events only, whatever unverified links joined", async () => {
      const { store } = await run([
        { a: 'v1', u: 'victim', traits: { name: 'Vic' }, t: 1000 },
        { type: 'track', a: 'v1', u: 'victim', t: 2000 },
        // The attacker's browser claims the victim's user id: the graph joins it, unverified.
        { a: 'x1', u: 'victim', traits: { name: 'Mallory' }, t: 3000 },
        { type: 'page', a: 'x1', t: 4000 },
      ])
      const rules = DEFAULT_IDENTITY
      const own = (await store.exportOwn(SITE, 'x1', rules, NOW))!
      expect(own.identifiers).toEqual([{ kind: 'anonymous', value: 'x1' }])
      expect(own.events.map((e) => e.anonymousId)).toEqual(['x1', 'x1'])
      expect(await opened(store, own.traits)).toEqual({ name: 'Mallory' })
      expect(JSON.stringify(own)).not.toContain('"v1"')
      expect(await store.eraseOwn(SITE, 'x1', rules, NOW)).toEqual({ events: 2 })
      // The victim keeps everything of theirs, folded again without the attacker's traits.
      const victim = (await store.exportProfile(SITE, 'victim', NOW))!
      expect(victim.events.map((e) => e.anonymousId)).toEqual(['v1', 'v1'])
      expect(await opened(store, victim.profile.traits)).toEqual({ name: 'Vic' })
      expect(victim.profile.counts).toEqual({ identify: 1, track: 1 })
      expect(victim.profile.identifiers.map((i) => i.value).sort()).toEqual(['v1', 'victim'])
      // Nobody but the attacker's device is suppressed: the victim's next event counts.
      await store.insertEvents([linkRow({ type: 'track', a: 'v1', u: 'victim', t: 5000 })])
      await store.insertEvents([linkRow({ type: 'track', a: 'x1', t: 5000 })])
      await store.resolveIdentities({ [SITE]: rules }, NOW)
      expect((await store.findProfile(SITE, 'victim', NOW))!.counts).toEqual({ identify: 1, track: 2 })
      expect(await store.findProfile(SITE, 'x1', NOW)).toBeUndefined()
      expect(await store.exportOwn(SITE, 'x1', rules, NOW)).toBeUndefined()
      await store.close()
    })

    it("verified links extend a browser's own data to the person's other verified devices", async () => {
      const { store } = await run([
        { a: 'phone', u: 'ada', verified: true, traits: { name: 'Ada' }, t: 1000 },
        { type: 'track', a: 'phone', t: 2000 },
        { a: 'laptop', u: 'ada', verified: true, t: 3000 },
        { type: 'page', a: 'kiosk', t: 4000 },
        { a: 'kiosk', u: 'ada', t: 5000 },
      ])
      const rules = DEFAULT_IDENTITY
      const own = (await store.exportOwn(SITE, 'laptop', rules, NOW))!
      expect(own.identifiers).toEqual([
        { kind: 'user', value: 'ada' },
        { kind: 'anonymous', value: 'laptop' },
        { kind: 'anonymous', value: 'phone' },
      ])
      // The kiosk's identify carries the user id: it is Ada's; the kiosk's own page view is not.
      expect(own.events.map((e) => [e.type, e.anonymousId])).toEqual([
        ['identify', 'phone'],
        ['track', 'phone'],
        ['identify', 'laptop'],
        ['identify', 'kiosk'],
      ])
      expect(await opened(store, own.traits)).toEqual({ name: 'Ada' })
      // The kiosk's browser reaches only itself.
      const kiosk = (await store.exportOwn(SITE, 'kiosk', rules, NOW))!
      expect(kiosk.identifiers).toEqual([{ kind: 'anonymous', value: 'kiosk' }])
      expect(await store.eraseOwn(SITE, 'laptop', rules, NOW)).toEqual({ events: 4 })
      // What is left of the profile is the kiosk's page view; Ada's id is suppressed.
      const left = (await store.exportProfile(SITE, 'kiosk', NOW))!
      expect(left.profile.identifiers).toEqual([{ kind: 'anonymous', value: 'kiosk' }])
      expect(left.profile.counts).toEqual({ page: 1 })
      await store.insertEvents([linkRow({ type: 'track', a: 'tablet', u: 'ada', t: 6000 })])
      await store.resolveIdentities({ [SITE]: rules }, NOW)
      expect(await store.findProfile(SITE, 'ada', NOW)).toBeUndefined()
      expect(await store.findProfile(SITE, 'tablet', NOW)).toBeUndefined()
      await store.close()
    })

    it('suppresses every identifier of an erased person, the email too', async () => {
      const { store } = await run([
        { a: 'a1', u: 'u1', traits: { email: 'ada@example.com', name: 'Ada' } },
        { type: 'track', a: 'a1' },
      ])
      expect((await store.eraseProfile(SITE, 'u1', NOW))!.events).toBe(2)
      // The same person comes back on a new device with only the erased email, or an erased id.
      const comeback = [
        linkRow({ a: 'fresh-1', traits: { email: ' Ada@Example.com' } }),
        linkRow({ type: 'track', a: 'a1' }),
        linkRow({ type: 'track', a: 'fresh-2', u: 'u1' }),
        linkRow({ type: 'track', a: 'someone-else' }),
      ]
      // Acknowledged like any event (the answer tells nobody who was erased), never written.
      expect(await store.insertEvents(comeback)).toEqual({ inserted: 4, duplicates: 0 })
      const written = (await store.listEvents(SITE, { limit: 10 })).events
      expect(written.map((e) => e.anonymousId)).toEqual(['someone-else'])
      await store.resolveIdentities({}, NOW)
      for (const key of ['fresh-1', 'a1', 'u1', 'fresh-2'])
        expect(await store.findProfile(SITE, key, NOW)).toBeUndefined()
      const left = (await store.listEvents(SITE, { limit: 10 })).events
      expect(left.map((e) => e.anonymousId)).toEqual(['someone-else'])
      await store.close()
    })

    it('expires people last seen before retention, with their identifiers and audit; keeps the rest', async () => {
      const { store, profileOf } = await run([
        { type: 'page', a: 'old-1', t: 1000 },
        { a: 'old-2', u: 'old-user', t: 2000 },
        { a: 'old-1', u: 'old-user', t: 3000 },
        { a: 'new-1', u: 'new-user', t: 50_000 },
      ])
      const old = await profileOf('old-user')
      expect((await store.exportProfile(SITE, 'old-user', NOW))!.audit.length).toBeGreaterThan(0)
      const before = NOW - 86_400_000 + 10_000
      await store.deleteEventsBefore(SITE, before)
      expect(await store.expirePeople(SITE, before)).toBe(1)
      for (const key of ['old-1', 'old-2', 'old-user', old!])
        expect(await store.findProfile(SITE, key, NOW)).toBeUndefined()
      expect((await store.exportProfile(SITE, 'new-user', NOW))!.events).toHaveLength(1)
      // The old person coming back starts afresh (no audit, nothing remembered).
      await store.insertEvents([linkRow({ a: 'old-1', u: 'old-user', t: 60_000 })])
      await store.resolveIdentities({}, NOW)
      const back = (await store.exportProfile(SITE, 'old-user', NOW))!
      expect([back.profile.counts, back.audit]).toEqual([{ identify: 1 }, []])
      expect(await store.expirePeople(SITE, before)).toBe(0)
      await store.close()
    })

    it('seals personal values at rest; erasure leaves copies made before it unreadable', async () => {
      const { store } = await run([
        {
          a: 'p1',
          u: 'pat',
          traits: { email: 'pat@example.com', name: 'Pat Doe', phone: '+1 555 0100', plan: 'pro' },
        },
        { a: 'p2', traits: { email: 'PAT@example.com' } },
        { a: 'o1', u: 'other', traits: { name: 'Other One' } },
      ])
      // The email still links the second device (hashed at the write), though stored sealed.
      expect((await store.findProfile(SITE, 'p2', NOW))!.id).toBe(
        (await store.findProfile(SITE, 'pat', NOW))!.id,
      )
      const copy = (await store.listEvents(SITE, { limit: 10 })).events
      const raw = JSON.stringify([copy, await store.exportProfile(SITE, 'pat', NOW)])
      for (const clear of ['pat@example.com', 'PAT@example.com', 'Pat Doe', '+1 555 0100', 'Other One'])
        expect(raw).not.toContain(clear)
      expect(raw).toContain('"plan":"pro"') // not declared personal: kept as sent
      const traitsOf = async (rows: StoredEvent[]) =>
        (await store.revealEvents(rows, {})).map((e) => JSON.parse(e.payload).traits)
      expect(await traitsOf(copy)).toContainEqual({
        email: 'pat@example.com',
        name: 'Pat Doe',
        phone: '+1 555 0100',
        plan: 'pro',
      })
      await store.eraseProfile(SITE, 'pat', NOW)
      // The copy taken before the erasure no longer opens: its keys are gone. Others' still do.
      expect(await traitsOf(copy)).toEqual(
        expect.arrayContaining([
          { email: null, name: null, phone: null, plan: 'pro' },
          { email: null },
          { name: 'Other One' },
        ]),
      )
      await store.close()
    })

    it('seals whatever a client puts where personal values go, so a copied envelope never opens', async () => {
      const { store } = await run([{ a: 'v1', u: 'victim', traits: { name: 'Victoria' } }])
      const stolen = (await store.findProfile(SITE, 'victim', NOW))!.traits.name as string
      await store.insertEvents([linkRow({ a: 'x1', traits: { name: stolen } })])
      await store.resolveIdentities({}, NOW)
      const own = (await store.exportOwn(SITE, 'x1', DEFAULT_IDENTITY, NOW))!
      expect(await opened(store, own.traits)).toEqual({ name: stolen })
      const [event] = await store.revealEvents(own.events, {})
      expect(JSON.parse(event!.payload).traits).toEqual({ name: stolen })
      await store.close()
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
