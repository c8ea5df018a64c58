import { describe, expect, it } from 'vitest'
import { LIMITS } from '../../sdk/rules/event-schema.ts'
import {
  basic,
  event,
  GRANTED,
  NOW,
  post,
  SERVER_KEY,
  SHOP_ORIGIN,
  testApp,
  WRITE_KEY,
} from '../../test/support/collector-app.ts'
import { toSegmentEvent } from '../store/event-row.ts'

const send = async (app: ReturnType<typeof testApp>['app'], req: ReturnType<typeof post>) => {
  const res = await app.request(req.path, req.init)
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers }
}
const stored = async (store: ReturnType<typeof testApp>['store'], site = 'demo') =>
  (await store.listEvents(site, { limit: 1000 })).events

describe('POST /v1/batch', () => {
  it('stores a batch authorized by Basic auth and acknowledges it', async () => {
    const { app, store } = testApp()
    const batch = [event({ messageId: 'a' }), event({ messageId: 'b', type: 'page', name: 'Home' })]
    const res = await send(app, post('/v1/batch', { batch }, { authorization: basic(WRITE_KEY) }))
    expect(res.status).toBe(200)
    expect(res.body).toEqual({ success: true, accepted: 2, inserted: 2, duplicates: 0, rejected: [] })
    const rows = await stored(store)
    expect(rows.map((r) => [r.messageId, r.type, r.name])).toEqual([
      ['b', 'page', 'Home'],
      ['a', 'track', 'Signed Up'],
    ])
    expect(rows[0]?.receivedAt).toBe(NOW)
  })

  it('accepts the write key in the body and text/plain (no CORS preflight)', async () => {
    const { app, store } = testApp()
    const req = post('/v1/batch', { batch: [event()], writeKey: WRITE_KEY }, { 'content-type': 'text/plain' })
    expect((await send(app, req)).status).toBe(200)
    expect(await stored(store)).toHaveLength(1)
    // The write key is authorization, never data.
    expect((await stored(store))[0]?.payload).not.toContain(WRITE_KEY)
  })

  it('stores a repeated messageId once and acknowledges the repeat', async () => {
    const { app, store } = testApp()
    const body = { batch: [event({ messageId: 'dup' }), event({ messageId: 'dup' })], writeKey: WRITE_KEY }
    expect((await send(app, post('/v1/batch', body))).body).toMatchObject({ inserted: 1, duplicates: 1 })
    expect((await send(app, post('/v1/batch', body))).body).toMatchObject({ inserted: 0, duplicates: 2 })
    expect(await stored(store)).toHaveLength(1)
  })

  it('corrects the timestamp by the client clock skew', async () => {
    const { app, store } = testApp()
    // The client clock is an hour fast: it says the event happened 2 s before sending.
    const batch = [event({ timestamp: '2026-11-23T13:00:00.000Z' })]
    await send(app, post('/v1/batch', { batch, sentAt: '2026-11-23T13:00:02.000Z', writeKey: WRITE_KEY }))
    const [row] = await stored(store)
    expect(row?.timestamp).toBe(NOW - 2000)
    expect(toSegmentEvent(row!)).toMatchObject({
      timestamp: '2026-11-23T11:59:58.000Z',
      originalTimestamp: '2026-11-23T13:00:00.000Z',
      sentAt: '2026-11-23T13:00:02.000Z',
      receivedAt: '2026-11-23T12:00:00.000Z',
    })
  })

  it('gives events without a messageId a generated one', async () => {
    const { app, store } = testApp()
    const { messageId: _, ...bare } = event()
    await send(app, post('/v1/batch', { batch: [bare], writeKey: WRITE_KEY }))
    expect((await stored(store))[0]?.messageId).toBe('generated-1')
  })

  it('keeps the valid events of a mixed batch and lists the rejected ones', async () => {
    const { app, store } = testApp()
    const batch = [event({ messageId: 'ok' }), event({ messageId: 'bad', event: '' }), { type: 'nope' }]
    const res = await send(app, post('/v1/batch', { batch, writeKey: WRITE_KEY }))
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ accepted: 1, inserted: 1 })
    expect(res.body.rejected).toEqual([
      {
        index: 1,
        messageId: 'bad',
        code: 'invalid_event',
        message: 'must not be empty',
        path: 'batch[1].event',
      },
      { index: 2, code: 'invalid_event', message: expect.any(String), path: 'batch[2].type' },
    ])
    expect((await stored(store)).map((r) => r.messageId)).toEqual(['ok'])
  })

  it('refuses a batch with no valid event as a whole', async () => {
    const { app, store } = testApp()
    const res = await send(
      app,
      post('/v1/batch', { batch: [event({ anonymousId: null })], writeKey: WRITE_KEY }),
    )
    expect(res.status).toBe(400)
    expect(res.body.error).toEqual({
      code: 'invalid_event',
      message: 'userId or anonymousId is required',
      path: 'batch[0].userId',
    })
    expect(await stored(store)).toHaveLength(0)
  })

  it('refuses an event nested too deeply to store (no 500) and keeps its neighbours', async () => {
    const { app, store } = testApp()
    // 100,000 levels fit in 200 KB of JSON; serializing them back would overflow the stack.
    const body = JSON.stringify({
      batch: [event({ properties: { deep: '@' } }), event()],
      writeKey: WRITE_KEY,
    })
    const res = await send(
      app,
      post('/v1/batch', body.replace('"@"', `${'['.repeat(100_000)}${']'.repeat(100_000)}`)),
    )
    expect(res.status).toBe(200)
    expect(res.body.rejected).toEqual([
      expect.objectContaining({ index: 0, code: 'invalid_event', path: 'batch[0]' }),
    ])
    expect(await stored(store)).toHaveLength(1)
  })

  it('refuses an event holding NUL (PostgreSQL cannot store it) on every adapter, and keeps its neighbours', async () => {
    const { app, store } = testApp()
    const batch = [event({ properties: { note: 'a\u0000b' } }), event()]
    const res = await send(app, post('/v1/batch', { batch, writeKey: WRITE_KEY }))
    expect(res.status).toBe(200)
    expect(res.body.rejected).toEqual([
      expect.objectContaining({ index: 0, code: 'invalid_event', message: expect.stringContaining('NUL') }),
    ])
    expect(await stored(store)).toHaveLength(1)
  })

  it('refuses an event over 32 KB but keeps its neighbours', async () => {
    const { app, store } = testApp()
    const big = event({ properties: { blob: 'x'.repeat(LIMITS.eventBytes) } })
    const res = await send(app, post('/v1/batch', { batch: [big, event()], writeKey: WRITE_KEY }))
    expect(res.body.rejected).toEqual([
      expect.objectContaining({ index: 0, code: 'event_too_large', path: 'batch[0]' }),
    ])
    expect(await stored(store)).toHaveLength(1)
  })

  it.each([
    ['no write key', { batch: [event()] }, {}, 401, 'unauthorized'],
    ['an unknown write key', { batch: [event()], writeKey: 'wrong-key-123' }, {}, 401, 'unauthorized'],
    [
      'an unknown Basic user',
      { batch: [event()] },
      { authorization: basic('nope-nope') },
      401,
      'unauthorized',
    ],
    ['no batch', { writeKey: WRITE_KEY }, {}, 400, 'invalid_body'],
    ['an empty batch', { batch: [], writeKey: WRITE_KEY }, {}, 400, 'invalid_body'],
    ['a batch that is not a list', { batch: {}, writeKey: WRITE_KEY }, {}, 400, 'invalid_body'],
    ['a bad sentAt', { batch: [event()], sentAt: 'soon', writeKey: WRITE_KEY }, {}, 400, 'invalid_body'],
    ['truncated JSON', '{"batch": [', {}, 400, 'invalid_json'],
    [
      'a form body',
      'batch=1',
      { 'content-type': 'application/x-www-form-urlencoded' },
      415,
      'unsupported_media_type',
    ],
    [
      'a disallowed origin',
      { batch: [event()], writeKey: WRITE_KEY },
      { origin: 'https://evil.example' },
      403,
      'origin_not_allowed',
    ],
    [
      "another site's origin",
      { batch: [event()], writeKey: WRITE_KEY },
      { origin: 'https://other.example' },
      403,
      'origin_not_allowed',
    ],
  ])('refuses %s with a stable code', async (_name, body, headers, status, code) => {
    const { app, store } = testApp()
    const res = await send(app, post('/v1/batch', body, headers as Record<string, string>))
    expect(res.status).toBe(status)
    expect((res.body.error as { code: string }).code).toBe(code)
    expect(typeof (res.body.error as { message: string }).message).toBe('string')
    expect(await stored(store)).toHaveLength(0)
  })

  it('answers 413 to a body over 500 KB, with or without Content-Length', async () => {
    const { app, store } = testApp()
    const body = JSON.stringify({ batch: [event({ properties: { x: 'y'.repeat(LIMITS.requestBytes) } })] })
    const withLength = await app.request('/v1/batch', {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'content-length': String(body.length) },
    })
    expect(withLength.status).toBe(413)
    const stream = new Blob([body]).stream()
    const chunked = await app.request('/v1/batch', {
      method: 'POST',
      body: stream,
      duplex: 'half',
    } as RequestInit)
    expect(chunked.status).toBe(413)
    expect(((await chunked.json()) as { error: { code: string } }).error.code).toBe('payload_too_large')
    expect(await stored(store)).toHaveLength(0)
  })
})

