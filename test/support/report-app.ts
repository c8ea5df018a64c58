// The app the report oracles read: the collector on a given store with the 'shop' site, the
// seeded report stream (support/report-stream.ts) sent through /v1/batch as a browser sends it,
// and the stream's erased person erased, so each report is compared with what was really sent.
import { expect } from 'vitest'
import { createApp } from '../../collector/app.ts'
import { parseConfig } from '../../collector/config/site-config.ts'
import type { Store } from '../../collector/store/types.ts'
import { TEST_LEDGER_KEYRING } from './ledger-keys.ts'
import {
  reportStream,
  type Seen,
  type Sent,
  STREAM_NOW,
  STREAM_ORIGIN,
  STREAM_ZONE,
} from './report-stream.ts'

export const SHOP_WRITE_KEY = 'shop-write-key'
/** The shop's usual goals: an order with its revenue, and a look at the cart. */
export const ORDER_GOAL = { name: 'Order', event: 'Order Completed', revenue: 'revenue' }
export const CART_GOAL = { page: '/cart' }

export interface ReportAppOptions {
  /** The admin token every request of the helpers carries. */
  admin: string
  /** The shop's goals (none by default). */
  goals?: Record<string, unknown>
  /** The shop's write key (default SHOP_WRITE_KEY). */
  writeKey?: string
  /** Sites beside the shop. */
  sites?: Record<string, unknown>[]
  /** Batches sent after the stream's, before the erasure. */
  more?: Sent[][]
  /** A report read when half the batches are in: rows derived then must not hide or double what arrives later. */
  midway?: string
  /** Send the first batch again at the end: it must be stored once. */
  resend?: boolean
  /** Erase the stream's erased person (default true). */
  erase?: boolean
}

export type ReportApp = Awaited<ReturnType<typeof reportApp>>

export const reportApp = async (store: Store, options: ReportAppOptions) => {
  const { admin, writeKey = SHOP_WRITE_KEY } = options
  let n = 0
  const appOf = (reportsExactVisits?: number) =>
    createApp({
      store,
      clock: { now: () => STREAM_NOW },
      randomId: () => `id-${++n}`,
      log: () => {},
      config: {
        ledgerKeys: TEST_LEDGER_KEYRING,
        adminToken: admin,
        selfOrigins: ['http://localhost'],
        ...(reportsExactVisits === undefined ? {} : { reportsExactVisits }),
        sites: parseConfig({
          sites: [
            {
              id: 'shop',
              writeKey,
              allowedOrigins: [STREAM_ORIGIN],
              timezone: STREAM_ZONE,
              ...(options.goals ? { goals: options.goals } : {}),
            },
            ...(options.sites ?? []),
          ],
        }),
      },
    })
  const app = appOf()
  /** A request with the admin token. */
  const request = (path: string, init: RequestInit = {}) =>
    app.request(path, { ...init, headers: { authorization: `Bearer ${admin}`, ...init.headers } })
  /** An answer that must be 200, parsed. */
  const get = async (path: string) => {
    const res = await request(path)
    expect(res.status, await res.clone().text()).toBe(200)
    return res.json()
  }
  /** A batch of event bodies as a browser on the site's origin posts it. */
  const post = (batch: unknown[], key = writeKey, origin = STREAM_ORIGIN) =>
    app.request('/v1/batch', {
      method: 'POST',
      headers: { 'content-type': 'text/plain', origin },
      body: JSON.stringify({ writeKey: key, batch }),
    })
  const send = async (batch: Sent[]) => {
    const res = await post(batch.map((s) => s.body))
    // A batch without the analytics purpose is refused whole; nothing of it is stored.
    const refused = batch.every((s) => s.seen.kind !== 'other' && !s.seen.counts && !s.seen.bot)
    expect(res.status, await res.clone().text()).toBe(refused ? 403 : 200)
  }

  const stream = reportStream(20261206)
  const batches = [...stream.batches, ...(options.more ?? [])]
  const half = options.midway === undefined ? batches.length : Math.floor(batches.length / 2)
  for (const batch of batches.slice(0, half)) await send(batch)
  if (options.midway !== undefined) await get(options.midway)
  for (const batch of batches.slice(half)) await send(batch)
  if (options.resend) await send(batches[0]!)
  if (options.erase ?? true) {
    const res = await request(`/admin/api/profiles/${stream.erased}?site=shop`, { method: 'DELETE' })
    expect(res.status).toBe(200)
  }
  const seen: Seen[] = batches.flat().map((s) => s.seen)
  /** A second collector on the same store whose overviews always add hours up (estimates). */
  let byHours: ReturnType<typeof appOf> | undefined
  const getByHours = async (path: string) => {
    byHours ??= appOf(0)
    const res = await byHours.request(path, { headers: { authorization: `Bearer ${admin}` } })
    expect(res.status, await res.clone().text()).toBe(200)
    return res.json()
  }
  return { app, request, get, getByHours, post, batches, seen, erased: stream.erased }
}
