// Shared by the personalization tests: a site with segments and slots, and events made with the
// personalization purpose granted.
import { expect } from 'vitest'
import { parseConfig } from '../../collector/config/site-config.ts'
import {
  ADMIN_TOKEN,
  event,
  post,
  SERVER_KEY,
  SHOP_ORIGIN,
  type testApp,
  WRITE_KEY,
} from './collector-app.ts'

export const PERSONALIZATION = {
  segments: {
    'outdoor-fan': {
      name: 'Outdoor fans',
      rule: { count: { event: 'Product Viewed', where: { category: 'outdoor' }, within: '30d' }, $gte: 3 },
    },
    mobile: { rule: { 'device.type': 'mobile' } },
    vip: { name: 'VIPs', rule: { 'traits.plan': 'vip' } },
    'big-spender': { rule: { monetary: { event: 'Order Completed', within: '365d' }, $gte: 100 } },
  },
  slots: {
    'home-hero': {
      holdout: 0.1,
      goal: 'Order Completed',
      variants: [
        { key: 'outdoor-promo', segment: 'outdoor-fan', priority: 2, content: { heading: 'Gear up' } },
        { key: 'vip-offer', segment: 'vip', content: { text: 'Hello {{traits.name|there}}' } },
      ],
    },
    banner: {
      variants: [
        { key: 'mobile-app', segment: 'mobile', content: { link: { href: '/app', text: 'Get the app' } } },
      ],
    },
  },
}

export const personalizedSites = () =>
  parseConfig({
    sites: [
      {
        id: 'demo',
        writeKey: WRITE_KEY,
        serverKey: SERVER_KEY,
        allowedOrigins: [SHOP_ORIGIN],
        personalization: PERSONALIZATION,
      },
      { id: 'other', writeKey: 'other-write-key', allowedOrigins: ['https://other.example'] },
    ],
  })

export const PERSONALIZED = { necessary: true, analytics: true, personalization: true, marketing: false }

/** An event (see testing.ts) made with personalization granted; `context` adds to the consent stamp. */
export const personal = ({ context, ...rest }: Record<string, unknown> = {}) =>
  event({ ...rest, context: { consent: { categoryPreferences: PERSONALIZED }, ...(context as object) } })

type App = ReturnType<typeof testApp>['app']

export const admin = (app: App, path: string) =>
  app.request(path, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })

/** Posts events as they are (build them with personal() or event()) and expects all stored. */
export const sendAll = async (app: App, batch: Record<string, unknown>[], writeKey = WRITE_KEY) => {
  const { path, init } = post('/v1/batch', { batch, writeKey })
  const res = await app.request(path, init)
  expect(res.status).toBe(200)
  expect((await res.json()).rejected ?? []).toEqual([])
}

export const at = (time: string) => `2026-11-23T${time}:00.000Z`