describe('messageId', () => {
  // The messageId is the deduplication key: anything but a string of 1..128 characters is refused,
  // never coerced ("123") nor replaced by a generated id, or a retry would be stored twice.
  const tooLong = 'm'.repeat(LIMITS.messageIdLength + 1)

  it('accepts 128 characters and refuses 129', async () => {
    const { app, store } = testApp()
    const longest = 'm'.repeat(LIMITS.messageIdLength)
    const ok = await send(
      app,
      post('/v1/batch', { batch: [event({ messageId: longest })], writeKey: WRITE_KEY }),
    )
    expect(ok.status).toBe(200)
    const res = await send(
      app,
      post('/v1/batch', { batch: [event({ messageId: tooLong })], writeKey: WRITE_KEY }),
    )
    expect(res.status).toBe(400)
    expect(res.body.error).toMatchObject({ code: 'invalid_event', path: 'batch[0].messageId' })
    expect((await stored(store)).map((r) => r.messageId)).toEqual([longest])
  })

  it.each([
    ['a number', 123],
    ['an object', { id: 'm-1' }],
  ])('refuses %s and stores nothing under another id', async (_name, messageId) => {
    const { app, store } = testApp()
    const res = await send(app, post('/v1/batch', { batch: [event({ messageId })], writeKey: WRITE_KEY }))
    expect(res.status).toBe(400)
    expect(res.body.error).toMatchObject({ code: 'invalid_event', path: 'batch[0].messageId' })
    // Not echoed back as if it were an id the client could match on.
    expect(res.body.rejected).toEqual([expect.not.objectContaining({ messageId: expect.anything() })])
    expect(await stored(store)).toHaveLength(0)
  })

  it('keeps the valid events of a batch that mixes them with bad messageIds', async () => {
    const { app, store } = testApp()
    const batch = [
      event({ messageId: 'first' }),
      event({ messageId: tooLong }),
      event({ messageId: 123 }),
      event({ messageId: { id: 'x' } }),
      event({ messageId: 'last' }),
    ]
    const res = await send(app, post('/v1/batch', { batch, writeKey: WRITE_KEY }))
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ accepted: 2, inserted: 2, duplicates: 0 })
    expect(res.body.rejected).toEqual(
      [1, 2, 3].map((index) =>
        expect.objectContaining({ index, code: 'invalid_event', path: `batch[${index}].messageId` }),
      ),
    )
    expect((await stored(store)).map((r) => r.messageId).sort()).toEqual(['first', 'last'])
  })

  it('refuses a numeric messageId on the single-event routes too', async () => {
    const { app, store } = testApp()
    const body = { anonymousId: 'a', event: 'Clicked', messageId: 123, writeKey: WRITE_KEY }
    const res = await send(app, post('/v1/track', body))
    expect(res.status).toBe(400)
    expect(res.body.error).toMatchObject({ code: 'invalid_event', path: 'messageId' })
    expect(await stored(store)).toHaveLength(0)
  })
})

