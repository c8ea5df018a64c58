// The abuse drill's attacks on other people's consent and rights, by someone holding the public
// write key (it ships in every page) and, for the ledger, write access to the database but not
// the ledger key: forged consent records for a real visitor's id, a rewritten chain, and rights
// tokens asked for (or squatted on) with ids the attacker merely learned. Each must be refused or
// detected; the refusals go through the drill's own `send`, so the counters check covers them.
import { randomBytes } from 'node:crypto'
import Database from 'better-sqlite3'
import { type ConsentRecord, hashRecord, linkRecord } from '../../collector/ledger/chain.ts'
import { type ConsentRow, fromConsentRow } from '../../collector/ledger/record-row.ts'

export interface Reply {
  status: number
  code: string | undefined
  retryAfter: string | null
}

export interface Attack {
  /** The site the attacks play on: its write key and allowed origin. */
  writeKey: string
  site: string
  origin: string
  dbPath: string
  /** How many hostile requests of each kind. */
  flood: number
  send(path: string, init?: RequestInit): Promise<Reply & { body: unknown }>
  admin(path: string): Promise<Reply & { body: unknown }>
  failures: string[]
}

const GRANTED = { necessary: true, analytics: true, personalization: false, marketing: false }
const ALL = { necessary: true, analytics: true, personalization: true, marketing: true }
const REJECTED = { necessary: true, analytics: false, personalization: false, marketing: false }
const random = () => randomBytes(12).toString('base64url')

const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
})

const choice = (a: Attack, consentId: string, proof: string, purposes: object, timestamp: string) => ({
  writeKey: a.writeKey,
  consentId,
  proof,
  version: 1,
  purposes,
  source: 'banner',
  language: 'en',
  gpc: false,
  timestamp,
})

const expectAll = (a: Attack, what: string, status: number, code: string, replies: Reply[]) => {
  const wrong = replies.find((r) => r.status !== status || r.code !== code)
  if (wrong) a.failures.push(`${what}: ${wrong.status} ${wrong.code ?? ''} instead of ${status} ${code}`)
}

/**
 * A visitor rejects all from their browser; the attacker posts "accept all" records for that
 * consent id from a server (no Origin), dated 2020, with proofs of their own. All are refused and
 * the visitor's history still ends in their rejection. Returns the visitor's consent id.
 */
export const forgeConsent = async (a: Attack) => {
  const victim = `victim-${random()}`
  const proof = random()
  const mine = await a.send(
    '/v1/consent',
    json(choice(a, victim, proof, REJECTED, new Date().toISOString()), { origin: a.origin }),
  )
  if (mine.status !== 200) a.failures.push(`the visitor's own consent record: ${mine.status} ${mine.code}`)
  const forged = await Promise.all(
    Array.from({ length: a.flood }, () =>
      a.send('/v1/consent', json(choice(a, victim, random(), ALL, '2020-01-01T00:00:00.000Z'))),
    ),
  )
  expectAll(a, 'forged consent records for a real id', 403, 'consent_proof_invalid', forged)
  const history = (await a.admin(`/consent/${victim}?site=${a.site}`)).body as { records?: ConsentRecord[] }
  const last = history.records?.at(-1)
  if (history.records?.length !== 1 || last?.purposes.analytics !== false)
    a.failures.push(`the visitor's consent history changed: ${JSON.stringify(history.records)}`)
  return victim
}

/**
 * Someone with the database but not the ledger key makes the visitor's rejection an "accept" and
 * recomputes every later link: first with a guessed key under the real key id, then with the
 * unkeyed formula older records used. `verify` must name the edited record both times.
 */
export const rewriteChain = async (a: Attack, consentId: string) => {
  const rewrite = (link: (r: ConsentRecord, prevHash: string) => { hash: string; keyId: string | null }) => {
    const db = new Database(a.dbPath, { fileMustExist: true, timeout: 10_000 })
    try {
      const rows = db
        .prepare<[string], ConsentRow>('SELECT * FROM consent_records WHERE site = ? ORDER BY seq')
        .all(a.site)
      const records = rows.map(fromConsentRow)
      const from = records.findIndex((r) => r.consentId === consentId)
      const update = db.prepare(
        'UPDATE consent_records SET purposes = ?, prev_hash = ?, hash = ?, key_id = ? WHERE site = ? AND seq = ?',
      )
      db.transaction(() => {
        let prev = records[from - 1]?.hash ?? '0'.repeat(64)
        for (const r of records.slice(from)) {
          const edited = r.consentId === consentId ? { ...r, purposes: ALL } : r
          const { hash, keyId } = link({ ...edited, prevHash: prev }, prev)
          update.run(JSON.stringify(edited.purposes), prev, hash, keyId, a.site, r.seq)
          prev = hash
        }
      })()
      return records[from]!.seq
    } finally {
      db.close()
    }
  }
  const verdicts: string[] = []
  const check = async (how: string, seq: number, reason: string) => {
    const { body } = await a.admin(`/consent/verify?site=${a.site}`)
    const verdict = body as { ok: boolean; brokenAt?: { seq: number; reason: string } }
    verdicts.push(verdict.brokenAt?.reason ?? 'ok')
    if (verdict.ok || verdict.brokenAt?.seq !== seq || verdict.brokenAt.reason !== reason)
      a.failures.push(`a chain rewritten ${how} verified as ${JSON.stringify(verdict)}`)
  }
  const guessed = { id: '', key: randomBytes(32) }
  const seq = rewrite((r, prev) => {
    const keyId = r.keyId ?? ''
    return { keyId, hash: linkRecord({ ...guessed, id: keyId }, prev, r.seq, r) }
  })
  await check('with a guessed key', seq, 'hash mismatch')
  // Unkeyed links need a seal (made with the key), and never follow keyed ones.
  rewrite((r, prev) => ({ keyId: null, hash: hashRecord(prev, r.seq, r) }))
  await check(
    'with the unkeyed formula',
    seq,
    seq === 1 ? 'unkeyed record without a seal' : 'unkeyed record after keyed ones',
  )
  return verdicts
}

/**
 * An id with nothing stored gets no token; someone who learned a visitor's id cannot get its token
 * with any guess of the first event's messageId, nor squat it: the visitor's browser still gets it.
 */
export const squatTokens = async (a: Attack) => {
  const visitor = `visitor-${random()}`
  const first = `first-${random()}`
  const ask = (firstMessageId: string, headers: Record<string, string> = {}) =>
    a.send(
      '/v1/identity/token',
      json({ writeKey: a.writeKey, anonymousId: visitor, firstMessageId }, headers),
    )
  expectAll(a, 'token for an id with nothing stored', 409, 'token_not_ready', [await ask(first)])
  const event = {
    type: 'page',
    anonymousId: visitor,
    messageId: first,
    context: { consent: { categoryPreferences: GRANTED } },
  }
  const stored = await a.send(
    '/v1/batch',
    json({ writeKey: a.writeKey, batch: [event] }, { origin: a.origin }),
  )
  if (stored.status !== 200) a.failures.push(`the visitor's first event: ${stored.status} ${stored.code}`)
  const guesses = await Promise.all(
    Array.from({ length: a.flood }, (_, i) => ask(i === 0 ? visitor : random())),
  )
  expectAll(a, 'token squatting with a known id', 403, 'token_unproven', guesses)
  const real = await ask(first, { origin: a.origin })
  if (real.status !== 200)
    a.failures.push(`the visitor's own token after the attack: ${real.status} ${real.code}`)
}
