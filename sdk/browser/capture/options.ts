/** What the SDK captures without code; each switch also reads from the script tag. */
export interface CaptureOptions {
  /** Page views on load and on SPA navigation (history API). */
  pageviews: boolean
  /** Count a change of the URL's #hash as a navigation. */
  hash: boolean
  /** Link and button clicks, outbound links, downloads, data-precis-event elements. */
  clicks: boolean
  /** Form submissions (never the values typed into them). */
  forms: boolean
  /** Scroll depth and engaged time, reported when the page is left. */
  engagement: boolean
  /** LCP, INP, CLS, FCP, TTFB, one event per page. */
  vitals: boolean
}

export const CAPTURE_DEFAULTS: CaptureOptions = {
  pageviews: true,
  hash: false,
  clicks: true,
  forms: false,
  engagement: true,
  vitals: true,
}

/**
 * Options from `data-capture-<name>="off|on"` attributes (e.g. data-capture-forms="on") over
 * the given ones.
 */
export const captureOptions = (
  given: Partial<CaptureOptions> = {},
  dataset: DOMStringMap = {},
): CaptureOptions => {
  const options = { ...CAPTURE_DEFAULTS, ...given }
  for (const key of Object.keys(options) as (keyof CaptureOptions)[]) {
    const value = dataset[`capture${key[0]!.toUpperCase()}${key.slice(1)}`]
    if (value !== undefined) options[key] = !/^(off|false|0|no)$/i.test(value)
  }
  return options
}
