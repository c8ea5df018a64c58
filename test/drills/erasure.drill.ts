// Erasure drill: people with several devices, merges, personal traits and events, on SQLite and on
// PostgreSQL, each against a real collector process. Copies of the database are taken before the
// erasure (the files, a pg_dump), everyone is erased through the admin API, their identifiers send
// more events, and then the live files and the copies are searched for every identifier and
// personal value in clear, and the copies' sealed values are tried with the keys that remain.
import { execFileSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import postgres from 'postgres'
import {
  decryptValue,
  envelopeKeyId,
  type JsonValue,
  parseMasterKey,
} from '../../collector/privacy/crypto.ts'
import type { KeyStore } from '../../collector/privacy/keys.ts'
import { DEFAULT_PERSONAL, idAad, SEALED_IDS, traitAad } from '../../collector/privacy/personal.ts'
import { PSEUDONYM_SUBJECT, pseudonymWith } from '../../collector/privacy/pseudonyms.ts'
import { openPostgresKeyStore } from '../../collector/store/postgres/keys.ts'
import { probePostgres } from '../../collector/store/postgres/schema.ts'
import { keyFilePath, openSqliteKeyStore } from '../../collector/store/sqlite/keys.ts'
import {
  ADMIN_TOKEN,
  type Collector,
  DEMO_WRITE_KEY,
  startCollector,
  TEST_MASTER_KEY,
} from '../support/collector-process.ts'
import type { Drill, DrillMode } from './drill.ts'

const PG_URL = process.env.PRECIS_TEST_DATABASE_URL ?? 'postgres://127.0.0.1:5432/test'
const GRANTED = { necessary: true, analytics: true, personalization: false, marketing: false }

interface Person {
  user: string
  devices: string[]
  email: string
  name: string
  phone: string
}

const peopleOf = (run: string, count: number, role: string): Person[] =>
  Array.from({ length: count }, (_, i) => ({
    user: `${role}-user-${run}-${i}`,
    devices: ['a', 'b', 'c'].map((d) => `${role}-device-${run}-${i}${d}`),
    email: `${role}.${i}.${run}@example.com`,
    name: `${role} Name ${run} ${i}`,
    phone: `+44 7700 ${run.slice(0, 3)}${role === 'kept' ? 9 : 1}${String(i).padStart(3, '0')}`,
  }))

/** Every string that must not be found once the person is erased. */
const secretsOf = (p: Person) => [p.user, ...p.devices, p.email, p.name, p.phone]
const personalOf = (p: Person) => [p.email, p.name, p.phone]

let n = 0
const event = (fields: Record<string, unknown>) => ({
  type: 'track',
  event: 'Drill Viewed',
  messageId: `erasure-${process.pid}-${++n}`,
  timestamp: new Date().toISOString(),
  context: { consent: { categoryPreferences: GRANTED } },
  ...fields,
})

/** Two devices signed in, one known only by the email, and some tracks on each. */
const eventsOf = (p: Person) => [
  event({
    type: 'identify',
    anonymousId: p.devices[0],
    userId: p.user,
    traits: { email: p.email, name: p.name, phone: p.phone },
  }),
  event({ type: 'identify', anonymousId: p.devices[1], userId: p.user, traits: { name: p.name } }),
  event({ type: 'identify', anonymousId: p.devices[2], traits: { email: p.email } }),
  ...p.devices.flatMap((d) => [1, 2, 3].map((i) => event({ anonymousId: d, properties: { i } }))),
]

const api =
  (c: Collector) =>
  async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${c.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    })
    return { status: res.status, body: (await res.json()) as Record<string, unknown> }
  }

const send = async (c: Collector, events: unknown[]) => {
  for (let i = 0; i < events.length; i += 100) {
    const res = await api(c)('/v1/batch', {
      method: 'POST',
      body: JSON.stringify({ writeKey: DEMO_WRITE_KEY, batch: events.slice(i, i + 100) }),
    })
    if (res.status !== 200) throw new Error(`batch refused: ${JSON.stringify(res.body)}`)
  }
}

/** The envelopes in a copy of the data, found in its raw bytes. */
const envelopesIn = (bytes: Buffer) => [
  ...new Set(bytes.toString('latin1').match(/enc:v1:[\w-]+:[\w-]+/g) ?? []),
]

