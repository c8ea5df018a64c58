import { describe, expect, it } from 'vitest'
import { testApp, WRITE_KEY } from '../../test/support/collector-app.ts'

/** A body that sends its first bytes and then fails, as a client hanging up mid-request does. */
const hangsUp = () =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode(`{"writeKey":"${WRITE_KEY}","batch":[`))
      controller.error(new Error('aborted'))
    },
  })

// With Content-Length the route's readJson meets the failure; without, the body limit does.
const sendBroken = (path: string, headers: Record<string, string>) =>
  testApp().app.request(path, { method: 'POST', headers, body: hangsUp(), duplex: 'half' } as RequestInit)

describe('a body that fails while it is read', () => {
  it.each([
    ['/v1/batch', { 'content-type': 'application/json' }],
    ['/v1/batch', { 'content-type': 'application/json', 'content-length': '1000' }],
    ['/v1/consent', { 'content-type': 'text/plain' }],
    ['/v1/consent', { 'content-type': 'text/plain', 'content-length': '1000' }],
    ['/v1/track', { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' }],
  ])('%s %j is the client’s fault (400 invalid_body), not a 500', async (path, headers) => {
    const answer = await sendBroken(path, headers)
    expect(answer.status).toBe(400)
    expect(await answer.json()).toEqual({
      error: { code: 'invalid_body', message: 'the body ended before it was complete' },
    })
  })
})
