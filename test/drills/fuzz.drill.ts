// Fuzz: thousands of generated payloads to the ingest and consent endpoints, in process against a
// real SQLite store (fast), then raw bytes over sockets to a real collector process. Every answer
// is a 200 or a 4xx with a known code, valid events are stored exactly once and nothing else is,
// no prototype is polluted, and the process stays up with bounded memory.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { createApp } from '../../collector/app.ts'
import { parseConfig } from '../../collector/config/site-config.ts'
import { ERROR_CODES } from '../../collector/errors.ts'
import { openSqliteStore } from '../../collector/store/sqlite/store.ts'
import { NOW } from '../support/collector-app.ts'
import { TEST_LEDGER_KEYRING } from '../support/ledger-keys.ts'
import type { Drill, DrillMode } from './drill.ts'
import { cases } from './fuzz-cases.ts'
import { ALLOWED_ORIGIN, type Case, SERVER_KEY, UNLIMITED, WRITE_KEY } from './fuzz-payloads.ts'
import { runRaw } from './fuzz-raw.ts'

/** In-process payloads; DRILL_PAYLOADS overrides, DRILL_SEED replays a run. */
const PAYLOADS: Record<DrillMode, number> = { short: 2_000, full: 20_000 }
const CHUNK = 500
/** Requests in flight at once: the store's writer batches them as it would a busy server's. */
const CONCURRENCY = 8
/** Every this many acknowledged ingest requests, one is sent again: it must store nothing new. */
const REPLAY_EVERY = 25
/** The collector's RSS may grow this much over its idle size during the raw phase. */
const RSS_BUDGET_MB = 250

const KNOWN = new Set(Object.keys(ERROR_CODES).filter((code) => code !== 'internal'))

/** Object.prototype and Array.prototype as they were: any fuzz payload that changes them fails. */
const protoSnapshot = () =>
  JSON.stringify([
    Object.getOwnPropertyNames(Object.prototype).sort(),
    Object.getOwnPropertyNames(Array.prototype).sort(),
    Object.getPrototypeOf(Object.prototype),
  ])

const top = (counts: Record<string, number>, n: number) =>
  Object.entries(counts)
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => `${k} ${v}`)
    .join(' / ')

const sameList = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((x, i) => x === b[i])

interface Answer {
  success?: boolean
  accepted?: number
  inserted?: number
  duplicates?: number
  rejected?: { index: number; code: string }[]
  error?: { code?: unknown; message?: unknown }
}

