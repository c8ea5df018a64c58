// What keeping the report tables (rows, visit summaries, hours) costs ingest: the collector with
// them made every second beside the same collector that leaves them to the first report read,
// alternated twice (a slow moment of the machine falls on both), each on a fresh SQLite file.
// Every batch is a visit of a device of its own, so the tables get a summary per batch.
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { CONNECTIONS, load, SECONDS, startServer, stop } from './server-load.ts'

/** PRECIS_REPORTS_SYNC_MS of each side: every second, or not within a phase (a day). */
const SIDES = { deferred: 86_400_000, kept: 1000 } as const

/** The limit: ingest falls by at most 10 % with the tables kept. */
export const REPORTS_COST_LIMIT = 0.9

export const measureReportsCost = async (config: string, dir: string) => {
  const perSecond = { deferred: 0, kept: 0 }
  const summaries = { deferred: 0, kept: 0 }
  for (let round = 0; round < 2; round++)
    for (const side of ['deferred', 'kept'] as const) {
      const dbPath = join(dir, `reports-cost-${side}-${round}.db`)
      const { url, child } = await startServer(['collector/node.ts'], {
        PRECIS_CONFIG: config,
        DATABASE_URL: `sqlite:${dbPath}`,
        PRECIS_REPORTS_SYNC_MS: String(SIDES[side]),
      })
      try {
        await load(url, 2, CONNECTIONS, true) // warm-up: JIT, SQLite page cache
        perSecond[side] += (await load(url, SECONDS, CONNECTIONS, true)).eventsPerSecond / 2
      } finally {
        await stop(child)
      }
      // What each side made while ingesting (the deferred one only at its first kick, at start):
      // the bench would compare nothing if the kept side's sync never ran.
      const db = new Database(dbPath, { readonly: true })
      summaries[side] += (db.prepare('SELECT count(*) AS n FROM report_visits').get() as { n: number }).n
      db.close()
    }
  if (summaries.kept <= summaries.deferred)
    throw new Error(`the report tables were not kept: ${JSON.stringify(summaries)}`)
  return { ...perSecond, ratio: perSecond.kept / perSecond.deferred, summaries }
}
