import type { Clock, SendResult, Transport } from '../core/types.ts'

export interface Endpoint {
  url: string
  writeKey: string
}

/** Chromium refuses keepalive bodies over 64 KB in flight; stay below with room for others. */
const KEEPALIVE_BYTES = 60_000

const retryable = (status: number) => status === 408 || status === 429 || status >= 500

/**
 * Posts batches as text/plain, a CORS-simple type, so browsers send no preflight. keepalive lets
 * the request outlive the page (batches sent on pagehide). `endpoint` is undefined until the
 * site config has arrived; batches sent before that wait in the queue.
 */
export const fetchTransport = (
  endpoint: () => Endpoint | undefined,
  clock: Pick<Clock, 'now'>,
): Transport => ({
  send(events) {
    const target = endpoint()
    if (!target) return Promise.resolve({ ok: false, retry: true })
    const body = JSON.stringify({
      batch: events,
      sentAt: new Date(clock.now()).toISOString(),
      writeKey: target.writeKey,
    })
    return fetch(target.url, {
      method: 'POST',
      body,
      headers: { 'Content-Type': 'text/plain' },
      keepalive: body.length < KEEPALIVE_BYTES,
      credentials: 'omit',
    }).then(
      (res): SendResult => ({ ok: res.ok, retry: retryable(res.status), status: res.status }),
      (): SendResult => ({ ok: false, retry: true }),
    )
  },
})
