// Bytes of the tag on the wire, as Chromium receives them from the collector on the demo shop: a
// first-time visitor until the banner shows (before any choice), and the same visitor after
// "Accept all" and three more pages (every chunk loaded; later pages take them from the cache).
// Beside each, what the same scripts weigh sent as they are: the side-by-side figure.
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { launch } from '../support/chromium.ts'
import { ROOT, startCollector } from '../support/collector-process.ts'

/** The tag and its chunks: /p.js, /p-consent.js, /p-vitals.js, /p-personalize.js. */
const TAG = /\/p(-[a-z]+)?\.js$/

export interface WireFigure {
  /** Response bytes (headers and body as received) of the tag's scripts. */
  wire: number
  /** Their bodies as they are, uncompressed. */
  identity: number
  scripts: number
}

export interface WireResult {
  beforeChoice: WireFigure
  afterAccept: WireFigure
}

export const measureWire = async (): Promise<WireResult> => {
  const collector = await startCollector()
  const browser = await launch()
  try {
    const page = await browser.newPage()
    // Chromium's own count: encodedDataLength is what came over the network (0 from a cache).
    const cdp = await page.context().newCDPSession(page)
    await cdp.send('Network.enable')
    const urls = new Map<string, string>()
    let figure: WireFigure = { wire: 0, identity: 0, scripts: 0 }
    cdp.on('Network.responseReceived', (e) => urls.set(e.requestId, e.response.url))
    cdp.on('Network.loadingFinished', (e) => {
      const path = new URL(urls.get(e.requestId) ?? 'about:blank').pathname
      if (!TAG.test(path) || e.encodedDataLength === 0) return
      figure = {
        wire: figure.wire + e.encodedDataLength,
        // The file the collector serves for the path, as it is.
        identity: figure.identity + statSync(join(ROOT, 'dist', path.slice(1))).size,
        scripts: figure.scripts + 1,
      }
    })
    await page.goto(`${collector.url}/demo/index.html`)
    const accept = page.getByRole('button', { name: 'Accept all' })
    await accept.waitFor()
    await page.waitForLoadState('networkidle')
    const beforeChoice = figure
    await accept.click()
    for (const path of ['outdoor.html', 'product.html?sku=tent-2p', 'cart.html']) {
      await page.goto(`${collector.url}/demo/${path}`)
      await page.waitForLoadState('networkidle')
    }
    return { beforeChoice, afterAccept: figure }
  } finally {
    await browser.close()
    await collector.stop()
  }
}
