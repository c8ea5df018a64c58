import { describe, expect, it } from 'vitest'
import { type Decidable, HIDE_ID, hideTargets } from './personalize.ts'

/** Just the document and timer parts hideTargets touches. */
const fakeWindow = (existing = false) => {
  const appended: { id?: string; nonce?: string; textContent?: string; remove(): void }[] = []
  const timers: number[] = []
  const document = {
    getElementById: (id: string) => (existing && id === HIDE_ID ? {} : null),
    createElement: () => ({ remove() {} }),
    head: { append: (el: (typeof appended)[number]) => appended.push(el) },
  }
  const win = { document, setTimeout: (_: () => void, ms: number) => timers.push(ms) }
  return { win: win as unknown as Window, appended, timers }
}

const config = { hide: ['[data-precis-slot="hero"]'], timeout: 300 } as Decidable

describe('hideTargets', () => {
  it("hides what may change before the first paint, with the script tag's nonce, for at most the timeout", () => {
    const { win, appended, timers } = fakeWindow()
    hideTargets(win, config, false, 'abc123')
    expect(appended).toEqual([
      expect.objectContaining({
        id: HIDE_ID,
        nonce: 'abc123',
        textContent: '[data-precis-slot="hero"]:not([data-precis-ready]){visibility:hidden}',
      }),
    ])
    expect(timers).toEqual([300])
  })

  it('hides nothing once painted, nor twice after the snippet did', () => {
    const painted = fakeWindow()
    hideTargets(painted.win, config, true)
    const snippetDid = fakeWindow(true)
    hideTargets(snippetDid.win, config, false)
    expect([...painted.appended, ...snippetDid.appended]).toEqual([])
  })
})
