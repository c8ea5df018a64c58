// The ad spend contract: every Store adapter runs it (sqlite/spend.test.ts, postgres/spend.test.ts).
// Rows go in through importSpend only after spendImport validated them, as the route does.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type SpendRow, spendImport } from '../../collector/reports/spend.ts'
import type { Store } from '../../collector/store/types.ts'

const SITE = 'spend-site'

/** Valid rows from plain objects (the route's path). */
export const spendRows = (input: Record<string, unknown>[]): SpendRow[] => {
  const parsed = spendImport(input)
  if ('problem' in parsed) throw new Error(parsed.problem.message)
  return parsed.rows
}

const day = (date: string, campaign: string, cost: number, extra: Record<string, unknown> = {}) => ({
  date,
  campaign,
  cost,
  currency: 'EUR',
  ...extra,
})

const ALL = { from: '2000-01-01', to: '2099-12-31' }

export const describeSpendContract = (
  name: string,
  open: () => Promise<Store>,
  /** Two stores on one database (two collectors), closed by the test. */
  openPair?: () => Promise<[Store, Store, () => Promise<void>]>,
) =>
  describe(`spend contract: ${name}`, () => {
    let store: Store
    beforeEach(async () => {
      store = await open()
    })
    afterEach(async () => {
      await store.close()
    })

    it('stores rows and reads them back by date range, in key order', async () => {
      const rows = spendRows([
        day('2026-03-02', 'winter', 12.5, { source: 'google', medium: 'cpc' }),
        day('2026-03-01', 'winter', 10, { source: 'google', medium: 'cpc', channel: 'Paid Search' }),
        day('2026-03-01', 'brand', 0.01),
        day('2026-03-03', 'winter', 1_000_000_000),
      ])
      expect(await store.importSpend(SITE, rows)).toEqual({ ok: true, rows: 4, days: 3, replaced: 0 })
      expect(await store.spendRows(SITE, { from: '2026-03-01', to: '2026-03-02' })).toEqual([
        {
          date: '2026-03-01',
          campaign: 'brand',
          source: null,
          medium: null,
          channel: null,
          cost: 0.01,
          currency: 'EUR',
        },
        {
          date: '2026-03-01',
          campaign: 'winter',
          source: 'google',
          medium: 'cpc',
          channel: 'Paid Search',
          cost: 10,
          currency: 'EUR',
        },
        {
          date: '2026-03-02',
          campaign: 'winter',
          source: 'google',
          medium: 'cpc',
          channel: null,
          cost: 12.5,
          currency: 'EUR',
        },
      ])
      expect((await store.spendRows(SITE, ALL)).map((r) => r.cost)).toEqual([0.01, 10, 12.5, 1_000_000_000])
      expect(await store.spendRows('other-site', ALL)).toEqual([])
    })

    it('re-importing a day replaces every row of that day, and only of that day', async () => {
      await store.importSpend(
        SITE,
        spendRows([day('2026-03-01', 'a', 1), day('2026-03-01', 'b', 2), day('2026-03-02', 'a', 3)]),
      )
      await store.importSpend('other-site', spendRows([day('2026-03-01', 'a', 7)]))
      const again = await store.importSpend(SITE, spendRows([day('2026-03-01', 'a', 4)]))
      expect(again).toEqual({ ok: true, rows: 1, days: 1, replaced: 2 })
      expect((await store.spendRows(SITE, ALL)).map((r) => [r.date, r.campaign, r.cost])).toEqual([
        ['2026-03-01', 'a', 4],
        ['2026-03-02', 'a', 3],
      ])
      expect((await store.spendRows('other-site', ALL)).map((r) => r.cost)).toEqual([7])
      // The same import twice counts once.
      await store.importSpend(SITE, spendRows([day('2026-03-01', 'a', 4)]))
      expect((await store.spendRows(SITE, ALL)).reduce((s, r) => s + r.cost, 0)).toBe(7)
    })

    it('keeps the cents exact over many rows', async () => {
      const rows = spendRows(
        Array.from({ length: 3_000 }, (_, i) =>
          day(`2026-01-${String((i % 28) + 1).padStart(2, '0')}`, `c${i}`, 0.1),
        ),
      )
      expect(await store.importSpend(SITE, rows)).toMatchObject({ ok: true, rows: 3_000, days: 28 })
      const cents = (await store.spendRows(SITE, ALL)).reduce((s, r) => s + Math.round(r.cost * 100), 0)
      expect(cents).toBe(30_000)
    })

    it('refuses another currency than the days kept hold, writing nothing', async () => {
      await store.importSpend(SITE, spendRows([day('2026-03-01', 'a', 1), day('2026-03-02', 'a', 2)]))
      const usd = spendRows([day('2026-03-01', 'a', 5, { currency: 'USD' })])
      expect(await store.importSpend(SITE, usd)).toEqual({ ok: false, currency: 'EUR' })
      expect((await store.spendRows(SITE, ALL)).map((r) => r.cost)).toEqual([1, 2])
      // Replacing every stored day changes the currency.
      const all = spendRows([
        day('2026-03-01', 'a', 5, { currency: 'USD' }),
        day('2026-03-02', 'a', 6, { currency: 'USD' }),
      ])
      expect(await store.importSpend(SITE, all)).toMatchObject({ ok: true, replaced: 2 })
      expect((await store.spendRows(SITE, ALL)).map((r) => r.currency)).toEqual(['USD', 'USD'])
    })

    if (openPair)
      it('two collectors importing the same days at once: each import whole, nothing counted twice', async () => {
        const [a, b, close] = await openPair()
        try {
          const version = (cost: number) =>
            spendRows(
              Array.from({ length: 400 }, (_, i) =>
                day(`2026-02-${String((i % 20) + 1).padStart(2, '0')}`, `c${Math.floor(i / 20)}`, cost),
              ),
            )
          const imports = []
          for (let i = 0; i < 6; i++) imports.push((i % 2 ? a : b).importSpend(SITE, version(i + 1)))
          const results = await Promise.all(imports)
          for (const r of results) expect(r).toMatchObject({ ok: true, rows: 400, days: 20 })
          const stored = await a.spendRows(SITE, ALL)
          expect(stored).toHaveLength(400)
          // One import's rows, whole: every row the same cost.
          expect(new Set(stored.map((r) => r.cost)).size).toBe(1)
          expect(await b.spendRows(SITE, ALL)).toEqual(stored)
        } finally {
          await close()
        }
      })
  })
