// Rights tokens against the real collector process, as an attacker meets them: over HTTP, with the
// database as its owner leaves it. Expired, revoked, forged and other sites' tokens are refused,
// and an erased id never gets its old token back.
import Database from 'better-sqlite3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ownerHash } from '../collector/identity/tokens.ts'
import { type Collector, DEMO_WRITE_KEY, startCollector } from './support/collector-process.ts'

const OTHER_WRITE_KEY = 'other-write-key-0001'
let collector: Collector

beforeAll(async () => {
  collector = await startCollector({
    extraSites: [{ id: 'other', writeKey: OTHER_WRITE_KEY, allowedOrigins: [] }],
  })
})
afterAll(async () => {
  await collector.stop()
})

/** Node sends no Origin header: the collector treats the call as server-side, as curl would be. */
const call = async (path: string, body: object) => {
  const res = await fetch(`${collector.url}/v1/identity/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ writeKey: DEMO_WRITE_KEY, ...body }),
  })
  return { status: res.status, body: await res.json() }
}
/** The browser that sent the id's first event asks with its messageId. */
const issue = async (anonymousId: string, firstMessageId = `${anonymousId}-1`) => {
  const res = await call('token', { anonymousId, firstMessageId })
  expect(res.status).toBe(200)
  return res.body as { token: string; expiresAt: string }
}
const refusal = (res: { status: number; body: { error?: { code: string } } }) => [
  res.status,
  res.body.error?.code,
]
const visit = async (anonymousId: string, messageId = `${anonymousId}-1`) => {
  const res = await fetch(`${collector.url}/v1/batch`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      writeKey: DEMO_WRITE_KEY,
      batch: [
        {
          type: 'track',
          event: 'Viewed',
          anonymousId,
          messageId,
          // Made with analytics consent, as the browser stamps it: the write key stores nothing else.
          context: { consent: { categoryPreferences: { necessary: true, analytics: true } } },
        },
      ],
    }),
  })
  expect(res.status).toBe(200)
}

/** The owner's own database: read and written beside the running collector. */
const database = <T>(fn: (db: Database.Database) => T): T => {
  const db = new Database(collector.dbPath, { fileMustExist: true, timeout: 10_000 })
  try {
    return fn(db)
  } finally {
    db.close()
  }
}

describe('rights tokens against the running collector', () => {
  it('refuses an expired token: no download, no renewal; the browser may then ask for a new one', async () => {
    await visit('expiring-visitor')
    const { token } = await issue('expiring-visitor')
    expect((await call('export', { token })).status).toBe(200)
    // Time passes (the clock is the process's own): the owner's row says it expired a moment ago.
    const stored = await collector.pseudonym('expiring-visitor')
    database((db) => {
      const secret = (db.prepare("SELECT value FROM meta WHERE key = 'secret'").get() as { value: string })
        .value
      const owner = ownerHash(secret, 'demo', stored)
      const moved = db
        .prepare('UPDATE rights_tokens SET issued_at = ?, expires_at = ? WHERE site = ? AND owner = ?')
        .run(Date.now() - 31 * 86_400_000, Date.now() - 1000, 'demo', owner).changes
      expect(moved).toBe(1)
    })
    expect(refusal(await call('export', { token }))).toEqual([403, 'invalid_token'])
    expect(refusal(await call('delete', { token }))).toEqual([403, 'invalid_token'])
    expect(refusal(await call('token/renew', { token }))).toEqual([403, 'invalid_token'])
    const next = await issue('expiring-visitor')
    expect(next.token).not.toBe(token)
    expect((await call('export', { token: next.token })).status).toBe(200)
  })

  it('refuses a revoked token everywhere', async () => {
    await visit('withdrawing-visitor')
    const { token } = await issue('withdrawing-visitor')
    expect(await call('revoke', { token })).toEqual({ status: 200, body: { success: true } })
    for (const path of ['export', 'delete', 'token/renew', 'revoke'])
      expect(refusal(await call(path, { token })), path).toEqual([403, 'invalid_token'])
  })

  it('refuses forged tokens: a changed character, a borrowed random part, a made-up one, the bare id', async () => {
    await visit('victim')
    await visit('attacker')
    const { token } = await issue('victim')
    const mine = await issue('attacker')
    const random = token.split('.')[1]!
    const forgeries = [
      `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`,
      `victim.${mine.token.split('.')[1]}`,
      `attacker.${random}`,
      `victim.${'A'.repeat(43)}`,
      'victim',
      `${token}.`,
    ]
    for (const forged of forgeries) {
      for (const path of ['export', 'delete', 'token/renew', 'revoke'])
        expect(refusal(await call(path, { token: forged })), `${path} ${forged}`).toEqual([
          403,
          'invalid_token',
        ])
    }
    // Asking for the victim's token again is refused while theirs is live.
    const again = await call('token', { anonymousId: 'victim', firstMessageId: 'victim-1' })
    expect(refusal(again)).toEqual([409, 'token_already_issued'])
    // None of it touched the victim's token.
    expect((await call('export', { token })).status).toBe(200)
  })

  it("refuses a token on another site's write key", async () => {
    await visit('visitor-of-demo')
    const { token } = await issue('visitor-of-demo')
    for (const path of ['export', 'delete', 'token/renew', 'revoke'])
      expect(refusal(await call(path, { token, writeKey: OTHER_WRITE_KEY })), path).toEqual([
        403,
        'invalid_token',
      ])
    expect((await call('export', { token })).status).toBe(200)
  })

  it('after deletion the old token is dead and the erased id gets no other (the browser starts a new id)', async () => {
    await visit('erased-visitor')
    const { token } = await issue('erased-visitor')
    expect((await call('delete', { token })).status).toBe(200)
    expect(refusal(await call('export', { token }))).toEqual([403, 'invalid_token'])
    // Its later events are dropped, so nothing is ever stored for it again.
    await visit('erased-visitor', 'erased-visitor-2')
    for (const firstMessageId of ['erased-visitor-1', 'erased-visitor-2']) {
      const again = await call('token', { anonymousId: 'erased-visitor', firstMessageId })
      expect(refusal(again)).toEqual([409, 'token_not_ready'])
    }
  })

  it("an attacker who knows a visitor's id gets no token for it and cannot squat it", async () => {
    const ask = (anonymousId: string, firstMessageId: string) =>
      call('token', { anonymousId, firstMessageId })
    expect(refusal(await ask('quiet-visitor', 'quiet-visitor-1'))).toEqual([409, 'token_not_ready'])
    await visit('quiet-visitor')
    await visit('quiet-visitor', 'quiet-visitor-2')
    for (const guess of ['quiet-visitor-2', 'quiet-visitor', 'guess-1'])
      expect(refusal(await ask('quiet-visitor', guess)), guess).toEqual([403, 'token_unproven'])
    const { token } = await issue('quiet-visitor')
    expect((await call('export', { token })).body.events).toHaveLength(2)
  })

  it('keeps no token and no anonymousId in clear in rights_tokens', async () => {
    await visit('clear-text-visitor')
    const { token } = await issue('clear-text-visitor')
    const rows = database((db) => db.prepare('SELECT * FROM rights_tokens').all())
    const text = JSON.stringify(rows)
    expect(text).not.toContain('clear-text-visitor')
    expect(text).not.toContain(token.split('.')[1])
  })
})
