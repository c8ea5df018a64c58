import { describe, expect, it } from 'vitest'
import { pageContext, pageProperties } from './context.ts'

const fakeWindow = (gpc: boolean | undefined) =>
  ({
    location: {
      pathname: '/',
      search: '?gclid=G1&utm_source=x',
      href: 'https://shop.example/?gclid=G1&utm_source=x',
    },
    document: { referrer: 'https://shop.example/a?fbclid=F1', title: 'Home' },
    navigator: {
      language: 'en',
      userAgent: 'test',
      ...(gpc === undefined ? {} : { globalPrivacyControl: gpc }),
    },
  }) as unknown as Window

describe('page properties', () => {
  it('under Global Privacy Control never carry ad click ids, whatever the consent', () => {
    expect(pageProperties(fakeWindow(true))).toEqual({
      path: '/',
      referrer: 'https://shop.example/a',
      search: '?utm_source=x',
      title: 'Home',
      url: 'https://shop.example/?utm_source=x',
    })
    expect(JSON.stringify(pageContext(fakeWindow(true)))).not.toMatch(/G1|F1/)
  })

  it('without it are read as they are (the tracker removes click ids without marketing consent)', () => {
    for (const gpc of [false, undefined]) {
      expect(pageProperties(fakeWindow(gpc))).toMatchObject({
        url: 'https://shop.example/?gclid=G1&utm_source=x',
        referrer: 'https://shop.example/a?fbclid=F1',
      })
    }
  })
})