describe('single-event routes', () => {
  it.each([
    ['track', { event: 'Clicked' }],
    ['page', { name: 'Home' }],
    ['screen', { name: 'Home' }],
    ['identify', { userId: 'u1', traits: { plan: 'pro' } }],
    ['group', { groupId: 'g1' }],
    ['alias', { userId: 'u1', previousId: 'anon-1' }],
  ])('POST /v1/%s stores one event of that type', async (type, fields) => {
    const { app, store } = testApp()
    const body = { anonymousId: 'anon-1', messageId: 'single', ...fields }
    const res = await send(app, post(`/v1/${type}`, body, { authorization: basic(SERVER_KEY) }))
    expect(res.status).toBe(200)
    expect((await stored(store)).map((r) => r.type)).toEqual([type])
  })

  it('takes the type from the path, not the body', async () => {
    const { app, store } = testApp()
    const body = { type: 'identify', event: 'Clicked', anonymousId: 'a', writeKey: SERVER_KEY }
    await send(app, post('/v1/track', body))
    expect((await stored(store))[0]?.type).toBe('track')
  })

  it('refuses an invalid single event with its path', async () => {
    const { app } = testApp()
    const res = await send(app, post('/v1/track', { anonymousId: 'a', writeKey: WRITE_KEY }))
    expect(res.status).toBe(400)
    expect(res.body.error).toMatchObject({ code: 'invalid_event', path: 'event' })
  })
})