/** Every position a sealed value may have: the personal traits and the sealed ids. */
const AADS = [
  ...DEFAULT_PERSONAL.traits.map((name) => traitAad('demo', name)),
  ...SEALED_IDS.map((name) => idAad('demo', name)),
]

/** Opens what it can with the keys that remain; every position is tried in turn (none is known). */
const openWith = async (keys: KeyStore, envelopes: string[]) => {
  const found = await keys.keysById(
    'demo',
    envelopes.map((e) => envelopeKeyId(e)!),
  )
  const opened: JsonValue[] = []
  let closed = 0
  for (const envelope of envelopes) {
    const key = found.get(envelopeKeyId(envelope)!)
    const value = key
      ? AADS.map((aad) => {
          try {
            return decryptValue(key, envelope, aad)
          } catch {
            return undefined
          }
        }).find((v) => v !== undefined)
      : undefined
    if (value === undefined) closed++
    else opened.push(value)
  }
  return { opened, closed }
}

interface Target {
  label: string
  env: Record<string, string>
  /** Copies of the data as a backup would take them: file copies, or a pg_dump. */
  copy(c: Collector, dir: string, tag: string): Buffer
  keys(c: Collector): Promise<KeyStore>
  done(): Promise<void>
}

const sqliteTarget = (): Target => ({
  label: 'sqlite',
  env: {},
  copy: (c, dir, tag) =>
    Buffer.concat(
      [c.dbPath, `${c.dbPath}-wal`]
        .filter((f) => existsSync(f))
        .map((f, i) => {
          const to = join(dir, `${tag}-${i}`)
          copyFileSync(f, to)
          return readFileSync(to)
        }),
    ),
  keys: async (c) => openSqliteKeyStore(keyFilePath(c.dbPath), { master: parseMasterKey(TEST_MASTER_KEY) }),
  done: async () => {},
})

const postgresTarget = (): Target => {
  const schema = `precis_drill_erasure_${crypto.randomUUID().replaceAll('-', '').slice(0, 12)}`
  const url = `${PG_URL}?search_path=${schema}`
  return {
    label: 'postgres',
    env: { DATABASE_URL: url },
    // The data schema only, as docs/privacy-keys.md says to back it up: the keys go elsewhere.
    copy: () => execFileSync('pg_dump', ['--no-owner', '-n', schema, PG_URL], { maxBuffer: 1 << 30 }),
    keys: () => openPostgresKeyStore(PG_URL, { schema, master: parseMasterKey(TEST_MASTER_KEY) }),
    done: async () => {
      const sql = postgres(PG_URL, { max: 1, onnotice: () => {} })
      await sql`DROP SCHEMA IF EXISTS ${sql(schema)} CASCADE`
      await sql`DROP SCHEMA IF EXISTS ${sql(`${schema}_keys`)} CASCADE`
      await sql.end()
    },
  }
}

