// Ad spend on PostgreSQL (reports/spend.ts): as on SQLite, the cost in cents. An import takes the
// site's spend lock for its transaction, deletes the site's rows on the dates it names and inserts
// its own: collectors importing at once take turns, so a day is never counted twice, the currency
// check sees every committed row, and a failed import leaves nothing behind.
import { centsOf, datesOf, type SpendStore, type StoredSpend, spendRowOf } from '../../reports/spend.ts'
import type { Migration, Sql } from './schema.ts'

/** Missing source and medium are stored as '' so they take part in the key. */
export const SPEND_MIGRATIONS: Migration[] = [
  {
    name: 'spend/1',
    sql: `
      CREATE TABLE ad_spend (
        site TEXT NOT NULL,
        date DATE NOT NULL,
        campaign TEXT NOT NULL,
        source TEXT NOT NULL,
        medium TEXT NOT NULL,
        channel TEXT,
        cost_cents BIGINT NOT NULL,
        currency TEXT NOT NULL,
        PRIMARY KEY (site, date, campaign, source, medium)
      );`,
  },
]

/** Rows per INSERT statement (8 parameters each, under PostgreSQL's 65,535). */
const CHUNK = 1_000

export const postgresSpend = (sql: Sql): SpendStore => ({
  importSpend: (site, rows) =>
    sql
      .begin(async (tx) => {
        await tx`SELECT pg_advisory_xact_lock(hashtext(current_schema() || '.spend.' || ${site}))`
        const dates = datesOf(rows)
        const deleted = await tx`DELETE FROM ad_spend WHERE site = ${site} AND date = ANY(${dates}::date[])`
        const [other] = await tx<{ currency: string }[]>`
        SELECT currency FROM ad_spend WHERE site = ${site} LIMIT 1`
        // Thrown, the transaction rolls back: the delete goes too.
        if (other && other.currency !== rows[0]!.currency) throw new Mismatch(other.currency)
        for (let i = 0; i < rows.length; i += CHUNK) {
          const values = rows.slice(i, i + CHUNK).map((r) => ({
            site,
            date: r.date,
            campaign: r.campaign,
            source: r.source ?? '',
            medium: r.medium ?? '',
            channel: r.channel,
            cost_cents: centsOf(r.cost),
            currency: r.currency,
          }))
          await tx`INSERT INTO ad_spend ${tx(values)}`
        }
        return { ok: true as const, rows: rows.length, days: dates.length, replaced: deleted.count }
      })
      .catch((err) => {
        if (err instanceof Mismatch) return { ok: false as const, currency: err.currency }
        throw err
      }),
  spendRows: async (site, { from, to }) =>
    (
      await sql<StoredSpend[]>`
        SELECT to_char(date, 'YYYY-MM-DD') AS date, campaign, source, medium, channel,
          cost_cents::text AS cents, currency
        FROM ad_spend WHERE site = ${site} AND date >= ${from}::date AND date <= ${to}::date
        ORDER BY date, campaign COLLATE "C", source COLLATE "C", medium COLLATE "C"`
    ).map(spendRowOf),
})

/** Thrown inside the transaction so it rolls back. */
class Mismatch extends Error {
  constructor(readonly currency: string) {
    super(`the site's spend is in ${currency}`)
  }
}
