// What a page decides with before the chunk arrives, and the sheet that keeps the targets hidden
// meanwhile: shared by p.js (start.ts), the plan it applies and the chunk's slots.
import type { Experiment } from '../../rules/experiment-schema.ts'
import { changesPages } from '../../rules/experiment-status.ts'
import type { Personalization } from '../../rules/personalization-schema.ts'

/**
 * What keeps slots with a possible variant hidden until decided (the snippet adds it): a style
 * sheet adopted by the document, marked with this property. A constructed sheet is no inline
 * style, so no Content-Security-Policy has to allow one. Browsers without adoptedStyleSheets
 * (Safari before 16.4) get a <style> element with the id HIDE_ID from p.js instead.
 */
export const HIDE_MARK = 'precisHide'
const HIDE_ID = 'precis-hide'

type Marked = CSSStyleSheet & { [HIDE_MARK]?: true }
const marked = (s: CSSStyleSheet) => !!(s as Marked)[HIDE_MARK]

/** Whether the hide sheet is in force. */
export const hiding = (doc: Document) =>
  !!doc.adoptedStyleSheets?.some(marked) || !!doc.getElementById(HIDE_ID)

/** Shows everything the hide sheet kept hidden. */
export const unhide = (doc: Document) => {
  if (doc.adoptedStyleSheets?.some(marked))
    doc.adoptedStyleSheets = doc.adoptedStyleSheets.filter((s) => !marked(s))
  doc.getElementById(HIDE_ID)?.remove()
}

/** What p.js caches and the chunk decides with: personalization, experiments, what to hide meanwhile. */
export interface Decidable extends Personalization {
  experiments: Experiment[]
  /** Selectors of what may change: slots with variants, the targets of running experiments. */
  hide: string[]
  /** Longest time (ms) they stay hidden. */
  timeout: number
}

const slotSelector = (name: string) => `[data-precis-slot="${name}"]`

export const decidable = (p: Personalization, experiments: Experiment[] = []): Decidable => {
  const running = experiments.filter(changesPages)
  const targets = running.flatMap((e) =>
    e.variations.map((v) =>
      v.change && 'class' in v.change
        ? v.change.class.selector
        : v.change && slotSelector(v.change.slot.name),
    ),
  )
  const timeouts = Object.values(p.slots).map((s) => s.timeout)
  return {
    ...p,
    // Drafts and stopped ones too: a QA link can preview them (control for everyone else).
    experiments,
    hide: [...new Set([...Object.keys(p.slots).map(slotSelector), ...targets])].filter(
      (t): t is string => !!t,
    ),
    timeout: timeouts.length ? Math.max(...timeouts) : 300,
  }
}

/**
 * Hides what may change, unless the page was already painted: what the visitor has seen stays as
 * it was rather than flash. The snippet does the same before any paint.
 */
export const hideTargets = (win: Window, d: Decidable, painted: boolean) => {
  const doc = win.document
  if (painted || !d.hide.length || hiding(doc)) return
  const css = `${d.hide.map((s) => `${s}:not([data-precis-ready])`)}{visibility:hidden}`
  if (!doc.adoptedStyleSheets) {
    const style = doc.createElement('style')
    style.id = HIDE_ID
    style.textContent = css
    doc.head.append(style)
    win.setTimeout(() => style.remove(), d.timeout)
    return
  }
  const sheet: Marked = new (win as Window & typeof globalThis).CSSStyleSheet()
  sheet[HIDE_MARK] = true
  sheet.replaceSync(css)
  doc.adoptedStyleSheets = [...doc.adoptedStyleSheets, sheet]
  win.setTimeout(() => {
    doc.adoptedStyleSheets = doc.adoptedStyleSheets.filter((s) => s !== sheet)
  }, d.timeout)
}
