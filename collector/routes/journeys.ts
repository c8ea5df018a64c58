// A journey's results against its holdout, and its entries: what became of each person's run
// (waiting, sent, held, exited, skipped, and why). The journeys themselves are config items
// (config-items.ts). Entries name people only by the collector's pseudonyms.
import { Hono } from 'hono'
import { z } from 'zod'
import type { LiveConfig } from '../config/live.ts'
import { ApiError } from '../errors.ts'
import type { Journey } from '../journeys/config.ts'
import { journeyResults } from '../journeys/results.ts'
import type { JourneyStore } from '../journeys/types.ts'
import { siteParam } from './config-edit.ts'
import { parse } from './report-kit.ts'

export const entriesQuery = z.strictObject({
  site: z.string(),
  status: z.enum(['waiting', 'sent', 'held', 'exited', 'skipped']).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
})

export const resultsQuery = z.strictObject({
  site: z.string(),
  /** `sequential` (default) may be read at any time; `fixed` only once, at a planned size. */
  method: z.enum(['sequential', 'fixed']).default('sequential'),
})

export interface JourneyRouteDeps {
  store: JourneyStore
  live: LiveConfig
}

export const journeyRoutes = ({ store, live }: JourneyRouteDeps) => {
  const app = new Hono()
  const journeyOf = (site: string, key: string): Journey => {
    const journey = live
      .current()
      .sites.find((s) => s.id === site)
      ?.journeys.find((j) => j.key === key)
    if (!journey) throw new ApiError('journey_not_found', `site ${site} has no journey ${key}`)
    return journey
  }

  app.get('/journeys/:key/results', async (c) => {
    const site = siteParam(c, live)
    const journey = journeyOf(site, c.req.param('key'))
    const { method } = parse(resultsQuery, c, c.req.query())
    const counts = await store.journeyCounts(site, journey.key)
    return c.json({
      site,
      journey: journey.key,
      goal: journey.goal ?? null,
      holdout: journey.holdout,
      ...journeyResults(counts, { goal: journey.goal !== undefined, method }),
    })
  })

  app.get('/journeys/:key/entries', async (c) => {
    const site = siteParam(c, live)
    const journey = journeyOf(site, c.req.param('key'))
    const { status, limit } = parse(entriesQuery, c, c.req.query())
    const entries = await store.listEntries(site, {
      journey: journey.key,
      ...(status ? { status } : {}),
      limit,
    })
    // The context holds the trigger's properties: an operator reads what became of runs, not carts.
    return c.json({ site, journey: journey.key, entries: entries.map(({ context: _, ...e }) => e) })
  })
  return app
}
