// What became of a destination's deliveries, and replaying its dead letters. The destinations
// themselves are config items (config-items.ts); these routes read and change only the delivery
// queue, which holds keys, states and errors, never an event's body.
import { Hono } from 'hono'
import { z } from 'zod'
import type { LiveConfig } from '../config/live.ts'
import { destinations } from '../config/resources.ts'
import { deliveryLog } from '../destinations/log.ts'
import type { DeliveryStore } from '../destinations/types.ts'
import { ApiError } from '../errors.ts'
import { siteParam } from './config-edit.ts'
import { parse } from './report-kit.ts'
import { parseEnvelope, readJson } from './request.ts'

export const deliveriesQuery = z.strictObject({
  site: z.string(),
  status: z.enum(['pending', 'delivered', 'dead']).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
})

/** Deliveries the log is made from. */
const LOG_SPAN = 5000

export const replayBody = z.strictObject({
  /** Only these dead letters; all of the destination's when absent. */
  messageIds: z.array(z.string().min(1).max(200)).min(1).max(1000).optional(),
})

export interface DestinationRouteDeps {
  store: DeliveryStore
  live: LiveConfig
  now: () => number
}

export const destinationRoutes = ({ store, live, now }: DestinationRouteDeps) => {
  const app = new Hono()
  const destinationOf = (site: string, key: string) => {
    if (!destinations.get(live.written(site)!.config, key))
      throw new ApiError('destination_not_found', `site ${site} has no destination ${key}`)
    return key
  }

  app.get('/destinations/:key/deliveries', async (c) => {
    const site = siteParam(c, live)
    const destination = destinationOf(site, c.req.param('key'))
    const { status, limit } = parse(deliveriesQuery, c, c.req.query())
    const counts = (await store.deliveryCounts(site)).find((x) => x.destination === destination)
    return c.json({
      site,
      destination,
      counts: { pending: counts?.pending ?? 0, delivered: counts?.delivered ?? 0, dead: counts?.dead ?? 0 },
      deliveries: await store.listDeliveries(site, { destination, ...(status ? { status } : {}), limit }),
      // The last 24 hours by the hour, from its newest LOG_SPAN deliveries.
      log: deliveryLog(await store.listDeliveries(site, { destination, limit: LOG_SPAN }), now()),
    })
  })

  app.post('/destinations/:key/replay', async (c) => {
    const site = siteParam(c, live)
    const destination = destinationOf(site, c.req.param('key'))
    const { messageIds } = parseEnvelope(replayBody, await readJson(c))
    const replayed = await store.replayDeliveries(site, destination, now(), messageIds)
    return c.json({ site, destination, replayed })
  })
  return app
}
