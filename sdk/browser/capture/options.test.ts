import { describe, expect, it } from 'vitest'
import { CAPTURE_DEFAULTS, captureOptions } from './options.ts'

describe('capture options', () => {
  it('captures all but forms and hash changes by default', () => {
    expect(captureOptions()).toEqual(CAPTURE_DEFAULTS)
    expect(CAPTURE_DEFAULTS).toMatchObject({ forms: false, hash: false, pageviews: true, clicks: true })
  })

  it('reads data-capture-* attributes over the given options', () => {
    const dataset = { captureForms: 'on', captureClicks: 'off', captureVitals: 'false', captureHash: '' }
    expect(captureOptions({ engagement: false }, dataset)).toEqual({
      pageviews: true,
      hash: true,
      clicks: false,
      forms: true,
      engagement: false,
      vitals: false,
    })
  })
})
