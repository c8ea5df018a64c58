import type { Properties } from '../../core/types.ts'

type Metric = { name: string; value: number }
type On = (report: (metric: Metric) => void) => void
/** The part of the web-vitals package used here. */
export interface VitalsApi {
  onLCP: On
  onINP: On
  onCLS: On
  onFCP: On
  onTTFB: On
}

/**
 * Collects LCP, INP, CLS, FCP and TTFB from the web-vitals package (loaded lazily, so the tag
 * stays small) and gives them back once per page. web-vitals reports its final values in a
 * capture listener of `visibilitychange`, before the SDK's own listener asks for them.
 */
export const captureVitals = (load: () => Promise<VitalsApi>) => {
  const metrics: Properties = {}
  let reported = false
  load().then(
    (v) => {
      for (const on of [v.onLCP, v.onINP, v.onCLS, v.onFCP, v.onTTFB])
        on(({ name, value }) => {
          // CLS is a score (4 decimals are plenty); the others are milliseconds.
          metrics[name] = name === 'CLS' ? Math.round(value * 10_000) / 10_000 : Math.round(value)
        })
    },
    () => {},
  )
  return {
    /** The metrics of this page, once; undefined before any arrived and after they were given. */
    report(): Properties | undefined {
      if (reported || Object.keys(metrics).length === 0) return undefined
      reported = true
      return { ...metrics }
    },
  }
}
