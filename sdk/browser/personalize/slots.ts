import { fill } from '../../rules/content.ts'
import { hash } from '../../rules/hash.ts'
import type { SlotConfig } from '../../rules/personalization-schema.ts'
import { hiding } from './hide.ts'
import { PLANNED, type Plan, previews, type SlotDecision } from './plan.ts'
import { fillContent, renderContent } from './render.ts'

/**
 * The first variant (by priority, then order) whose segment the visitor is in, or that has no
 * segment (for everyone personalized); the holdout keeps the baseline.
 */
export const decide = (
  slot: string,
  config: SlotConfig,
  segments: readonly string[],
  seed: string,
): SlotDecision => {
  const match = config.variants
    .map((v, i) => ({ v, i }))
    .sort((a, b) => b.v.priority - a.v.priority || a.i - b.i)
    .find(({ v }) => !v.segment || segments.includes(v.segment))?.v
  if (!match) return { slot, variant: 'baseline' }
  // Sticky: the same seed always lands on the same side, on every page.
  if (hash(`precis-holdout:${slot}`, seed)! < config.holdout)
    return { slot, variant: 'holdout', eligible: match.key }
  return { slot, variant: match.key }
}

export interface SlotEnv {
  win: Window
  slots: Record<string, SlotConfig>
  segments: readonly string[]
  seed: string
  attributes: Record<string, unknown>
  track(event: string, properties: Record<string, unknown>): void
  /** slot name → a variant an experiment shows there, whatever the segments say. */
  overrides?: ReadonlyMap<string, string>
  /** What a plan showed on this page before the first paint. */
  planned?: Plan['slots']
}

/** A slot's decision: an experiment's variant, or the segments' (with the holdout). */
const decideSlot = (name: string, config: SlotConfig, env: Omit<SlotEnv, 'win' | 'slots' | 'track'>) => {
  const forced = env.overrides?.get(name)
  return forced ? { slot: name, variant: forced } : decide(name, config, env.segments, env.seed)
}

/** What every configured slot shows on the next page, its content filled in now. */
export const planSlots = (env: Omit<SlotEnv, 'win' | 'track' | 'planned'>): Plan['slots'] =>
  Object.fromEntries(
    Object.entries(env.slots).map(([name, config]) => {
      const decision = decideSlot(name, config, env)
      const variant = config.variants.find((v) => v.key === decision.variant)
      return [
        name,
        variant ? { decision, content: fillContent(variant.content, env.attributes) } : { decision },
      ]
    }),
  )

/** Visible for this long (ms) with at least half of it in view: an impression. */
const SEEN_MS = 1000

/**
 * Fills the page's slots once: a variant replaces the baseline only while the slot is still
 * hidden and within its timeout, so the visitor never sees one content turn into another. Then
 * reports one impression per slot when it has really been seen, and the clicks inside it.
 */
export const fillSlots = (env: SlotEnv) => {
  const { win, slots, attributes, track, planned } = env
  const doc = win.document
  const hidden = hiding(doc)
  const previewed = previews(win.location.search, slots)
  const decisions: SlotDecision[] = []
  for (const el of doc.querySelectorAll<HTMLElement>('[data-precis-slot]')) {
    const name = el.dataset.precisSlot!
    // p.js shows a preview link's variant: only a look, neither decided nor logged.
    if (previewed.has(name)) continue
    const config = Object.hasOwn(slots, name) ? slots[name] : undefined
    const plan = planned && Object.hasOwn(planned, name) ? planned[name] : undefined
    if (config && plan && el.hasAttribute(PLANNED)) {
      // Shown from the first paint: the page's impression is the plan's.
      decisions.push(plan.decision)
      observe(win, el, plan.decision, track)
      continue
    }
    if (!config || el.hasAttribute('data-precis-ready')) continue
    const decision = decideSlot(name, config, env)
    const variant = config.variants.find((v) => v.key === decision.variant)
    if (variant && hidden && win.performance.now() <= config.timeout) {
      // The baseline's height stays reserved: what follows the slot does not move.
      el.style.minHeight = `${el.getBoundingClientRect().height}px`
      el.replaceChildren(...renderContent(doc, variant.content, (s) => fill(s, attributes)))
    } else if (variant) {
      // Too late, or the slot was never hidden: the baseline was shown, so it stays.
      Object.assign(decision, { variant: 'baseline', eligible: variant.key, late: true })
    }
    el.dataset.precisVariant = decision.variant
    el.setAttribute('data-precis-ready', '')
    decisions.push(decision)
    observe(win, el, decision, track)
  }
  return decisions
}

const observe = (win: Window, el: HTMLElement, decision: SlotDecision, track: SlotEnv['track']) => {
  const properties = { ...decision }
  el.addEventListener('click', (e) => {
    const link = (e.target as Element).closest?.('a[href]')
    track('Slot Clicked', { ...properties, ...(link ? { href: (link as HTMLAnchorElement).href } : {}) })
  })
  const Observer = (win as Window & { IntersectionObserver?: typeof IntersectionObserver })
    .IntersectionObserver
  if (!Observer) return
  let timer: number | undefined
  const io = new Observer(
    ([entry]) => {
      if (entry?.isIntersecting) {
        timer ??= win.setTimeout(() => {
          io.disconnect()
          track('Slot Viewed', properties)
        }, SEEN_MS)
      } else if (timer !== undefined) {
        win.clearTimeout(timer)
        timer = undefined
      }
    },
    { threshold: 0.5 },
  )
  io.observe(el)
}
