// Shared by the collector's route tests: a real app on a real (in-memory) SQLite store.
import { createApp } from '../../collector/app.ts'
import { type CollectorConfig, parseConfig } from '../../collector/config/site-config.ts'
import { openSqliteStore } from '../../collector/store/sqlite/store.ts'
import { TEST_LEDGER_KEYRING } from './ledger-keys.ts'

export const NOW = Date.parse('2026-11-23T12:00:00.000Z')
export const WRITE_KEY = 'demo-write-key'
/** The demo site's secret key for servers (events without a consent stamp, imports). */
export const SERVER_KEY = 'demo-server-key-0123456789abcdef'
export const ADMIN_TOKEN = 'admin-token-for-tests'
export const SHOP_ORIGIN = 'https://shop.example'

/** Two sites: 'demo' (write key WRITE_KEY, pages on SHOP_ORIGIN) and 'other'. */
export const testSites = () =>
  parseConfig({
    sites: [
      { id: 'demo', writeKey: WRITE_KEY, serverKey: SERVER_KEY, allowedOrigins: [SHOP_ORIGIN] },
      { id: 'other', writeKey: 'other-write-key', allowedOrigins: ['https://other.example'] },
    ],
  })

/**
 * `adminToken` given as undefined means no admin token configured. `path` puts the store in a
 * file (tests that open the database themselves); the default is in memory.
 */
export const testApp = (
  options: {
    adminToken?: string | undefined
    path?: string
    /** The sites (default: testSites()). */
    sites?: CollectorConfig
    /** The collector's clock (default: always NOW). */
    now?: () => number
    /** Identity secrets by site id (none by default). */
    identitySecrets?: Record<string, string>
    /** The collector's own origins (default: http://localhost, where app.request sends). */
    selfOrigins?: string[]
  } = {},
) => {
  const store = openSqliteStore(options.path ?? ':memory:')
  let n = 0
  const app = createApp({
    store,
    clock: { now: options.now ?? (() => NOW) },
    randomId: () => `generated-${++n}`,
    log: () => {},
    config: {
      ledgerKeys: TEST_LEDGER_KEYRING,
      sites: options.sites ?? testSites(),
      adminToken: 'adminToken' in options ? options.adminToken : ADMIN_TOKEN,
      identitySecrets: options.identitySecrets,
      selfOrigins: options.selfOrigins ?? ['http://localhost'],
    },
  })
  return { app, store }
}

export const basic = (user: string) => `Basic ${Buffer.from(`${user}:`).toString('base64')}`

export const post = (path: string, body: unknown, headers: Record<string, string> = {}) => ({
  path,
  init: {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  },
})

export const GRANTED = { necessary: true, analytics: true, personalization: false, marketing: false }

export const event = (overrides: Record<string, unknown> = {}) => ({
  type: 'track',
  event: 'Signed Up',
  anonymousId: 'anon-1',
  messageId: `m-${Math.random().toString(36).slice(2)}`,
  timestamp: '2026-11-23T11:59:58.000Z',
  context: { consent: { categoryPreferences: GRANTED } },
  ...overrides,
})

/** The messageId a test gives an anonymousId's first event: its browser asks for a token with it. */
export const firstMessageOf = (anonymousId: string) => `first-of-${anonymousId}`

/** The token request of the browser that sent an anonymousId's first event. */
export const tokenRequest = (anonymousId: string, writeKey = WRITE_KEY) => ({
  writeKey,
  anonymousId,
  firstMessageId: firstMessageOf(anonymousId),
})

/** The secret the browser of a consent id keeps (tests: named after the id). */
export const proofOf = (consentId: unknown) => `secret-of-browser-${String(consentId)}`

/** A visitor's choice as the SDK posts it to /v1/consent, with the proof its browser holds. */
export const consentRecord = (overrides: Record<string, unknown> = {}) => ({
  writeKey: WRITE_KEY,
  consentId: 'consent-1',
  proof: proofOf(overrides.consentId ?? 'consent-1'),
  version: 1,
  purposes: GRANTED,
  source: 'banner',
  language: 'en',
  gpc: false,
  timestamp: '2026-11-23T11:59:00.000Z',
  ...overrides,
})
