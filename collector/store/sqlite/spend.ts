// Ad spend on SQLite (reports/spend.ts): one row per site, local date, campaign, source and medium,
// the cost in cents so sums stay exact. An import deletes the site's rows on the dates it names and
// inserts its own in one IMMEDIATE transaction: collectors on one file take turns, so a day is
// never counted twice and a failed import leaves nothing behind.
import type Database from 'better-sqlite3'
import {
  centsOf,
  datesOf,
  type SpendImport,
  type SpendRow,
  type SpendStore,
  type StoredSpend,
  spendRowOf,
} from '../../reports/spend.ts'

/** Missing source and medium are stored as '' so they take part in the key. */
export const SPEND_MIGRATION = `
  CREATE TABLE ad_spend (
    site TEXT NOT NULL,
    date TEXT NOT NULL,
    campaign TEXT NOT NULL,
    source TEXT NOT NULL,
    medium TEXT NOT NULL,
    channel TEXT,
    cost_cents INTEGER NOT NULL,
    currency TEXT NOT NULL,
    PRIMARY KEY (site, date, campaign, source, medium)
  ) WITHOUT ROWID;`

export const sqliteSpend = (db: Database.Database): SpendStore => {
  const deleteDay = db.prepare('DELETE FROM ad_spend WHERE site = ? AND date = ?')
  const insert = db.prepare(
    `INSERT INTO ad_spend (site, date, campaign, source, medium, channel, cost_cents, currency)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
  )
  const read = db.prepare<[string, string, string], StoredSpend>(
    `SELECT date, campaign, source, medium, channel, cost_cents AS cents, currency FROM ad_spend
     WHERE site = ? AND date >= ? AND date <= ? ORDER BY date, campaign, source, medium`,
  )
  const currencies = db.prepare<[string], { currency: string }>(
    'SELECT DISTINCT currency FROM ad_spend WHERE site = ? LIMIT 2',
  )
  const run = db.transaction((site: string, rows: readonly SpendRow[]): SpendImport => {
    const dates = datesOf(rows)
    let replaced = 0
    for (const date of dates) replaced += deleteDay.run(site, date).changes
    // The days left hold the site's one currency (at most one, as every import is checked).
    const other = currencies.get(site)?.currency
    if (other !== undefined && other !== rows[0]!.currency) throw new Mismatch(other)
    for (const r of rows)
      insert.run(
        site,
        r.date,
        r.campaign,
        r.source ?? '',
        r.medium ?? '',
        r.channel,
        centsOf(r.cost),
        r.currency,
      )
    return { ok: true, rows: rows.length, days: dates.length, replaced }
  })
  return {
    importSpend: async (site, rows) => {
      try {
        return run.immediate(site, rows)
      } catch (err) {
        if (err instanceof Mismatch) return { ok: false, currency: err.currency }
        throw err
      }
    },
    spendRows: async (site, { from, to }) => read.all(site, from, to).map(spendRowOf),
  }
}

/** Thrown inside the transaction so it rolls back. */
class Mismatch extends Error {
  constructor(readonly currency: string) {
    super(`the site's spend is in ${currency}`)
  }
}
