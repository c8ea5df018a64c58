// The tag, its chunks and the dashboard's files through the collector process, as a browser gets
// them: brotli or gzip as its Accept-Encoding asks, the same bytes once decoded, and far fewer on
// the wire. Read with node:http, which (unlike fetch) hands over the bytes as they were sent.
import { readFileSync } from 'node:fs'
import { get } from 'node:http'
import { join } from 'node:path'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Collector, ROOT, startCollector } from './support/collector-process.ts'

const raw = (url: string, headers: Record<string, string>) =>
  new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }>(
    (resolve, reject) => {
      get(url, { headers }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () =>
          resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }),
        )
        res.on('error', reject)
      }).on('error', reject)
    },
  )

describe('compressed static files on the collector process', () => {
  let collector: Collector
  beforeAll(async () => {
    collector = await startCollector()
  }, 60_000)
  afterAll(() => collector?.stop())

  it.each([
    ['/p.js', join(ROOT, 'dist', 'p.js')],
    ['/p-consent.js', join(ROOT, 'dist', 'p-consent.js')],
    ['/admin/assets/page-customers.js', join(ROOT, 'collector', 'dashboard', 'assets', 'page-customers.js')],
  ])('%s: brotli, gzip or as it is, each decoding to the file', async (path, file) => {
    const source = readFileSync(file)
    const url = `${collector.url}${path}`
    const br = await raw(url, { 'accept-encoding': 'gzip, deflate, br, zstd' })
    expect(br.status).toBe(200)
    expect(br.headers['content-encoding']).toBe('br')
    expect(br.headers.vary).toBe('Accept-Encoding')
    expect(brotliDecompressSync(br.body).equals(source)).toBe(true)
    expect(br.body.length).toBeLessThan(source.length / 2)
    const gz = await raw(url, { 'accept-encoding': 'gzip' })
    expect(gz.headers['content-encoding']).toBe('gzip')
    expect(gunzipSync(gz.body).equals(source)).toBe(true)
    const plain = await raw(url, {})
    expect(plain.headers['content-encoding']).toBeUndefined()
    expect(plain.body.equals(source)).toBe(true)
    // A revalidation answers 304 for the encoding held, with nothing in the body.
    const again = await raw(url, { 'accept-encoding': 'br', 'if-none-match': String(br.headers.etag) })
    expect(again.status).toBe(304)
    expect(again.body.length).toBe(0)
  })
})
