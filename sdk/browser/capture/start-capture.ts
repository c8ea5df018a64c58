import type { ConsentStore } from '../../../consent/core/state.ts'
import type { Precis } from '../../core/precis.ts'
import type { Clock } from '../../core/types.ts'
import { captureClicks } from './clicks.ts'
import { captureEngagement } from './engagement.ts'
import type { CaptureOptions } from './options.ts'
import { capturePageviews } from './pageviews.ts'
import { captureVitals, type VitalsApi } from './vitals.ts'

/**
 * Starts automatic capture. Its events go through the tracker like any call, so before analytics
 * consent they wait in memory for this page only; web-vitals loads once analytics is granted.
 */
export const startCapture = (
  win: Window,
  precis: Pick<Precis, 'page' | 'track'>,
  consent: Pick<ConsentStore, 'get' | 'on'>,
  clock: Pick<Clock, 'now'>,
  { options, loadVitals }: { options: CaptureOptions; loadVitals: () => Promise<VitalsApi> },
) => {
  const engagement = options.engagement ? captureEngagement(win, clock) : undefined
  let vitals: ReturnType<typeof captureVitals> | undefined
  const startVitals = () => {
    if (options.vitals && !vitals && consent.get().purposes.analytics) vitals = captureVitals(loadVitals)
  }
  startVitals()
  consent.on('change', startVitals)

  // Once per page view: the first of hidden, pagehide and an SPA navigation reports it.
  let reported = false
  const leave = () => {
    if (reported) return
    reported = true
    if (engagement) precis.track('Page Engagement', engagement.report())
    const metrics = vitals?.report()
    if (metrics) precis.track('Web Vitals', metrics)
  }
  if (options.pageviews)
    capturePageviews(
      win,
      options.hash,
      (properties) => {
        reported = false
        precis.page(null, properties)
      },
      leave,
    )
  if (options.clicks || options.forms) captureClicks(win, precis.track, options)
  return { leave }
}
