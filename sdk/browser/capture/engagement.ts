import type { Clock, Properties } from '../../core/types.ts'

/**
 * Scroll depth (the furthest point seen, in %) and engaged time (visible and focused), reported
 * once per page view by `report()`: when the page is left or an SPA navigation replaces it.
 */
export const captureEngagement = (win: Window, clock: Pick<Clock, 'now'>) => {
  const doc = win.document
  let depth = 0
  let engaged = 0
  let since: number | undefined
  const measure = () => {
    const el = doc.documentElement
    const seen = win.scrollY + win.innerHeight
    depth = Math.max(
      depth,
      el.scrollHeight > 0 ? Math.min(100, Math.round((seen / el.scrollHeight) * 100)) : 100,
    )
  }
  const active = () => doc.visibilityState === 'visible' && doc.hasFocus()
  const tick = () => {
    const now = clock.now()
    if (since !== undefined) engaged += now - since
    since = active() ? now : undefined
  }
  win.addEventListener('scroll', measure, { passive: true })
  for (const type of ['focus', 'blur']) win.addEventListener(type, tick)
  doc.addEventListener('visibilitychange', tick)
  measure()
  tick()
  return {
    /** The figures of the page view so far, then a fresh start for the next one. */
    report(): Properties {
      tick()
      measure()
      const figures = { scroll_depth: depth, engaged_time: Math.round(engaged / 1000) }
      depth = engaged = 0
      measure()
      return figures
    },
  }
}
