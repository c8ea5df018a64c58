// A text file served as it is or compressed, as a CDN would: brotli or gzip chosen by the request's
// Accept-Encoding (RFC 9110 §12.5.3), each made once when first asked for and kept, with a strong
// ETag per encoding and `Vary: Accept-Encoding`, so caches keep the encodings apart. The tag, its
// chunks and the dashboard's files are served this way.
import { createHash } from 'node:crypto'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import type { Context } from 'hono'

export type Encoding = 'br' | 'gzip' | 'identity'

export interface StaticBody {
  body: string
  /** The identity's strong ETag; an encoding's is the same with `-br` or `-gzip` inside the quotes. */
  etag: string
  /** Encodings made so far; an encoding no smaller than the body is not kept (identity is sent). */
  encoded: Map<Exclude<Encoding, 'identity'>, ArrayBuffer | null>
}

export const staticBody = (body: string): StaticBody => ({
  body,
  etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
  encoded: new Map(),
})

/** Preference among equal q-values: the smaller encoding first. */
const PREFERENCE: Encoding[] = ['br', 'gzip', 'identity']

/**
 * The encoding to send for an Accept-Encoding header: the acceptable one (q > 0) with the highest
 * q-value, ties to brotli, then gzip, then identity. Without the header, or when nothing listed is
 * acceptable, identity (a 406 helps no one fetching a script).
 */
export const encodingFor = (header: string | undefined): Encoding => {
  if (!header) return 'identity'
  const q = new Map<string, number>()
  for (const part of header.split(',')) {
    const [token, ...params] = part.trim().toLowerCase().split(';')
    if (!token) continue
    const weight = params.map((p) => p.trim()).find((p) => p.startsWith('q='))
    const value = weight === undefined ? 1 : Number(weight.slice(2))
    q.set(token, Number.isFinite(value) ? value : 0)
  }
  const star = q.get('*')
  const weightOf = (e: Encoding) => q.get(e) ?? (e === 'identity' ? (star === 0 ? 0 : 0.001) : (star ?? 0))
  let best: Encoding = 'identity'
  let bestQ = 0
  for (const e of PREFERENCE) {
    const w = weightOf(e)
    if (w > bestQ) [best, bestQ] = [e, w]
  }
  return best
}

const compress = (encoding: Exclude<Encoding, 'identity'>, body: string) => {
  const input = Buffer.from(body)
  return encoding === 'br'
    ? brotliCompressSync(input, {
        params: {
          [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
          [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
          [constants.BROTLI_PARAM_SIZE_HINT]: input.length,
        },
      })
    : gzipSync(input, { level: 9 })
}

/** The bytes of `encoding`, made on first use; null when they would be no smaller than the body. */
const bytesOf = (file: StaticBody, encoding: Exclude<Encoding, 'identity'>) => {
  if (!file.encoded.has(encoding)) {
    const bytes = compress(encoding, file.body)
    const smaller = bytes.length < Buffer.byteLength(file.body)
    file.encoded.set(encoding, smaller ? new Uint8Array(bytes).buffer : null)
  }
  return file.encoded.get(encoding)!
}

/** Whether If-None-Match names `etag` (a list, weak or strong, or `*`). */
const matches = (header: string | undefined, etag: string) =>
  (header ?? '').split(',').some((t) => {
    const tag = t.trim()
    return tag === '*' || tag.replace(/^W\//, '') === etag
  })

/**
 * The file in the encoding the request prefers, with its ETag and Vary; 304 when the request
 * holds that representation already. Other headers (Cache-Control, security) are the caller's.
 */
export const sendStatic = (c: Context, file: StaticBody, type: string) => {
  const chosen = encodingFor(c.req.header('accept-encoding'))
  const bytes = chosen === 'identity' ? null : bytesOf(file, chosen)
  const encoding = bytes === null ? 'identity' : chosen
  const etag = encoding === 'identity' ? file.etag : `${file.etag.slice(0, -1)}-${encoding}"`
  c.header('Vary', 'Accept-Encoding')
  c.header('ETag', etag)
  if (matches(c.req.header('if-none-match'), etag)) return c.body(null, 304)
  c.header('Content-Type', type)
  if (bytes === null) return c.body(file.body)
  c.header('Content-Encoding', encoding)
  return c.body(bytes)
}
