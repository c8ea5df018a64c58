// The admin API as the page calls it: with the session cookie of a signed-in user (writes carry
// the session's CSRF token), or with an admin token kept in this tab's sessionStorage.

/* What each page is given: defined here, below the pages, so that no page imports the shell. */
/**
 * @typedef {{ id: string, name: string, timezone?: string, slots: string[] }} Site
 * @typedef {{
 *   main: HTMLElement,
 *   site: Site,
 *   params: string[],
 *   signal: AbortSignal,
 *   get: <T>(path: string) => Promise<T>,
 *   every: (ms: number, fn: () => Promise<void>) => void,
 * }} PageContext
 * @typedef {(ctx: PageContext) => Promise<void>} Page
 */

const KEY = 'precis.admin.token'

export const token = {
  get: () => sessionStorage.getItem(KEY),
  /** @param {string} value */
  set: (value) => sessionStorage.setItem(KEY, value),
  clear: () => sessionStorage.removeItem(KEY),
}

/** The signed-in session: its CSRF token (set from /me or the sign-in answer) and who it is. */
export const session = {
  /** @type {string | null} */
  csrf: null,
  /** @type {string | null} */
  role: null,
}

/** @returns {Record<string, string>} */
const auth = () => {
  const bearer = token.get()
  return bearer ? { authorization: `Bearer ${bearer}` } : {}
}

/** A refusal of the admin API, with its stable code (`unauthorized`, `site_not_found`, …). */
export class ApiError extends Error {
  /**
   * @param {number} status @param {string} code @param {string} message
   * @param {{ path?: string, issues?: { path: string, message: string }[] }} [detail] where and every issue
   */
  constructor(status, code, message, detail = {}) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
    this.path = detail.path
    this.issues = detail.issues ?? []
  }
}

/**
 * GETs an admin API path and resolves to its JSON; refusals reject with an ApiError.
 * @template T
 * @param {string} path
 * @param {AbortSignal} [signal]
 * @returns {Promise<T>}
 */
export const apiGet = async (path, signal) => (await apiCall('GET', path, undefined, { signal })).body

/**
 * Any admin API call; resolves to the JSON and the ETag of the version it is about.
 * @template T
 * @param {string} method
 * @param {string} path
 * @param {unknown} [payload] sent as JSON
 * @param {{ signal?: AbortSignal, ifMatch?: string | null }} [options]
 * @returns {Promise<{ body: T, etag: string | null }>}
 */
export const apiCall = async (method, path, payload, options = {}) => {
  /** @type {Record<string, string>} */
  const headers = { ...auth(), accept: 'application/json' }
  if (payload !== undefined) headers['content-type'] = 'application/json'
  if (method !== 'GET' && session.csrf) headers['x-csrf-token'] = session.csrf
  if (options.ifMatch) headers['if-match'] = options.ifMatch
  const res = await fetch(path, {
    method,
    headers,
    body: payload === undefined ? null : JSON.stringify(payload),
    cache: 'no-store',
    credentials: 'same-origin',
    signal: options.signal ?? null,
  })
  /** @type {{ error?: { code?: string, message?: string, path?: string }, issues?: { path: string, message: string }[] } | null} */
  const body = await res.json().catch(() => null)
  if (!res.ok)
    throw new ApiError(
      res.status,
      body?.error?.code ?? 'error',
      body?.error?.message ?? `HTTP ${res.status}`,
      {
        path: body?.error?.path,
        issues: body?.issues,
      },
    )
  return { body: /** @type {T} */ (body), etag: res.headers.get('etag') }
}

/** A path segment or query value from data: never lets it change the path. @param {string} value */
export const enc = (value) => encodeURIComponent(value)

/**
 * Saves what an admin API path answers (a CSV) as a file, with the same credentials as apiCall.
 * @param {string} path @param {string} filename
 */
export const apiDownload = async (path, filename) => {
  const res = await fetch(path, { headers: auth(), cache: 'no-store', credentials: 'same-origin' })
  if (!res.ok) throw new ApiError(res.status, 'error', `HTTP ${res.status}`, {})
  const url = URL.createObjectURL(await res.blob())
  const link = Object.assign(document.createElement('a'), { href: url, download: filename })
  link.click()
  setTimeout(() => URL.revokeObjectURL(url), 0)
}
