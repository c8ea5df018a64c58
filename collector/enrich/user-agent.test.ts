import { describe, expect, it } from 'vitest'
import { UA } from '../../test/support/enrich.ts'
import { type Agent, createAgentParser, parseAgent } from './user-agent.ts'

describe('parseAgent', () => {
  it('reads Chrome on Windows as a desktop browser', () => {
    expect(parseAgent(UA.chromeWindows)).toEqual({
      browser: { name: 'Chrome', version: '131.0.0.0' },
      os: { name: 'Windows', version: '10' },
      device: { type: 'desktop' },
      bot: false,
    })
  })

  it('reads Safari on an iPhone as a mobile device by Apple', () => {
    expect(parseAgent(UA.safariIphone)).toEqual({
      browser: { name: 'Mobile Safari', version: '17.5' },
      os: { name: 'iOS', version: '17.5' },
      device: { type: 'mobile', vendor: 'Apple', model: 'iPhone' },
      bot: false,
    })
  })

  it('knows Googlebot for a bot, though it names no browser', () => {
    expect(parseAgent(UA.googlebot)).toEqual({
      browser: undefined,
      os: undefined,
      device: { type: 'desktop' },
      bot: true,
    })
  })

  it.each([
    ['HeadlessChrome', UA.headlessChrome],
    [
      'PhantomJS',
      'Mozilla/5.0 (Unknown; Linux x86_64) AppleWebKit/538.1 (KHTML, like Gecko) PhantomJS/2.1.1',
    ],
    ['a Puppeteer marker', `${UA.chromeWindows} Puppeteer`],
    ['a Playwright marker', `${UA.chromeWindows} Playwright/1.49`],
    ['a Selenium marker', `${UA.chromeWindows} Selenium`],
    ['an HTTP library', 'curl/8.5.0'],
  ])('flags %s as a bot', (_name, ua) => {
    expect(parseAgent(ua).bot).toBe(true)
  })

  it('keeps the tokens of unknown clients short', () => {
    const agent = parseAgent(
      `Mozilla/5.0 (Linux; Android 14; ${'X'.repeat(300)} Build/1) Mobile Safari/537.36`,
    )
    expect(agent.device.model?.length).toBeLessThanOrEqual(64)
  })
})

describe('createAgentParser', () => {
  const counting = () => {
    const parsed: string[] = []
    const parse = (ua: string): Agent => {
      parsed.push(ua)
      return parseAgent(ua)
    }
    return { parsed, parse }
  }

  it('parses a repeated agent once and hands back the same answer', () => {
    const { parsed, parse } = counting()
    const agents = createAgentParser(3, parse)
    const first = agents(UA.chromeWindows)
    expect(agents(UA.chromeWindows)).toBe(first)
    expect(parsed).toEqual([UA.chromeWindows])
    expect(Object.isFrozen(first.device)).toBe(true)
  })

  it('forgets the least recently used agent when full', () => {
    const { parsed, parse } = counting()
    const agents = createAgentParser(2, parse)
    agents('a')
    agents('b')
    agents('a') // now b is the oldest
    agents('c') // evicts b
    agents('a')
    agents('b')
    expect(parsed).toEqual(['a', 'b', 'c', 'b'])
  })

  it('keys long agents by their first 512 characters', () => {
    const { parsed, parse } = counting()
    const agents = createAgentParser(2, parse)
    const long = `${UA.chromeWindows} ${'x'.repeat(2000)}`
    agents(long)
    agents(`${long}y`)
    expect(parsed).toHaveLength(1)
    expect(parsed[0]).toHaveLength(512)
  })
})
