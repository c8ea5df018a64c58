import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { encodingFor, sendStatic, staticBody } from './static-body.ts'

describe('encodingFor', () => {
  it.each([
    [undefined, 'identity'],
    ['', 'identity'],
    ['gzip, deflate, br, zstd', 'br'],
    ['gzip, deflate', 'gzip'],
    ['br;q=0.5, gzip', 'gzip'],
    ['br;q=0, gzip;q=0', 'identity'],
    ['BR', 'br'],
    ['*', 'br'],
    ['*;q=0.2, br;q=0', 'gzip'],
    ['identity', 'identity'],
    ['deflate', 'identity'],
    ['gzip;q=oops, br;q=0.1', 'br'],
  ])('%j → %s', (header, expected) => {
    expect(encodingFor(header)).toBe(expected)
  })
})

describe('sendStatic', () => {
  const text = `const answer = ${JSON.stringify('forty-two '.repeat(200))}\n`
  const file = staticBody(text)
  const tiny = staticBody('x')
  const app = new Hono()
  app.get('/big.js', (c) => sendStatic(c, file, 'text/javascript'))
  app.get('/tiny.js', (c) => sendStatic(c, tiny, 'text/javascript'))
  const get = (path: string, headers: Record<string, string> = {}) => app.request(path, { headers })

  it('sends brotli or gzip as asked, each with its own ETag, and Vary', async () => {
    const plain = await get('/big.js')
    expect(plain.headers.get('content-encoding')).toBeNull()
    expect(await plain.text()).toBe(text)
    const br = await get('/big.js', { 'accept-encoding': 'gzip, br' })
    expect(br.headers.get('content-encoding')).toBe('br')
    const brBytes = Buffer.from(await br.arrayBuffer())
    expect(brBytes.length).toBeLessThan(text.length / 10)
    expect(brotliDecompressSync(brBytes).toString()).toBe(text)
    const gz = await get('/big.js', { 'accept-encoding': 'gzip' })
    expect(gz.headers.get('content-encoding')).toBe('gzip')
    expect(gunzipSync(Buffer.from(await gz.arrayBuffer())).toString()).toBe(text)
    const etags = [plain, br, gz].map((r) => r.headers.get('etag'))
    expect(new Set(etags).size).toBe(3)
    expect(etags[1]).toBe(`${file.etag.slice(0, -1)}-br"`)
    for (const r of [plain, br, gz]) expect(r.headers.get('vary')).toBe('Accept-Encoding')
  })

  it('answers 304 only for the representation the request holds', async () => {
    const br = (await get('/big.js', { 'accept-encoding': 'br' })).headers.get('etag')!
    const again = await get('/big.js', { 'accept-encoding': 'br', 'if-none-match': `"other", W/${br}` })
    expect(again.status).toBe(304)
    expect(again.headers.get('etag')).toBe(br)
    expect(again.headers.get('vary')).toBe('Accept-Encoding')
    // The brotli ETag does not stand for the gzip bytes.
    expect((await get('/big.js', { 'accept-encoding': 'gzip', 'if-none-match': br })).status).toBe(200)
  })

  it('sends a body that compression would not shrink as it is', async () => {
    const res = await get('/tiny.js', { 'accept-encoding': 'br, gzip' })
    expect(res.headers.get('content-encoding')).toBeNull()
    expect(res.headers.get('etag')).toBe(tiny.etag)
    expect(await res.text()).toBe('x')
  })
})
