// A user agent as Segment's context fields, and whether it is a bot. ua-parser-js stays on 1.x:
// 2.x is AGPL.
import { isbot } from 'isbot'
import { UAParser } from 'ua-parser-js'

/** What a user agent says, in Segment's context fields. Shared by every event with that agent. */
export interface Agent {
  readonly browser: Readonly<{ name: string; version?: string }> | undefined
  readonly os: Readonly<{ name: string; version?: string }> | undefined
  readonly device: Readonly<{ type: string; vendor?: string; model?: string }>
  /** A crawler, a monitoring client or a driven (headless) browser. */
  readonly bot: boolean
}

export type AgentParser = (userAgent: string) => Agent

/**
 * Automation that isbot's list may miss or drop some day: headless browsers and their drivers.
 * navigator.webdriver would tell more, but it never reaches the server.
 */
const AUTOMATION = /HeadlessChrome|PhantomJS|SlimerJS|Puppeteer|Playwright|Selenium|WebDriver|Cypress/i

/** ua-parser-js reads at most 500 characters; longer agents would only make the cache heavy. */
const MAX_AGENT = 512

/** Parsers fall back to tokens copied from the header for unknown clients: keep them short. */
const short = (value: string | undefined) => (value ? value.slice(0, 64) : undefined)

const named = (name: string | undefined, version: string | undefined) =>
  name ? Object.freeze({ name: short(name)!, version: short(version) }) : undefined

export const parseAgent = (userAgent: string): Agent => {
  const { browser, os, device } = new UAParser(userAgent).getResult()
  return Object.freeze({
    browser: named(browser.name, browser.version),
    os: named(os.name, os.version),
    // ua-parser-js names mobile, tablet, console, smarttv, wearable, embedded; desktops it leaves out.
    device: Object.freeze({
      type: device.type ?? 'desktop',
      vendor: short(device.vendor),
      model: short(device.model),
    }),
    bot: isbot(userAgent) || AUTOMATION.test(userAgent),
  })
}

/**
 * parseAgent behind an LRU cache: ingest is the hot path and a site's traffic repeats a few
 * hundred agents, while a parse (and isbot's long pattern) costs tens of microseconds.
 */
export const createAgentParser = (size = 500, parse = parseAgent): AgentParser => {
  const cache = new Map<string, Agent>()
  return (userAgent) => {
    const key = userAgent.length > MAX_AGENT ? userAgent.slice(0, MAX_AGENT) : userAgent
    const hit = cache.get(key)
    if (hit !== undefined) {
      // Re-inserting moves it to the end: Map keeps insertion order, so the first key is the oldest.
      cache.delete(key)
      cache.set(key, hit)
      return hit
    }
    const agent = parse(key)
    cache.set(key, agent)
    if (cache.size > size) cache.delete(cache.keys().next().value!)
    return agent
  }
}
