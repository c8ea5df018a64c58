import { afterEach, describe, expect, it, vi } from 'vitest'
import { outgoing } from '../../test/support/sdk-fakes.ts'
import { fetchTransport } from './transport.ts'

afterEach(() => {
  vi.unstubAllGlobals()
})

const endpoint = { url: 'https://collect.example/v1/batch', writeKey: 'wk' }
const clock = { now: () => Date.parse('2026-11-23T10:00:00Z') }

describe('fetch transport', () => {
  it('is not ready and sends nothing before the endpoint is known', async () => {
    const fetch = vi.fn()
    vi.stubGlobal('fetch', fetch)
    const transport = fetchTransport(() => undefined, clock)
    expect(transport.ready?.()).toBe(false)
    expect(await transport.send([outgoing()])).toEqual({ ok: false, retry: true })
    expect(fetch).not.toHaveBeenCalled()
  })

  it('posts text/plain with keepalive and reads Retry-After, the error code and refusals', async () => {
    const fetch = vi.fn(
      async () =>
        new Response('{"error":{"code":"rate_limited","message":"slow down"}}', {
          status: 429,
          headers: { 'Retry-After': '12' },
        }),
    )
    vi.stubGlobal('fetch', fetch)
    const result = await fetchTransport(() => endpoint, clock).send([outgoing()])
    expect(result).toEqual({ ok: false, retry: true, status: 429, retryAfter: 12_000, code: 'rate_limited' })
    const [url, init] = fetch.mock.calls[0] as unknown as [string, RequestInit]
    expect(url).toBe(endpoint.url)
    expect(init).toMatchObject({ method: 'POST', keepalive: true, headers: { 'Content-Type': 'text/plain' } })
    expect(JSON.parse(init.body as string)).toMatchObject({
      writeKey: 'wk',
      sentAt: '2026-11-23T10:00:00.000Z',
    })

    fetch.mockResolvedValueOnce(new Response('{"success":true,"rejected":[{"code":"invalid_event"}]}'))
    expect(await fetchTransport(() => endpoint, clock).send([outgoing(), outgoing()])).toMatchObject({
      ok: true,
      rejected: 1,
      code: 'invalid_event',
    })
  })

  it('tracks the keepalive budget of requests in flight and gives it back when they end', async () => {
    let answer!: (r: Response) => void
    vi.stubGlobal(
      'fetch',
      vi.fn(() => new Promise<Response>((done) => (answer = done))),
    )
    const transport = fetchTransport(() => endpoint, clock)
    const before = transport.room!()
    const sending = transport.send([outgoing('E', { pad: 'é'.repeat(1000) })])
    expect(before - transport.room!()).toBeGreaterThan(2000) // UTF-8 bytes, not characters
    answer(new Response('{}'))
    await sending
    expect(transport.room!()).toBe(before)
  })

  it('sends a body beyond the budget without keepalive, and a network error is worth retrying', async () => {
    const fetch = vi.fn(async () => {
      throw new TypeError('Failed to fetch')
    })
    vi.stubGlobal('fetch', fetch)
    const result = await fetchTransport(() => endpoint, clock).send([
      outgoing('E', { pad: 'x'.repeat(70_000) }),
    ])
    expect(result).toEqual({ ok: false, retry: true })
    expect((fetch.mock.calls[0] as unknown as [string, RequestInit])[1].keepalive).toBe(false)
  })
})
