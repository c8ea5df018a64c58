// Decision cost in Chromium: 50 segment rules over 1,000 remembered events, as the SDK evaluates
// them (the rules module bundled for the browser, run in the page).

import { build } from 'esbuild'
import { launch } from '../support/chromium.ts'

export const RULES = 50
export const EVENTS = 1000

const bundle = async () => {
  const out = await build({
    entryPoints: [new URL('./entries/segments-page.ts', import.meta.url).pathname],
    bundle: true,
    minify: true,
    format: 'iife',
    write: false,
  })
  return out.outputFiles[0]!.text
}

export const measureSegments = async () => {
  const script = await bundle()
  const browser = await launch()
  try {
    const page = await browser.newPage()
    await page.addScriptTag({ content: script })
    // Timer resolution in a page is coarse without cross-origin isolation; many samples still give a p95.
    return (await page.evaluate(`runSegmentsBench(${RULES}, ${EVENTS})`)) as {
      evaluateP95: number
      updateP95: number
      members: number
      remembered: number
    }
  } finally {
    await browser.close()
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await measureSegments())
