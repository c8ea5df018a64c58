// Shared by the enrichment tests: real user agents, and an app whose site has an enrichment config.
import { createApp } from '../../collector/app.ts'
import { parseConfig } from '../../collector/config/site-config.ts'
import { openSqliteStore } from '../../collector/store/sqlite/store.ts'
import { NOW, SHOP_ORIGIN, WRITE_KEY } from './collector-app.ts'
import { TEST_LEDGER_KEYRING } from './ledger-keys.ts'

export const UA = {
  chromeWindows:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  safariIphone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  googlebot: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  headlessChrome:
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.6778.33 Safari/537.36',
  /** What @segment/analytics-node sends as its User-Agent header. */
  analyticsNode: 'analytics-node-next/latest',
}

/** The site 'demo' (WRITE_KEY, SHOP_ORIGIN) with this enrichment section, on in-memory SQLite. */
export const enrichedApp = (enrichment: Record<string, unknown> = {}) => {
  const store = openSqliteStore(':memory:')
  const sites = parseConfig({
    sites: [{ id: 'demo', writeKey: WRITE_KEY, allowedOrigins: [SHOP_ORIGIN], enrichment }],
  })
  const app = createApp({
    store,
    clock: { now: () => NOW },
    log: () => {},
    config: { sites, ledgerKeys: TEST_LEDGER_KEYRING },
  })
  return { app, store }
}

/** What app.request() passes as the Node server's bindings: the TCP peer getConnInfo reads. */
export const fromPeer = (remoteAddress: string) => ({ incoming: { socket: { remoteAddress } } })
