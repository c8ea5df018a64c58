// The admin API as the page calls it: the token from this tab's sessionStorage as a bearer token.

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

/** A refusal of the admin API, with its stable code (`unauthorized`, `site_not_found`, …). */
export class ApiError extends Error {
  /** @param {number} status @param {string} code @param {string} message */
  constructor(status, code, message) {
    super(message)
    this.name = 'ApiError'
    this.status = status
    this.code = code
  }
}

/**
 * GETs an admin API path and resolves to its JSON; refusals reject with an ApiError.
 * @template T
 * @param {string} path
 * @param {AbortSignal} [signal]
 * @returns {Promise<T>}
 */
export const apiGet = async (path, signal) => {
  const res = await fetch(path, {
    headers: { authorization: `Bearer ${token.get() ?? ''}`, accept: 'application/json' },
    cache: 'no-store',
    signal: signal ?? null,
  })
  /** @type {{ error?: { code?: string, message?: string } } | null} */
  const body = await res.json().catch(() => null)
  if (!res.ok)
    throw new ApiError(res.status, body?.error?.code ?? 'error', body?.error?.message ?? `HTTP ${res.status}`)
  return /** @type {T} */ (body)
}

/** A path segment or query value from data: never lets it change the path. @param {string} value */
export const enc = (value) => encodeURIComponent(value)
