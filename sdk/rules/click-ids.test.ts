import { describe, expect, it } from 'vitest'
import { CLICK_IDS, isClickId, stripClickIds, withoutClickIds } from './click-ids.ts'

describe('stripClickIds', () => {
  it.each([
    ['a landing URL', 'https://a.test/?gclid=G1&utm_source=x', 'https://a.test/?utm_source=x'],
    ['the last parameter', 'https://a.test/p?utm_source=x&fbclid=F1', 'https://a.test/p?utm_source=x'],
    ['every one of them', 'https://a.test/?msclkid=M&a=1&ttclid=T&b=2', 'https://a.test/?a=1&b=2'],
    ['the only parameter, with its ?', 'https://a.test/?gclid=G1', 'https://a.test/'],
    ['a search string', '?utm_source=x&gclid=G1', '?utm_source=x'],
    ['a search string of click ids only', '?gclid=G1&gbraid=B', ''],
    ['before a #fragment, which stays', 'https://a.test/?gclid=G1&q=1#top', 'https://a.test/?q=1#top'],
    ['a hash route', 'https://a.test/?q=1#/p?gclid=G1&r=2', 'https://a.test/?q=1#/p?r=2'],
    ['in any case', 'https://a.test/?GCLID=G1&FbClid=F1&q=1', 'https://a.test/?q=1'],
    ['without a value', 'https://a.test/?gclid&q=1', 'https://a.test/?q=1'],
    ['leaving other parameters as written', '/p?q=a%20b+c&gclid=1&x=%E2%9C%93', '/p?q=a%20b+c&x=%E2%9C%93'],
    [
      'nothing without a click id',
      'https://a.test/?q=gclid&gclid_like=1',
      'https://a.test/?q=gclid&gclid_like=1',
    ],
    ['nothing without a query', 'https://a.test/gclid', 'https://a.test/gclid'],
    ['nothing from an empty string', '', ''],
  ])('removes click ids from %s', (_, url, expected) => {
    expect(stripClickIds(url)).toBe(expected)
  })
})

describe('isClickId', () => {
  it('knows every listed click id in any case, and no UTM parameter', () => {
    for (const id of CLICK_IDS) expect([isClickId(id), isClickId(id.toUpperCase())]).toEqual([true, true])
    expect(['utm_source', 'utm_id', 'q', 'gclid_x'].some(isClickId)).toBe(false)
  })
})

describe('withoutClickIds', () => {
  const landing = 'https://shop.example/?utm_source=x&gclid=G1'
  const clean = 'https://shop.example/?utm_source=x'

  it('cleans an event: the campaign, context.page and the properties', () => {
    const event = {
      type: 'page',
      messageId: 'm1',
      properties: { url: landing, search: '?utm_source=x&gclid=G1', referrer: landing, title: 'Home', n: 1 },
      context: {
        page: { url: landing, search: '?utm_source=x&gclid=G1', referrer: landing, path: '/' },
        campaign: { source: 'x', gclid: 'G1', fbclid: 'F1' },
        consent: { categoryPreferences: { analytics: true, marketing: false } },
      },
    }
    expect(withoutClickIds(event)).toEqual({
      type: 'page',
      messageId: 'm1',
      properties: { url: clean, search: '?utm_source=x', referrer: clean, title: 'Home', n: 1 },
      context: {
        page: { url: clean, search: '?utm_source=x', referrer: clean, path: '/' },
        campaign: { source: 'x' },
        consent: { categoryPreferences: { analytics: true, marketing: false } },
      },
    })
    // A copy: the event given is left as it was.
    expect(event.context.campaign.gclid).toBe('G1')
  })

  it('cleans Session Started properties, a click id sent as a property, and the stored session', () => {
    expect(withoutClickIds({ properties: { landing_page: landing, gclid: 'G1', plan: 'pro' } })).toEqual({
      properties: { landing_page: clean, plan: 'pro' },
    })
    const session = { id: 's1', landingPage: landing, referrer: landing, campaign: { gclid: 'G1' } }
    expect(withoutClickIds(session)).toEqual({ id: 's1', landingPage: clean, referrer: clean, campaign: {} })
  })

  it('leaves other shapes alone: strings elsewhere, arrays, non-objects', () => {
    const event = { properties: { note: landing, list: [landing] }, context: { page: [landing] } }
    expect(withoutClickIds(event)).toEqual(event)
    expect(withoutClickIds(undefined)).toBeUndefined()
    expect(withoutClickIds('x')).toBe('x')
  })
})
