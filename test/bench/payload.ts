// Batches shaped like the SDK's: 50 events with page context, each with its own messageId.

export const BATCH_SIZE = 50
export const BENCH_WRITE_KEY = 'bench-write-key-0001'

/** One event; given a device, the event is in a session of that device's. */
const event = (i: number, messageId: string, device?: string) => ({
  type: i % 5 === 0 ? 'page' : 'track',
  ...(i % 5 === 0 ? {} : { event: 'Product Viewed' }),
  messageId,
  anonymousId: device ?? 'c3f0a2f4-6d0c-4b59-9d8e-0f6e8b1f9a21',
  timestamp: '2026-11-23T10:00:00.000Z',
  properties: { product_id: `sku-${i}`, category: 'outdoor', price: 189, currency: 'USD' },
  context: {
    page: {
      path: '/demo/product.html',
      url: 'https://shop.example/demo/product.html?sku=tent-2p',
      referrer: 'https://shop.example/demo/outdoor.html',
      title: 'Trailhead 2-person tent',
      search: '?sku=tent-2p',
    },
    ...(device ? { session: { id: `s-${device}` } } : {}),
    locale: 'en-US',
    userAgent:
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
    library: { name: 'precis', version: '0.1.0' },
    consent: {
      categoryPreferences: { necessary: true, analytics: true, personalization: false, marketing: false },
    },
  },
})

const ID = '@@ID@@'
const DEVICE = '@@DEVICE@@'

/**
 * Makes batch bodies with a unique messageId for every event: the body is serialized once and
 * only the ids are spliced in per request, so the load generator stays cheap. Every batch is one
 * device's unless `visitors`: then each is a visit of a device of its own, as many visitors send
 * (what report tables and identity resolution keep per device and visit).
 */
export const batchBodies = (runId: string, { visitors = false } = {}) => {
  const parts = JSON.stringify({
    batch: Array.from({ length: BATCH_SIZE }, (_, i) => event(i, ID, visitors ? DEVICE : undefined)),
    sentAt: '2026-11-23T10:00:01.000Z',
    writeKey: BENCH_WRITE_KEY,
  }).split(/(@@ID@@|@@DEVICE@@)/)
  let request = 0
  return () => {
    const n = request++
    let body = ''
    let i = 0
    for (const part of parts)
      body += part === ID ? `${runId}-${n}-${++i}` : part === DEVICE ? `${runId}-d${n}` : part
    return body
  }
}

/** The same events as rows, for the raw insert baseline. */
export const sampleEvents = (prefix: string) =>
  Array.from({ length: BATCH_SIZE }, (_, i) => event(i, `${prefix}-${i}`))