const runOn = async (target: Target, erased: Person[], kept: Person[]) => {
  const failures: string[] = []
  const dir = mkdtempSync(join(tmpdir(), 'precis-erasure-'))
  const collector = await startCollector({ env: target.env })
  try {
    const everyone = [...erased, ...kept]
    await send(collector, everyone.flatMap(eventsOf))
    // Ids are stored as pseudonyms: computed here with the site's pseudonym key, as its owner could.
    const pseudonymKeys = await target.keys(collector)
    const pseudonym = pseudonymWith((await pseudonymKeys.keyFor('demo', PSEUDONYM_SUBJECT)).key)
    await pseudonymKeys.close()
    // Resolved: every device of every person is in their profile (reads catch resolution up).
    for (const p of everyone) {
      const { body } = await api(collector)(`/admin/api/profiles/${p.user}?site=demo`)
      const held = ((body.profile as { identifiers?: { value: string }[] })?.identifiers ?? []).map(
        (i) => i.value,
      )
      if (!p.devices.every((d) => held.includes(pseudonym(d))))
        failures.push(`${target.label}: ${p.user} not merged`)
    }
    const before = target.copy(collector, dir, 'before')
    for (const p of erased) {
      const res = await api(collector)(`/admin/api/profiles/${p.user}?site=demo`, { method: 'DELETE' })
      if (res.status !== 200) failures.push(`${target.label}: erasing ${p.user} answered ${res.status}`)
    }
    // The erased come back: their devices, their user ids, their email on a new device.
    await send(
      collector,
      erased.flatMap((p) => [
        ...p.devices.map((d) => event({ anonymousId: d })),
        event({ userId: p.user, anonymousId: `${p.devices[0]}-new` }),
        event({ type: 'identify', anonymousId: `${p.devices[0]}-fresh`, traits: { email: p.email } }),
      ]),
    )
    await api(collector)(`/admin/api/profiles/${kept[0]!.user}?site=demo`) // resolution caught up
    const live = target.copy(collector, dir, 'after')
    const keyFiles =
      target.label === 'sqlite'
        ? Buffer.concat(
            [keyFilePath(collector.dbPath), `${keyFilePath(collector.dbPath)}-wal`]
              .filter((f) => existsSync(f))
              .map((f) => readFileSync(f)),
          )
        : Buffer.alloc(0)
    const liveFound = erased.flatMap(secretsOf).filter((s) => live.includes(s) || keyFiles.includes(s))
    if (liveFound.length > 0)
      failures.push(`${target.label}: erased values readable live: ${liveFound.slice(0, 3)}`)
    const copyPersonal = everyone.flatMap(personalOf).filter((s) => before.includes(s))
    if (copyPersonal.length > 0)
      failures.push(`${target.label}: personal values in clear in the copy: ${copyPersonal.slice(0, 3)}`)
    const keptOk = kept.every((p) => live.includes(pseudonym(p.user)))
    if (!keptOk) failures.push(`${target.label}: a kept person's data went too`)
    // The copy's sealed values, tried with the keys that remain after the erasure.
    const keys = await target.keys(collector)
    const envelopes = envelopesIn(before)
    const { opened, closed } = await openWith(keys, envelopes)
    await keys.close()
    // Their personal values and their user ids (sealed beside the pseudonyms) stay shut.
    const reopened = erased.flatMap((p) => [...personalOf(p), p.user]).filter((s) => opened.includes(s))
    if (reopened.length > 0) failures.push(`${target.label}: the copy reopened ${reopened.slice(0, 3)}`)
    if (!kept.flatMap((p) => [...personalOf(p), p.user]).every((s) => opened.includes(s)))
      failures.push(`${target.label}: the kept people's sealed values no longer open`)
    if (closed < erased.length * 3)
      failures.push(`${target.label}: too few sealed values in the copy (${closed})`)
    // User ids and device ids are kept only as pseudonyms: none of them is in the copy in clear.
    const clearIds = everyone.flatMap((p) => [p.user, ...p.devices]).filter((s) => before.includes(s))
    if (clearIds.length > 0)
      failures.push(`${target.label}: ids in clear in the copy: ${clearIds.slice(0, 3)}`)
    return {
      failures,
      figures: {
        [`${target.label} sealed values in copy`]: envelopes.length,
        [`${target.label} unopenable after erasure`]: closed,
        [`${target.label} ids in clear in copy`]: clearIds.length,
      },
    }
  } finally {
    await collector.stop()
    await target.done()
    rmSync(dir, { recursive: true, force: true })
  }
}

export const drill: Drill = {
  name: 'erasure',
  summary:
    'people with devices, merges and personal traits on SQLite and PostgreSQL; copies before erasure; erase; they send again; search live files and copies',
  async run(mode: DrillMode) {
    const started = Date.now()
    const run = crypto.randomUUID().slice(0, 8)
    const [erasedCount, keptCount] = mode === 'short' ? [3, 2] : [40, 20]
    const erased = peopleOf(run, erasedCount, 'erased')
    const kept = peopleOf(run, keptCount, 'kept')
    const failures: string[] = []
    const figures: Record<string, string | number> = {
      'people erased': erasedCount,
      'people kept': keptCount,
    }
    const targets = [sqliteTarget()]
    const pg = await probePostgres(PG_URL)
    if (!pg) targets.push(postgresTarget())
    else if (process.env.CI === 'true') failures.push(`PostgreSQL unreachable at ${PG_URL} (${pg})`)
    else figures.postgres = `skipped (${pg})`
    for (const target of targets) {
      const result = await runOn(target, erased, kept)
      failures.push(...result.failures)
      Object.assign(figures, result.figures)
    }
    figures.seconds = Math.round((Date.now() - started) / 1000)
    return { name: 'erasure', figures, failures }
  },
}
