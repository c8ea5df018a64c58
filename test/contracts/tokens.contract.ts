// The rights-token contract: every Store adapter runs it (sqlite-tokens.test.ts,
// postgres-tokens.test.ts), with the clock passed in as `now` and the table read as its owner would.
import { describe, expect, it } from 'vitest'
import { TOKEN_TTL_MS } from '../../collector/identity/tokens.ts'
import type { Store } from '../../collector/store/types.ts'
import { linkRow } from './identity.contract.ts'

const SITE = 'demo'
const NOW = Date.parse('2026-11-23T12:00:00Z')
const DAY = 86_400_000

export interface TokenFixture {
  store: Store
  /** Every row of rights_tokens, as the database holds it. */
  rows(): Promise<Record<string, unknown>[]>
  close(): Promise<void>
}

/** The token with its last character changed: same form, wrong value. */
const forge = (token: string) => `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`

export const describeTokenContract = (name: string, open: () => Promise<TokenFixture>) =>
  describe(`rights-token contract: ${name}`, () => {
    const withStore = async (fn: (f: TokenFixture) => Promise<void>) => {
      const fixture = await open()
      try {
        await fn(fixture)
      } finally {
        await fixture.close()
      }
    }

    it('issues random tokens: 32 bytes after the id, never the same twice', () =>
      withStore(async ({ store }) => {
        const tokens = new Set<string>()
        for (let i = 0; i < 5; i++) {
          const issued = (await store.issueToken(SITE, 'a1', NOW + i * TOKEN_TTL_MS))!
          expect(issued.token).toMatch(/^a1\.[\w-]{43}$/)
          expect(issued.expiresAt).toBe(NOW + i * TOKEN_TTL_MS + TOKEN_TTL_MS)
          tokens.add(issued.token)
        }
        expect(tokens.size).toBe(5)
      }))

    it('refuses a second token while one is live, so knowing an id is not enough', () =>
      withStore(async ({ store }) => {
        const first = (await store.issueToken(SITE, 'a1', NOW))!
        expect(await store.issueToken(SITE, 'a1', NOW + TOKEN_TTL_MS - 1)).toBeUndefined()
        expect(await store.issueToken(SITE, 'a2', NOW)).toBeDefined()
        expect(await store.issueToken('other', 'a1', NOW)).toBeDefined()
        expect(await store.verifyToken(SITE, first.token, NOW)).toBe('a1')
      }))

    it('one live token per id when many ask at once', () =>
      withStore(async ({ store }) => {
        const answers = await Promise.all(Array.from({ length: 8 }, () => store.issueToken(SITE, 'a1', NOW)))
        const issued = answers.filter((a) => a !== undefined)
        expect(issued).toHaveLength(1)
        expect(await store.verifyToken(SITE, issued[0]!.token, NOW)).toBe('a1')
      }))

    it('the database holds no token and no anonymousId in clear: keyed hashes and times only', () =>
      withStore(async ({ store, rows }) => {
        const ids = ['visitor-one', 'visitor-two']
        const tokens = await Promise.all(
          ids.map(async (id) => (await store.issueToken(SITE, id, NOW))!.token),
        )
        const stored = await rows()
        expect(stored).toHaveLength(2)
        for (const row of stored) {
          expect(Object.keys(row).sort()).toEqual(['expires_at', 'hash', 'issued_at', 'owner', 'site'])
          expect(row).toMatchObject({ site: SITE, issued_at: NOW, expires_at: NOW + TOKEN_TTL_MS })
          expect(row.owner).toMatch(/^[\w-]{43}$/)
          expect(row.hash).toMatch(/^[\w-]{43}$/)
        }
        const text = JSON.stringify(stored)
        for (const secret of [...ids, ...tokens, ...tokens.map((t) => t.split('.')[1]!)])
          expect(text).not.toContain(secret)
      }))

    it('expires TOKEN_TTL_MS after issue: then it neither verifies nor renews, and a new one may be issued', () =>
      withStore(async ({ store }) => {
        const { token } = (await store.issueToken(SITE, 'a1', NOW))!
        const end = NOW + TOKEN_TTL_MS
        expect(TOKEN_TTL_MS).toBe(30 * DAY)
        expect(await store.verifyToken(SITE, token, end - 1)).toBe('a1')
        expect(await store.verifyToken(SITE, token, end)).toBeUndefined()
        expect(await store.renewToken(SITE, token, end)).toBeUndefined()
        const next = (await store.issueToken(SITE, 'a1', end))!
        expect(next.token).not.toBe(token)
        expect(await store.verifyToken(SITE, next.token, end)).toBe('a1')
      }))

    it('renews a live token: a new token, the old one stops working, expiry starts again', () =>
      withStore(async ({ store }) => {
        const first = (await store.issueToken(SITE, 'a1', NOW))!
        const at = NOW + 20 * DAY
        const renewed = (await store.renewToken(SITE, first.token, at))!
        expect(renewed).toEqual({
          token: expect.stringMatching(/^a1\.[\w-]{43}$/),
          expiresAt: at + TOKEN_TTL_MS,
        })
        expect(renewed.token).not.toBe(first.token)
        expect(await store.verifyToken(SITE, first.token, at)).toBeUndefined()
        expect(await store.renewToken(SITE, first.token, at)).toBeUndefined()
        // Past the first token's end, inside the second's.
        expect(await store.verifyToken(SITE, renewed.token, NOW + TOKEN_TTL_MS + DAY)).toBe('a1')
        // Still one token per id: renewal did not open the door to a second one.
        expect(await store.issueToken(SITE, 'a1', at)).toBeUndefined()
      }))

    it('renews a token once when two renewals race', () =>
      withStore(async ({ store }) => {
        const { token } = (await store.issueToken(SITE, 'a1', NOW))!
        const answers = await Promise.all([1, 2, 3].map(() => store.renewToken(SITE, token, NOW + DAY)))
        const renewed = answers.filter((a) => a !== undefined)
        expect(renewed).toHaveLength(1)
        expect(await store.verifyToken(SITE, renewed[0]!.token, NOW + DAY)).toBe('a1')
      }))

    it('revokes a token its holder withdraws; then a new one may be issued', () =>
      withStore(async ({ store }) => {
        const { token } = (await store.issueToken(SITE, 'a1', NOW))!
        expect(await store.revokeToken(SITE, forge(token))).toBe(false)
        expect(await store.verifyToken(SITE, token, NOW)).toBe('a1')
        expect(await store.revokeToken(SITE, token)).toBe(true)
        expect(await store.verifyToken(SITE, token, NOW)).toBeUndefined()
        expect(await store.renewToken(SITE, token, NOW)).toBeUndefined()
        expect(await store.revokeToken(SITE, token)).toBe(false)
        expect((await store.issueToken(SITE, 'a1', NOW))!.token).not.toBe(token)
      }))

    it('refuses forged tokens, tokens of another id or site, and malformed ones', () =>
      withStore(async ({ store }) => {
        const { token } = (await store.issueToken(SITE, 'a1', NOW))!
        await store.issueToken(SITE, 'a2', NOW)
        const random = token.split('.')[1]!
        for (const wrong of [
          forge(token),
          `a2.${random}`,
          `a1.${random}x`,
          'a1',
          '',
          `.${random}`,
          `${token}.`,
        ])
          expect(await store.verifyToken(SITE, wrong, NOW), wrong).toBeUndefined()
        expect(await store.verifyToken('other', token, NOW)).toBeUndefined()
        expect(await store.revokeToken('other', token)).toBe(false)
        expect(await store.renewToken('other', token, NOW)).toBeUndefined()
        expect(await store.verifyToken(SITE, token, NOW)).toBe('a1')
      }))

    it('revokes every token of the ids given, and only theirs', () =>
      withStore(async ({ store }) => {
        const tokens = await Promise.all(
          ['a1', 'a2', 'a3'].map(async (a) => (await store.issueToken(SITE, a, NOW))!),
        )
        expect(await store.revokeTokensFor(SITE, ['a1', 'a2', 'never-issued'])).toBe(2)
        expect(await store.revokeTokensFor(SITE, [])).toBe(0)
        const verified = await Promise.all(tokens.map((t) => store.verifyToken(SITE, t.token, NOW)))
        expect(verified).toEqual([undefined, undefined, 'a3'])
      }))

    it('after erasure the same id gets a new token, never the byte-identical old one', () =>
      withStore(async ({ store }) => {
        await store.insertEvents([linkRow({ type: 'page', a: 'a1' })])
        await store.resolveIdentities({}, NOW)
        const before = (await store.issueToken(SITE, 'a1', NOW))!
        await store.eraseProfile(SITE, 'a1', NOW)
        expect(await store.verifyToken(SITE, before.token, NOW)).toBeUndefined()
        const after = (await store.issueToken(SITE, 'a1', NOW))!
        expect(after.token).not.toBe(before.token)
      }))

    it("an admin's erasure of a person revokes the tokens of every device of theirs", () =>
      withStore(async ({ store }) => {
        await store.insertEvents([linkRow({ a: 'phone', u: 'u-ada' }), linkRow({ a: 'laptop', u: 'u-ada' })])
        await store.insertEvents([linkRow({ type: 'page', a: 'someone-else' })])
        await store.resolveIdentities({}, NOW)
        const [phone, laptop, other] = await Promise.all(
          ['phone', 'laptop', 'someone-else'].map(async (a) => (await store.issueToken(SITE, a, NOW))!.token),
        )
        await store.eraseProfile(SITE, 'u-ada', NOW)
        expect(await store.verifyToken(SITE, phone!, NOW)).toBeUndefined()
        expect(await store.verifyToken(SITE, laptop!, NOW)).toBeUndefined()
        expect(await store.verifyToken(SITE, other!, NOW)).toBe('someone-else')
      }))

    it("names the messageId of an id's first stored event: in the order stored, not by its time", () =>
      withStore(async ({ store }) => {
        const first = linkRow({ type: 'page', a: 'a1', t: 5000 })
        await store.insertEvents([first, linkRow({ type: 'page', a: 'a2', t: 1 })])
        await store.insertEvents([linkRow({ type: 'page', a: 'a1', t: 1 })])
        expect(await store.firstMessageOf(SITE, 'a1')).toBe(first.messageId)
        expect(await store.firstMessageOf(SITE, 'nobody')).toBeUndefined()
        expect(await store.firstMessageOf('other', 'a1')).toBeUndefined()
      }))

    it('deletes expired tokens (the daily retention job), and only those', () =>
      withStore(async ({ store, rows }) => {
        await store.issueToken(SITE, 'a1', NOW)
        const later = (await store.issueToken('other', 'a2', NOW + 10 * DAY))!
        expect(await store.deleteExpiredTokens(NOW + TOKEN_TTL_MS - 1)).toBe(0)
        expect(await store.deleteExpiredTokens(NOW + TOKEN_TTL_MS)).toBe(1)
        expect(await rows()).toHaveLength(1)
        expect(await store.verifyToken('other', later.token, NOW + TOKEN_TTL_MS)).toBe('a2')
      }))
  })