export const drill: Drill = {
  name: 'fuzz',
  summary:
    'generated and raw malformed payloads to ingest and consent: only 200/4xx with known codes, exact storage',
  async run(mode) {
    const total = Number(process.env.DRILL_PAYLOADS ?? PAYLOADS[mode])
    const seed = Number(process.env.DRILL_SEED ?? Date.now() % 1_000_000)
    const failures: string[] = []
    const fail = (msg: string) => {
      // Keep the report readable: the first few of each kind are enough to reproduce with the seed.
      if (failures.length < 30) failures.push(msg)
    }

    const dir = mkdtempSync(join(tmpdir(), 'precis-drill-fuzz-'))
    const dbPath = join(dir, 'fuzz.db')
    const store = openSqliteStore(dbPath)
    const internal: string[] = []
    let generated = 0
    const app = createApp({
      store,
      clock: { now: () => NOW },
      randomId: () => `generated-${++generated}`,
      log: (err) => internal.push(err instanceof Error ? err.message : String(err)),
      config: {
        ledgerKeys: TEST_LEDGER_KEYRING,
        sites: parseConfig({
          sites: [
            {
              id: 'demo',
              writeKey: WRITE_KEY,
              serverKey: SERVER_KEY,
              allowedOrigins: [ALLOWED_ORIGIN],
              rateLimit: UNLIMITED,
            },
          ],
        }),
        adminToken: undefined,
      },
    })

    const before = protoSnapshot()
    const started = performance.now()
    const codes: Record<string, number> = {}
    const expectedEvents = new Set<string>()
    const expectedConsents = new Set<string>()
    let sent = 0
    let fiveHundreds = 0
    let replays = 0
    let acknowledged = 0
    let peakRss = process.memoryUsage().rss
    let storedEvents = 0
    let storedConsents = 0

    const check = async (c: Case, res: Response, replay: boolean) => {
      const text = await res.text()
      let body: Answer
      try {
        body = JSON.parse(text) as Answer
      } catch {
        return fail(`${c.kind} → ${res.status} with a body that is not JSON: ${text.slice(0, 80)}`)
      }
      const where = `${c.kind} (${c.path}, ${c.body.length} chars: ${c.body.slice(0, 60)})`
      if (res.status >= 500) {
        fiveHundreds++
        return fail(`${where} → ${res.status}: ${internal.at(-1) ?? ''}`)
      }
      if (res.status !== 200) {
        const code = String(body.error?.code)
        codes[code] = (codes[code] ?? 0) + 1
        if (!KNOWN.has(code) || typeof body.error?.message !== 'string') {
          return fail(`${where} → ${res.status} without a known code: ${text.slice(0, 120)}`)
        }
        if (ERROR_CODES[code as keyof typeof ERROR_CODES] !== res.status) {
          fail(
            `${where} → ${res.status} with code ${code}, which means ${ERROR_CODES[code as keyof typeof ERROR_CODES]}`,
          )
        }
        if (c.stores.length > 0)
          fail(`${where} → ${res.status} ${code}, but it holds valid ${c.stores.join(', ')}`)
        else if (c.code && c.code !== code) fail(`${where} → ${code}, expected ${c.code}`)
        return
      }
      if (c.stores.length === 0)
        return fail(`${where} → 200 for a payload with nothing valid: ${text.slice(0, 120)}`)
      if (c.path === '/v1/consent') {
        for (const id of c.stores) expectedConsents.add(id)
        return
      }
      acknowledged++
      const rejected = (body.rejected ?? []).map((r) => r.index)
      if (body.accepted !== c.stores.length || !sameList(rejected, c.rejected)) {
        fail(
          `${where} → accepted ${body.accepted}, rejected [${rejected}]; expected ${c.stores.length}, [${c.rejected}]`,
        )
      }
      const fresh = replay ? 0 : c.stores.length
      if (body.inserted !== fresh || body.duplicates !== c.stores.length - fresh) {
        fail(
          `${where}${replay ? ' (replayed)' : ''} → inserted ${body.inserted}, duplicates ${body.duplicates}`,
        )
      }
      for (const id of c.stores) expectedEvents.add(id)
    }

    const send = async (c: Case, replay = false) => {
      sent++
      const res = await app.request(c.path, { method: 'POST', headers: c.headers, body: c.body })
      await check(c, res, replay)
      if (!replay && res.status === 200 && c.path !== '/v1/consent' && acknowledged % REPLAY_EVERY === 0) {
        // A client retrying a request it saw acknowledged: everything is a duplicate.
        replays++
        await send(c, true)
      }
    }

    try {
      for (let offset = 0; offset < total; offset += CHUNK) {
        const chunk = cases(Math.min(CHUNK, total - offset), seed + offset, offset)
        let next = 0
        const worker = async () => {
          while (next < chunk.length) await send(chunk[next++]!)
        }
        await Promise.all(Array.from({ length: CONCURRENCY }, worker))
        peakRss = Math.max(peakRss, process.memoryUsage().rss)
        if (({} as { polluted?: unknown }).polluted !== undefined || protoSnapshot() !== before) {
          fail(`a prototype changed after payloads ${offset}–${offset + chunk.length}`)
          break
        }
      }
    } finally {
      const chain = await store.consentChain('demo')
      await store.close()
      const consentIds = chain.map((r) => r.consentId)
      const db = new Database(dbPath, { readonly: true })
      const eventIds = (
        db.prepare("SELECT message_id AS id FROM events WHERE site = 'demo'").all() as { id: string }[]
      ).map((r) => r.id)
      db.close()
      compare('event', eventIds, expectedEvents, fail)
      compare('consent record', consentIds, expectedConsents, fail)
      storedEvents = eventIds.length
      storedConsents = consentIds.length
    }

    const inProcessSeconds = (performance.now() - started) / 1000
    const raw = await runRaw(mode)
    for (const f of raw.failures) fail(f)
    for (const [code, n] of Object.entries(raw.codes)) codes[code] = (codes[code] ?? 0) + n
    if (raw.rssMb.peak > raw.rssMb.start + RSS_BUDGET_MB) {
      fail(`collector RSS grew from ${raw.rssMb.start.toFixed(0)} MB to ${raw.rssMb.peak.toFixed(0)} MB`)
    }

    return {
      name: 'fuzz',
      figures: {
        seed,
        payloads: sent,
        'raw cases': raw.cases,
        '5xx': fiveHundreds + raw.fiveHundreds,
        '4xx': top(codes, 4),
        'events stored / valid sent': `${storedEvents + raw.stored} / ${expectedEvents.size + raw.validSent}`,
        'consent stored / valid sent': `${storedConsents} / ${expectedConsents.size}`,
        replays,
        phases: `${inProcessSeconds.toFixed(0)} s in process, ${((performance.now() - started) / 1000 - inProcessSeconds).toFixed(0)} s raw`,
        'peak RSS': `collector ${raw.rssMb.start.toFixed(0)} → ${raw.rssMb.peak.toFixed(0)} MB (end ${raw.rssMb.end.toFixed(0)}), in-process ${(peakRss / 2 ** 20).toFixed(0)} MB`,
      },
      failures,
    }
  },
}

/** The store holds each expected id once and nothing else. */
const compare = (what: string, ids: string[], expected: Set<string>, fail: (msg: string) => void) => {
  const stored = new Set(ids)
  const unexpected = ids.filter((id) => !expected.has(id))
  const missing = [...expected].filter((id) => !stored.has(id))
  if (unexpected.length > 0)
    fail(`${unexpected.length} ${what}s stored that should not be: ${unexpected.slice(0, 5).join(', ')}`)
  if (missing.length > 0)
    fail(`${missing.length} acknowledged ${what}s missing: ${missing.slice(0, 5).join(', ')}`)
  if (ids.length !== stored.size) fail(`${ids.length - stored.size} ${what}s stored twice`)
}
