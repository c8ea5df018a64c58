// The people's-data contract, beside the identity contract (contract.ts): self-service scope,
// suppression, retention for people and sealed personal values. Every adapter runs it.
import { describe, expect, it } from 'vitest'
import { pseudonymizeRow } from '../../collector/identity/pseudonymous-store.ts'
import { DEFAULT_IDENTITY, type IdentitySettings } from '../../collector/identity/rules.ts'
import type { Store, StoredEvent } from '../../collector/store/types.ts'
import { type Ev, linkRow, NOW, opened, resolved, SITE } from './identity.contract.ts'

export const describePeopleContract = (name: string, open: () => Promise<Store>) =>
  describe(`people's data contract: ${name}`, () => {
    const run = (events: Ev[], settings: Partial<IdentitySettings> = {}) => resolved(open, events, settings)

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

    it('pseudonyms: one key per site, kept; the clear user id sealed beside one opens for readers until erasure', async () => {
      const { store } = await run([])
      const p = await store.pseudonyms(SITE)
      expect((await store.pseudonyms(SITE))('u-1')).toBe(p('u-1'))
      expect((await store.pseudonyms('another-site'))('u-1')).not.toBe(p('u-1'))
      expect(p('u-2')).not.toBe(p('u-1'))
      // A row as the routes store it (identity/pseudonymous-store.ts).
      await store.insertEvents([pseudonymizeRow(p, linkRow({ a: 'a-1', u: 'u-1', t: 1000 }), {})])
      await store.resolveIdentities({}, NOW)
      const data = (await store.exportProfile(SITE, p('u-1'), NOW))!
      expect(data.events.map((e) => [e.userId, e.anonymousId])).toEqual([[p('u-1'), p('a-1')]])
      expect(JSON.stringify(data)).not.toContain('"u-1"') // quoted: a random pseudonym may hold u-1
      expect((await store.revealEvents(data.events, {}))[0]!.userId).toBe('u-1')
      await store.eraseProfile(SITE, p('u-1'), NOW)
      expect((await store.revealEvents(data.events, {}))[0]!.userId).toBeNull()
      await store.close()
    })
  })
