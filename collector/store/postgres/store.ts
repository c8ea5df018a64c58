// The PostgreSQL Store: any number of collectors share one database (DATABASE_URL=postgres://…).
import { randomBytes } from 'node:crypto'
import { insertWithoutSuppressed } from '../../identity/suppression.ts'
import type { Shred } from '../../identity/types.ts'
import { type MasterKey, masterKey } from '../../privacy/crypto.ts'
import type { KeyStore } from '../../privacy/keys.ts'
import { pseudonymsOf } from '../../privacy/pseudonyms.ts'
import { forgetSubjects, insertSealed, revealRows, revealTraits } from '../../privacy/sealing.ts'
import { REPORTS_SYNC_EVERY_MS } from '../../reports/types.ts'
import type { Store } from '../types.ts'
import { ACCESS_MIGRATIONS, postgresAccess } from './access.ts'
import { AUDIENCES_MIGRATIONS, postgresAudiences } from './audiences.ts'
import { CONFIG_MIGRATIONS, postgresConfig } from './config.ts'
import { postgresConsentStats } from './consent-stats.ts'
import { DELIVERIES_MIGRATIONS, postgresDeliveries } from './deliveries.ts'
import { postgresEvents } from './events.ts'
import { EXPERIMENTS_MIGRATIONS, postgresExperiments } from './experiments.ts'
import { IDENTITY_MIGRATIONS, postgresIdentity, secretReader } from './identity.ts'
import { JOURNEYS_MIGRATIONS, postgresJourneys } from './journeys.ts'
import { openPostgresKeyStore } from './keys.ts'
import { LEDGER_MIGRATIONS, postgresLedger } from './ledger.ts'
import { postgresOwn } from './own.ts'
import { PERSONALIZATION_MIGRATIONS, postgresPersonalization } from './personalization.ts'
import { postgresReportHits } from './report-hits.ts'
import { postgresReports, REPORTS_MIGRATIONS } from './reports.ts'
import { BASE_MIGRATIONS, connect, type Migration, migrate } from './schema.ts'
import { postgresSpend, SPEND_MIGRATIONS } from './spend.ts'

/** Every area's migrations, in the order they run on a new database. */
export const MIGRATIONS: readonly Migration[] = [
  ...BASE_MIGRATIONS,
  ...IDENTITY_MIGRATIONS,
  ...LEDGER_MIGRATIONS,
  ...PERSONALIZATION_MIGRATIONS,
  ...EXPERIMENTS_MIGRATIONS,
  ...CONFIG_MIGRATIONS,
  ...ACCESS_MIGRATIONS,
  ...REPORTS_MIGRATIONS,
  ...SPEND_MIGRATIONS,
  ...DELIVERIES_MIGRATIONS,
  ...JOURNEYS_MIGRATIONS,
  ...AUDIENCES_MIGRATIONS,
]

export interface PostgresOptions {
  /**
   * The schema every table lives in, created if missing. Default: the URL's `?search_path=`, else
   * the server's default (public).
   */
  schema?: string
  /** Connections in this process's pool. */
  max?: number
  newId?: () => string
  /**
   * Wraps the data keys (privacy/keys.ts), which live in the schema `<schema>_keys`. Default: a
   * key made for this process only (tests); the Node entry always passes PRECIS_MASTER_KEY.
   */
  master?: MasterKey
  /** Retiring masters during a rotation: unwrap only. */
  previousMasters?: readonly MasterKey[]
  /** How often resolution also brings the report tables up to date (ms; default REPORTS_SYNC_EVERY_MS). */
  reportsSyncMs?: number | undefined
}

const PROCESS_MASTER = masterKey(randomBytes(32))

