import { utf8Length } from '../core/outbox.ts'
import { parseRetryAfter } from '../core/retry.ts'
import type { Clock, SendResult, Transport } from '../core/types.ts'

export interface Endpoint {
  url: string
  writeKey: string
}

/** Chromium refuses keepalive bodies beyond 64 KB in flight per page; stay below with room for others. */
const KEEPALIVE_BYTES = 60_000

/** Longest wait for an answer, in ms; then the send counts as failed and is retried. */
const TIMEOUT = 30_000

const retryable = (status: number) => status === 408 || status === 429 || status >= 500

interface Answer {
  error?: { code?: string }
  rejected?: { code?: string }[]
}

/**
 * Posts batches as text/plain, a CORS-simple type, so browsers send no preflight. keepalive lets
 * a request outlive the page, within the browser's budget for such requests, which this tracks.
 * `endpoint` is undefined until the site config has arrived; until then nothing is sent.
 */
export const fetchTransport = (
  endpoint: () => Endpoint | undefined,
  clock: Pick<Clock, 'now'>,
): Transport => {
  let inFlight = 0
  return {
    ready: () => endpoint() !== undefined,
    room: () => KEEPALIVE_BYTES - inFlight,
    send(events) {
      const target = endpoint()
      if (!target) return Promise.resolve({ ok: false, retry: true })
      const body = JSON.stringify({
        batch: events,
        sentAt: new Date(clock.now()).toISOString(),
        writeKey: target.writeKey,
      })
      const bytes = utf8Length(body)
      const keepalive = bytes <= KEEPALIVE_BYTES - inFlight
      if (keepalive) inFlight += bytes
      return fetch(target.url, {
        method: 'POST',
        body,
        headers: { 'Content-Type': 'text/plain' },
        keepalive,
        credentials: 'omit',
        // A request that never ends (a half-open connection) must not hold the outbox forever.
        signal: AbortSignal.timeout(TIMEOUT),
      })
        .then(
          async (res): Promise<SendResult> => {
            const answer = (await res.json().catch(() => ({}))) as Answer
            return {
              ok: res.ok,
              retry: retryable(res.status),
              status: res.status,
              retryAfter: parseRetryAfter(res.headers.get('Retry-After'), clock.now()),
              code: answer.error?.code ?? answer.rejected?.[0]?.code,
              rejected: answer.rejected?.length,
            }
          },
          (): SendResult => ({ ok: false, retry: true }),
        )
        .finally(() => {
          if (keepalive) inFlight -= bytes
        })
    },
  }
}
