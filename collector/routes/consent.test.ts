import { describe, expect, it } from 'vitest'
import { consentFields } from '../../test/contracts/store.contract.ts'
import {
  ADMIN_TOKEN,
  basic,
  consentRecord,
  GRANTED,
  NOW,
  post,
  proofOf,
  SHOP_ORIGIN,
  testApp,
  testSites,
  WRITE_KEY,
} from '../../test/support/collector-app.ts'
import { TEST_LEDGER_KEY } from '../../test/support/ledger-keys.ts'
import { bindingOf } from '../ledger/binding.ts'
import { GENESIS } from '../ledger/chain.ts'
import { shownTextHash } from '../ledger/evidence.ts'
import { RECORD_BYTES } from './consent.ts'

const CHROME =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36'

const REJECTED = { necessary: true, analytics: false, personalization: false, marketing: false }

const send = async (app: ReturnType<typeof testApp>['app'], req: ReturnType<typeof post>) => {
  const res = await app.request(req.path, req.init)
  return { status: res.status, body: (await res.json()) as Record<string, unknown>, headers: res.headers }
}

describe('POST /v1/consent', () => {
  it('appends a record with what was shown, the browser family and no IP', async () => {
    const { app, store } = testApp()
    const req = post('/v1/consent', consentRecord(), {
      origin: SHOP_ORIGIN,
      'user-agent': CHROME,
      'x-forwarded-for': '203.0.113.9',
    })
    const res = await send(app, req)
    expect(res.status).toBe(200)
    expect(res.headers.get('access-control-allow-origin')).toBe(SHOP_ORIGIN)
    const [stored] = await store.consentHistory('demo', 'consent-1')
    expect(res.body).toEqual({ success: true, seq: 1, hash: stored?.hash })
    expect(stored).toEqual({
      site: 'demo',
      seq: 1,
      consentId: 'consent-1',
      version: 1,
      purposes: GRANTED,
      source: 'banner',
      language: 'en',
      gpc: false,
      textHash: shownTextHash(testSites().sites[0]!, 'en'),
      userAgent: 'Chrome 131 / Linux',
      clientTime: '2026-11-23T11:59:00.000Z',
      receivedAt: NOW,
      prevHash: GENESIS,
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      // The secret's hash, never the secret; the link made by the ledger key.
      binding: bindingOf(proofOf('consent-1')),
      keyId: TEST_LEDGER_KEY.id,
    })
    const text = JSON.stringify(stored)
    for (const leak of ['203.0.113.9', 'AppleWebKit', WRITE_KEY, proofOf('consent-1')])
      expect(text).not.toContain(leak)
  })

  it('chains every later choice, a withdrawal included, to the one before', async () => {
    const { app, store } = testApp()
    const first = await send(app, post('/v1/consent', consentRecord()))
    const withdrawal = consentRecord({ purposes: { ...GRANTED, analytics: false }, source: 'preferences' })
    const second = await send(app, post('/v1/consent', withdrawal))
    expect(second.body).toMatchObject({ success: true, seq: 2 })
    const history = await store.consentHistory('demo', 'consent-1')
    expect(history.map((r) => [r.seq, r.source, r.purposes.analytics, r.prevHash])).toEqual([
      [1, 'banner', true, GENESIS],
      [2, 'preferences', false, first.body.hash],
    ])
  })

  it('refuses a record for a consent id without the secret of the browser that made it, and counts it', async () => {
    const { app, store } = testApp()
    // The visitor clicked "Reject all"; an attacker who learned the id claims an "accept" in 2020.
    await send(app, post('/v1/consent', consentRecord({ purposes: REJECTED })))
    const forged = consentRecord({ proof: 'a-secret-of-the-attacker', timestamp: '2020-01-01T00:00:00.000Z' })
    const res = await send(app, post('/v1/consent', forged))
    expect([res.status, (res.body.error as { code?: string } | undefined)?.code]).toEqual([
      403,
      'consent_proof_invalid',
    ])
    // Nothing of it stays: the history still ends in the refusal, and the chain verifies.
    expect((await store.consentHistory('demo', 'consent-1')).map((r) => r.purposes)).toEqual([REJECTED])
    const refusals = await app.request('/admin/api/refusals', {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    })
    expect((await refusals.json()).counts.consent_proof_invalid).toBe(1)
    // A record without any proof is malformed; the browser's own next choice goes through.
    const { proof: _, ...unproven } = consentRecord()
    expect(((await send(app, post('/v1/consent', unproven))).body.error as { code: string }).code).toBe(
      'invalid_body',
    )
    expect((await send(app, post('/v1/consent', consentRecord({ source: 'preferences' })))).status).toBe(200)
  })

  it('refuses records for an id made before ids were bound: no browser can prove it', async () => {
    const { app, store } = testApp()
    await store.appendConsent({ ...consentFields({ consentId: 'old-id' }), binding: null }, TEST_LEDGER_KEY)
    const res = await send(app, post('/v1/consent', consentRecord({ consentId: 'old-id' })))
    expect((res.body.error as { code?: string } | undefined)?.code).toBe('consent_proof_invalid')
  })

  it('takes text/plain (no CORS preflight) and the write key as the Basic user name', async () => {
    const { app, store } = testApp()
    const { writeKey: _, ...bare } = consentRecord({ language: 'zh-CN', gpc: true })
    const req = post('/v1/consent', bare, { 'content-type': 'text/plain', authorization: basic(WRITE_KEY) })
    expect((await send(app, req)).status).toBe(200)
    const [stored] = await store.consentChain('demo')
    expect(stored).toMatchObject({ language: 'zh-CN', gpc: true, userAgent: 'unknown / unknown' })
  })

  it('keeps a chain per site', async () => {
    const { app, store } = testApp()
    await send(app, post('/v1/consent', consentRecord()))
    const other = await send(app, post('/v1/consent', consentRecord({ writeKey: 'other-write-key' })))
    expect(other.body).toMatchObject({ seq: 1 })
    expect((await store.consentChain('other'))[0]).toMatchObject({ site: 'other', prevHash: GENESIS })
  })

  it('answers a preflight from an allowed origin', async () => {
    const { app } = testApp()
    const res = await app.request('/v1/consent', {
      method: 'OPTIONS',
      headers: { origin: SHOP_ORIGIN, 'access-control-request-method': 'POST' },
    })
    expect(res.status).toBe(204)
  })

  const { writeKey: _, ...keyless } = consentRecord()
  it.each([
    ['no write key', keyless, {}, 401, 'unauthorized'],
    ['an unknown write key', consentRecord({ writeKey: 'wrong-key-123' }), {}, 401, 'unauthorized'],
    ['a disallowed origin', consentRecord(), { origin: 'https://evil.example' }, 403, 'origin_not_allowed'],
    [
      "another site's origin",
      consentRecord(),
      { origin: 'https://other.example' },
      403,
      'origin_not_allowed',
    ],
    [
      'necessary switched off',
      consentRecord({ purposes: { ...GRANTED, necessary: false } }),
      {},
      400,
      'invalid_body',
    ],
    [
      'a missing purpose',
      consentRecord({ purposes: { necessary: true, analytics: true } }),
      {},
      400,
      'invalid_body',
    ],
    ['an unknown source', consentRecord({ source: 'guess' }), {}, 400, 'invalid_body'],
    ['an unknown language', consentRecord({ language: 'fr' }), {}, 400, 'invalid_body'],
    ['policy version 0', consentRecord({ version: 0 }), {}, 400, 'invalid_body'],
    ['a fractional version', consentRecord({ version: 1.5 }), {}, 400, 'invalid_body'],
    ['an empty consent id', consentRecord({ consentId: '' }), {}, 400, 'invalid_body'],
    ['a consent id over 128', consentRecord({ consentId: 'x'.repeat(129) }), {}, 400, 'invalid_body'],
    ['a consent id holding NUL', consentRecord({ consentId: 'a\u0000' }), {}, 400, 'invalid_body'],
    ['a timestamp that is not ISO', consentRecord({ timestamp: 'yesterday' }), {}, 400, 'invalid_body'],
    ['no gpc', consentRecord({ gpc: undefined }), {}, 400, 'invalid_body'],
    ['truncated JSON', '{"consentId":', {}, 400, 'invalid_json'],
    [
      'a form body',
      'a=1',
      { 'content-type': 'application/x-www-form-urlencoded' },
      415,
      'unsupported_media_type',
    ],
    [
      'a body over 8 KB',
      consentRecord({ consentId: 'x'.repeat(RECORD_BYTES) }),
      {},
      413,
      'payload_too_large',
    ],
  ])('refuses %s with a stable code and stores nothing', async (_name, body, headers, status, code) => {
    const { app, store } = testApp()
    const res = await send(app, post('/v1/consent', body, headers as Record<string, string>))
    expect(res.status).toBe(status)
    expect((res.body.error as { code: string }).code).toBe(code)
    expect(await store.consentChain('demo')).toEqual([])
  })

  it('answers 413 to a streamed body over 8 KB without Content-Length', async () => {
    const { app, store } = testApp()
    const body = JSON.stringify(consentRecord({ consentId: 'x'.repeat(RECORD_BYTES) }))
    const res = await app.request('/v1/consent', {
      method: 'POST',
      body: new Blob([body]).stream(),
      duplex: 'half',
    } as RequestInit)
    expect(res.status).toBe(413)
    expect(await store.consentChain('demo')).toEqual([])
  })
})