/** Connects and migrates (see migrate); resolves when the store is ready. */
export const openPostgresStore = async (url: string, options: PostgresOptions = {}): Promise<Store> => {
  const schema = options.schema ?? new URL(url).searchParams.get('search_path') ?? undefined
  if (schema) {
    const admin = connect(url, { max: 1 })
    // IF NOT EXISTS still races another collector creating it: take turns.
    await admin.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(hashtext('precis.schemas'))`
      await tx`CREATE SCHEMA IF NOT EXISTS ${tx(schema)}`
    })
    await admin.end()
  }
  const sql = connect(url, { schema, max: options.max })
  try {
    await migrate(sql, MIGRATIONS)
  } catch (err) {
    await sql.end()
    throw err
  }
  let closing = false
  const secret = secretReader(sql)
  let keys: KeyStore
  try {
    keys = await openPostgresKeyStore(url, {
      schema,
      master: options.master ?? PROCESS_MASTER,
      previous: options.previousMasters ?? [],
    })
  } catch (err) {
    await sql.end()
    throw err
  }
  const shred: Shred = async (site, ids) => forgetSubjects(keys, await secret(), site, ids)
  const identity = postgresIdentity(
    sql,
    options.newId ?? (() => crypto.randomUUID()),
    secret,
    shred,
    () => closing,
  )
  const events = postgresEvents(sql)
  // Sites that erased someone stay so; a site not yet known to is asked again after a second (an
  // erasure by another collector; the resolver drops what passes meanwhile).
  const erasing = new Set<string>()
  let askedAt = new Map<string, number>()
  const suppressing = async (sites: string[]) => {
    const now = Date.now()
    const ask = sites.filter((s) => !erasing.has(s) && now - (askedAt.get(s) ?? 0) >= 1000)
    if (ask.length > 0) {
      if (askedAt.size > 10_000) askedAt = new Map()
      for (const s of ask) askedAt.set(s, now)
      const found = await sql<{ site: string }[]>`
        SELECT s.site FROM unnest(${ask}::text[]) AS s(site)
        WHERE EXISTS (SELECT 1 FROM suppressions x WHERE x.site = s.site)`
      for (const { site } of found) erasing.add(site)
    }
    return new Set(sites.filter((s) => erasing.has(s)))
  }
  const own = postgresOwn(sql, secret, shred)
  const reports = { ...postgresReports(sql), ...postgresReportHits(sql) }
  let reportsSynced = Number.NEGATIVE_INFINITY
  return {
    ...events,
    pseudonyms: pseudonymsOf(keys),
    revealEvents: (rows, rules) => revealRows(rows, rules, keys),
    revealTraits: (site, traits, rules) => revealTraits(site, traits, rules, keys),
    insertEvents: insertWithoutSuppressed(insertSealed(events.insertEvents, secret, keys), {
      secret,
      suppressing,
      suppressed: async (site, hashes) =>
        new Set(
          (
            await sql<{ hash: string }[]>`
              SELECT hash FROM suppressions WHERE site = ${site} AND hash = ANY(${hashes}::text[])`
          ).map((r) => r.hash),
        ),
    }),
    ...postgresLedger(sql),
    ...postgresConsentStats(sql),
    ...identity,
    ...own,
    // This collector's own erasures count at once.
    eraseProfile: async (site, key, now) => {
      erasing.add(site)
      return identity.eraseProfile(site, key, now)
    },
    eraseOwn: async (site, anonymousId, settings, now) => {
      erasing.add(site)
      return own.eraseOwn(site, anonymousId, settings, now)
    },
    ...postgresPersonalization(sql),
    ...postgresExperiments(sql),
    ...postgresConfig(sql),
    ...postgresAccess(sql),
    ...reports,
    ...postgresSpend(sql),
    ...postgresDeliveries(sql),
    ...postgresJourneys(sql),
    ...postgresAudiences(sql),
    // A resolution kicked as the collector stops is left to the others (or the next start): the
    // queue keeps what it has not folded in. Report rows follow it at most every
    // options.reportsSyncMs; readers sync before they read.
    resolveIdentities: async (settings, now) => {
      if (closing) return 0
      const processed = await identity.resolveIdentities(settings, now)
      if (now - reportsSynced >= (options.reportsSyncMs ?? REPORTS_SYNC_EVERY_MS) && !closing) {
        reportsSynced = now
        await reports.syncReports()
      }
      return processed
    },
    close: async () => {
      closing = true
      await Promise.all([sql.end({ timeout: 5 }), keys.close()])
    },
  }
}
