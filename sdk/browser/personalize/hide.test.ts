import { describe, expect, it } from 'vitest'
import { personalizationSchema } from '../../rules/personalization-schema.ts'
import { type Decidable, decidable, HIDE_MARK, hideTargets, hiding, unhide } from './hide.ts'

/** A style sheet as the browser constructs one: its rules given by replaceSync. */
class FakeSheet {
  text = ''
  replaceSync(text: string) {
    this.text = text
  }
}

/** Just the document and timer parts hiding touches. */
const fakeWindow = () => {
  const timers: (() => void)[] = []
  const document = { adoptedStyleSheets: [] as unknown[], getElementById: () => null }
  const win = {
    document,
    CSSStyleSheet: FakeSheet,
    setTimeout: (fn: () => void) => timers.push(fn),
  }
  return { win: win as unknown as Window, doc: document as unknown as Document, timers }
}

const config = { hide: ['[data-precis-slot="hero"]'], timeout: 300 } as Decidable

describe('hideTargets', () => {
  it('hides what may change before the first paint with an adopted sheet (no inline style), until the timeout', () => {
    const { win, doc, timers } = fakeWindow()
    const other = new FakeSheet()
    doc.adoptedStyleSheets = [other as unknown as CSSStyleSheet]
    hideTargets(win, config, false)
    expect(hiding(doc)).toBe(true)
    expect(doc.adoptedStyleSheets[1]).toMatchObject({
      [HIDE_MARK]: true,
      text: '[data-precis-slot="hero"]:not([data-precis-ready]){visibility:hidden}',
    })
    timers[0]!()
    expect(hiding(doc)).toBe(false)
    expect(doc.adoptedStyleSheets).toEqual([other])
  })

  it('hides nothing once painted, nor twice after the snippet did', () => {
    const painted = fakeWindow()
    hideTargets(painted.win, config, true)
    expect(painted.doc.adoptedStyleSheets).toEqual([])
    const again = fakeWindow()
    hideTargets(again.win, config, false)
    hideTargets(again.win, config, false)
    expect(again.doc.adoptedStyleSheets).toHaveLength(1)
  })

  it('unhide removes only the hide sheet', () => {
    const { win, doc } = fakeWindow()
    const other = new FakeSheet()
    hideTargets(win, config, false)
    doc.adoptedStyleSheets = [other as unknown as CSSStyleSheet, ...doc.adoptedStyleSheets]
    unhide(doc)
    expect(doc.adoptedStyleSheets).toEqual([other])
  })
})

describe('hideTargets without adoptedStyleSheets (Safari before 16.4)', () => {
  it('falls back to a <style> element, which hiding() sees and unhide() removes', () => {
    const timers: (() => void)[] = []
    let held: { id?: string; textContent?: string; remove(): void } | null = null
    const style = {
      remove: () => {
        held = null
      },
    }
    const doc = {
      getElementById: (id: string) => (held && held.id === id ? held : null),
      createElement: () => style,
      head: {
        append: (el: typeof style) => {
          held = el
        },
      },
    } as unknown as Document
    const win = { document: doc, setTimeout: (fn: () => void) => timers.push(fn) } as unknown as Window
    hideTargets(win, config, false)
    expect(held).toMatchObject({
      textContent: '[data-precis-slot="hero"]:not([data-precis-ready]){visibility:hidden}',
    })
    expect(hiding(doc)).toBe(true)
    unhide(doc)
    expect(hiding(doc)).toBe(false)
  })
})

describe('decidable', () => {
  it('hides a slot whose only variant is for everyone, in a config without segments', () => {
    const p = personalizationSchema.parse({
      slots: { hero: { timeout: 500, variants: [{ key: 'all', content: { heading: 'Hi' } }] } },
    })
    expect(decidable(p)).toMatchObject({ hide: ['[data-precis-slot="hero"]'], timeout: 500 })
  })
})
