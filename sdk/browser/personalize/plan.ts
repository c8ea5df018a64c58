import { changesPages } from '../../rules/experiment-status.ts'
import type { Personalization, SlotContent } from '../../rules/personalization-schema.ts'
import type { Decidable } from './hide.ts'
import { renderContent } from './render.ts'

/** What a visitor got in a slot: a variant, the baseline because of the holdout, or the baseline. */
export interface SlotDecision {
  slot: string
  variant: string
  /** The variant a held-out (or late) visitor would have seen. */
  eligible?: string
  /** A variant applied but came after the baseline was shown. */
  late?: true
}

/**
 * What the previous page decided for the next one, kept beside the cached config (same consent,
 * same key, removed with it): p.js applies it before the first paint, so a returning visitor never
 * waits for the chunk and IndexedDB. The chunk refreshes it in the background; that can change
 * only what the next page shows.
 */
export interface Plan {
  /** Running experiments this visitor takes part in (sticky): key → the variation shown. */
  experiments: Record<string, string>
  /** Every configured slot: the decision, with the variant's content already filled in. */
  slots: Record<string, { decision: SlotDecision; content?: SlotContent }>
}

/** Set on what a plan decided, so the chunk knows the visitor saw its decision from the start. */
export const PLANNED = 'data-precis-planned'
const READY = 'data-precis-ready'

/**
 * Applies a plan to what is on the page and what the parser adds, only while the hide sheet is in
 * force: nothing the visitor has already seen changes. The chunk logs exposures and impressions
 * for what it marked. A QA or preview link is decided by the chunk (false: nothing applied).
 */
export const applyPlan = (win: Window, config: Decidable, plan: Plan, hiding: () => boolean) => {
  const search = new URLSearchParams(win.location.search)
  if (!hiding() || search.has('precis_exp') || search.has(PREVIEW)) return false
  const doc = win.document
  const classes: { selector: string; add: string }[] = []
  const reveal: string[] = []
  for (const e of config.experiments) {
    const shown = plan.experiments[e.key]
    if (shown === undefined || !changesPages(e)) continue
    for (const v of e.variations)
      if (v.change && 'class' in v.change) {
        reveal.push(v.change.class.selector)
        if (v.key === shown) classes.push(v.change.class)
      }
  }
  const mark = (el: Element) => {
    el.setAttribute(PLANNED, '')
    el.setAttribute(READY, '')
  }
  const sweep = () => {
    if (!hiding()) return observer?.disconnect()
    for (const { selector, add } of classes)
      for (const el of doc.querySelectorAll(selector)) if (!el.hasAttribute(READY)) el.classList.add(add)
    for (const selector of reveal)
      for (const el of doc.querySelectorAll(selector)) if (!el.hasAttribute(READY)) mark(el)
    for (const el of doc.querySelectorAll<HTMLElement>(`[data-precis-slot]:not([${READY}])`)) {
      const name = el.dataset.precisSlot!
      const planned = Object.hasOwn(plan.slots, name) && Object.hasOwn(config.slots, name)
      if (!planned) continue
      const { decision, content } = plan.slots[name]!
      if (content) {
        // The baseline's height stays reserved: what follows the slot does not move.
        el.style.minHeight = `${el.getBoundingClientRect().height}px`
        el.replaceChildren(...renderContent(doc, content))
      }
      el.dataset.precisVariant = decision.variant
      mark(el)
    }
  }
  const Observer = (win as Window & { MutationObserver?: typeof MutationObserver }).MutationObserver
  const observer = Observer && new Observer(sweep)
  sweep()
  if (hiding()) observer?.observe(doc.documentElement, { childList: true, subtree: true })
  return true
}

const PREVIEW = 'precis_preview'

/**
 * What a preview link forces on this page: `?precis_preview=hero:outdoor,promo:baseline` (slot
 * name → a variant key or `baseline`); unknown slots and variants are left out.
 */
export const previews = (search: string, slots: Personalization['slots']) =>
  new Map(
    (new URLSearchParams(search).get(PREVIEW) ?? '')
      .split(',')
      .map((pair) => pair.split(':') as [string, string])
      .filter(
        ([slot, variant]) =>
          Object.hasOwn(slots, slot) &&
          (variant === 'baseline' || slots[slot]!.variants.some((v) => v.key === variant)),
      ),
  )

/**
 * Shows what a preview link asks for, whatever the visitor's consent, segments or holdout: the
 * content is public in the site config, and a preview is only a look. It stores, sends and logs
 * nothing; the chunk leaves these slots alone (no impression, no click).
 */
export const applyPreview = (win: Window, slots: Personalization['slots']) => {
  // Every page view comes here: without a preview there is nothing to wait for.
  const forced = previews(win.location.search, slots)
  if (forced.size === 0) return
  const doc = win.document
  const show = () => {
    for (const [name, key] of forced)
      for (const el of doc.querySelectorAll<HTMLElement>(`[data-precis-slot="${name}"]`)) {
        const content = slots[name]!.variants.find((v) => v.key === key)?.content
        // A preview knows no visitor: templates show their fallback.
        if (content)
          el.replaceChildren(
            ...renderContent(doc, content, (s) => s.replace(/\{\{[^|}]*\|?([^}]*)\}\}/g, '$1')),
          )
        el.dataset.precisVariant = key
        el.setAttribute(READY, '')
      }
  }
  if (doc.readyState === 'loading') doc.addEventListener('DOMContentLoaded', show)
  else show()
}