describe('analytics.js paths', () => {
  // What analytics-next's segmentio plugin posts: the write key in the body and as Basic auth,
  // text/plain, per-event sentAt and _metadata, userId null before identify.
  const ajs = (fields: Record<string, unknown>) =>
    event({
      messageId: `ajs-next-${Math.random().toString(36).slice(2)}`,
      userId: null,
      integrations: {},
      writeKey: WRITE_KEY,
      sentAt: '2026-11-23T11:59:59.000Z',
      _metadata: { bundled: ['Segment.io'], unbundled: [], bundledIds: [] },
      ...fields,
    })
  const headers = { 'content-type': 'text/plain', authorization: basic(WRITE_KEY), origin: SHOP_ORIGIN }

  it.each([
    ['t', 'track', { event: 'Clicked' }],
    ['p', 'page', { name: 'Home', event: undefined }],
    ['s', 'screen', { name: 'Home', event: undefined }],
    ['i', 'identify', { userId: 'u1', traits: { plan: 'pro' }, event: undefined }],
    ['g', 'group', { groupId: 'g1', event: undefined }],
    ['a', 'alias', { userId: 'u1', previousId: 'anon-1', event: undefined }],
  ])('POST /v1/%s stores one %s event', async (path, type, fields) => {
    const { app, store } = testApp()
    const body = ajs({ type, ...fields })
    const res = await send(app, post(`/v1/${path}`, body, headers))
    expect(res.status).toBe(200)
    const rows = await stored(store)
    expect(rows.map((r) => [r.type, r.messageId])).toEqual([[type, body.messageId]])
    // The write key is authorization and _metadata is the library's bookkeeping: neither is data.
    expect(rows[0]?.payload).not.toMatch(/writeKey|_metadata/)
  })

  it('POST /v1/b stores a batch', async () => {
    const { app, store } = testApp()
    const batch = [ajs({ messageId: 'b-1' }), ajs({ messageId: 'b-2', type: 'page', event: undefined })]
    const body = { writeKey: WRITE_KEY, batch, sentAt: '2026-11-23T11:59:59.000Z' }
    expect((await send(app, post('/v1/b', body, headers))).body).toMatchObject({ inserted: 2 })
    expect((await stored(store)).map((r) => r.messageId).sort()).toEqual(['b-1', 'b-2'])
  })
})

