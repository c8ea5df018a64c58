// An app whose sites live in its store, as the Node entry runs it (config/seed.ts, config/live.ts):
// for the tests of the admin API that edits them.
import { createApp } from '../../collector/app.ts'
import { createLiveConfig } from '../../collector/config/live.ts'
import { seedConfigs } from '../../collector/config/seed.ts'
import { parseConfig } from '../../collector/config/site-config.ts'
import { openSqliteStore } from '../../collector/store/sqlite/store.ts'
import { ADMIN_TOKEN, NOW, SERVER_KEY, SHOP_ORIGIN, WRITE_KEY } from './collector-app.ts'
import { TEST_LEDGER_KEYRING } from './ledger-keys.ts'

export const DEMO_ENTRY = {
  id: 'demo',
  writeKey: WRITE_KEY,
  serverKey: SERVER_KEY,
  allowedOrigins: [SHOP_ORIGIN],
  personalization: {
    segments: {
      pro: { name: 'Pro members', rule: { 'traits.plan': 'pro' } },
      fans: { rule: { 'traits.fan': true } },
    },
    slots: { hero: { variants: [{ key: 'pro', segment: 'pro', content: { heading: 'Hi pro' } }] } },
  },
  experiments: [
    {
      key: 'cta',
      status: 'running',
      segment: 'fans',
      variations: [{ key: 'control' }, { key: 'green' }],
      goals: [{ event: 'Order Completed' }],
    },
  ],
}

export const OTHER_ENTRY = { id: 'other', writeKey: 'other-write-key' }

/** A JSON answer: of many shapes, read field by field by the tests. */
// biome-ignore lint/suspicious/noExplicitAny: see above
export type Answer = Record<string, any>

/** `clock.now` may be moved by the test. */
export const configApp = async () => {
  const store = openSqliteStore(':memory:')
  const entries = [DEMO_ENTRY, OTHER_ENTRY]
  const file = { path: 'test.config.json', entries, config: parseConfig({ sites: entries }) }
  const live = createLiveConfig(await seedConfigs(store, file, NOW, () => {}))
  const clock = { now: () => NOW }
  let n = 0
  const app = createApp({
    store,
    clock: { now: () => clock.now() },
    log: () => {},
    randomBytes: (size) => new Uint8Array(size).fill(++n),
    config: {
      ledgerKeys: TEST_LEDGER_KEYRING,
      sites: live,
      adminToken: ADMIN_TOKEN,
      selfOrigins: ['http://localhost'],
    },
  })
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await app.request(path, {
      method,
      headers: {
        authorization: `Bearer ${ADMIN_TOKEN}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    return {
      status: res.status,
      etag: res.headers.get('etag'),
      body: (await res.json()) as Answer,
    }
  }
  return { app, store, live, clock, call }
}