describe('consent enforcement', () => {
  const stamped = (categoryPreferences: unknown) => event({ context: { consent: { categoryPreferences } } })
  const unstamped = () => event({ context: { page: { path: '/' } } })

  it.each([
    ['stamped without analytics', stamped({ ...GRANTED, analytics: false }), {}],
    ['stamped with analytics as a string', stamped({ ...GRANTED, analytics: 'true' }), {}],
    ['stamped with no preferences', event({ context: { consent: {} } }), {}],
    ['stamped with preferences that are not an object', stamped('all'), {}],
    ['without a stamp, from a browser', unstamped(), { origin: SHOP_ORIGIN }],
    ['without any context, from a browser', event({ context: undefined }), { origin: SHOP_ORIGIN }],
  ])('refuses an event %s and stores nothing', async (_name, e, headers) => {
    const { app, store } = testApp()
    const res = await send(app, post('/v1/batch', { batch: [e], writeKey: WRITE_KEY }, headers))
    expect(res.status).toBe(403)
    expect(res.body.error).toMatchObject({ code: 'consent_required', path: 'batch[0].context.consent' })
    expect(res.body.rejected).toEqual([
      expect.objectContaining({ index: 0, messageId: e.messageId, code: 'consent_required' }),
    ])
    expect(await stored(store)).toHaveLength(0)
  })

  it('keeps the consented events of a mixed batch and lists the others', async () => {
    const { app, store } = testApp()
    const batch = [
      event({ messageId: 'granted' }),
      stamped({ ...GRANTED, analytics: false }),
      event({ messageId: 'granted-too' }),
    ]
    const res = await send(app, post('/v1/batch', { batch, writeKey: WRITE_KEY }, { origin: SHOP_ORIGIN }))
    expect(res.status).toBe(200)
    expect(res.body).toMatchObject({ accepted: 2, inserted: 2 })
    expect(res.body.rejected).toEqual([
      {
        index: 1,
        messageId: batch[1]!.messageId,
        code: 'consent_required',
        message: expect.stringContaining('analytics'),
        path: 'batch[1].context.consent',
      },
    ])
    expect((await stored(store)).map((r) => r.messageId).sort()).toEqual(['granted', 'granted-too'])
  })

  it('accepts unstamped events with the server key (servers have their own legal basis), never with the write key', async () => {
    const { app, store } = testApp()
    const res = await send(
      app,
      post('/v1/batch', { batch: [unstamped()] }, { authorization: basic(SERVER_KEY) }),
    )
    expect(res.body).toMatchObject({ accepted: 1, rejected: [] })
    const forged = await send(
      app,
      post('/v1/batch', { batch: [unstamped()] }, { authorization: basic(WRITE_KEY) }),
    )
    expect([forged.status, (forged.body.error as { code: string }).code]).toEqual([403, 'consent_required'])
    expect(await stored(store)).toHaveLength(1)
  })

  it('applies to single-event routes', async () => {
    const { app, store } = testApp()
    const bare = { anonymousId: 'a', event: 'Clicked', writeKey: WRITE_KEY }
    const refused = await send(app, post('/v1/track', bare, { origin: SHOP_ORIGIN }))
    expect(refused.status).toBe(403)
    expect(refused.body.error).toMatchObject({ code: 'consent_required', path: 'context.consent' })
    const withConsent = { ...bare, context: { consent: { categoryPreferences: GRANTED } } }
    expect((await send(app, post('/v1/track', withConsent, { origin: SHOP_ORIGIN }))).status).toBe(200)
    expect(await stored(store)).toHaveLength(1)
  })
})
