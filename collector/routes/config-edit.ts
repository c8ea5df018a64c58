// What every write of the site config through the admin API shares: the site named by ?site=,
// If-Match against the version the caller saw, the ETag of the version answered, and refusals
// with a stable code (config/editor.ts decides; this speaks HTTP).
import type { Context } from 'hono'
import { type ConfigEditor, InvalidConfig } from '../config/editor.ts'
import type { LiveConfig } from '../config/live.ts'
import { type SiteVersion, StaleVersion, versionTag } from '../config/versions.ts'
import { ApiError } from '../errors.ts'

/** Every admin API body (app.ts): a whole site's config is far below this. */
export const ADMIN_BODY_BYTES = 512 * 1024

export interface ConfigRouteDeps {
  live: LiveConfig
  editor: ConfigEditor
  now: () => number
}

/** Who saved a version: the signed-in user's email, or "admin token" (middleware/admin-auth.ts). */
export const authorOf = (c: Context) => c.get('admin')?.name ?? 'admin token'

export const siteParam = (c: Context, live: LiveConfig, id = c.req.query('site')) => {
  if (!id) throw new ApiError('invalid_query', 'site: is required', 'site')
  if (!live.written(id)) throw new ApiError('site_not_found', `no site with id ${id}`)
  return id
}

const TAG = /^(?:W\/)?"([a-z0-9][a-z0-9_-]{0,63})\.v(\d{1,9})"$/

/**
 * The version an edit was made from, from If-Match: the ETag of the site's config as the caller
 * read it, or `*` for whatever is newest. Required: no edit overwrites a change it has not seen.
 */
export const expectedVersion = (c: Context, live: LiveConfig, site: string) => {
  const header = c.req.header('if-match')?.trim()
  if (!header)
    throw new ApiError(
      'precondition_required',
      'send If-Match with the ETag of the version you changed (from the GET you made it from), or * to change whatever is newest',
    )
  if (header === '*') return live.version(site)
  const match = TAG.exec(header)
  if (!match || match[1] !== site)
    throw new ApiError('stale_version', `If-Match ${header} is not a version of site ${site}: load it again`)
  return Number(match[2])
}

export const tagged = (c: Context, site: string, version: number) => {
  c.header('ETag', versionTag(site, version))
  return c
}

/** `n` of `/versions/:n`, a positive integer. */
export const versionParam = (c: Context) => {
  const text = c.req.param('version') ?? ''
  const n = Number(text)
  if (!/^\d{1,9}$/.test(text) || n < 1)
    throw new ApiError('invalid_query', 'the version must be a number from 1', 'version')
  return n
}

/** The entry an edit starts from: the version If-Match names (412 when it is not there). */
export const baseOf = async (editor: ConfigEditor, site: string, expected: number) => {
  const base = await editor.read(site, expected)
  if (!base) throw new ApiError('stale_version', `site ${site} has no version ${expected}: load it again`)
  return base
}

/** Saves through the editor; its refusals become 400 invalid_config and 412 stale_version. */
export const saveEdit = async (
  c: Context,
  deps: ConfigRouteDeps,
  site: string,
  expected: number,
  entry: Record<string, unknown>,
  note?: string,
): Promise<SiteVersion> => {
  try {
    return await deps.editor.save(site, expected, entry, { author: authorOf(c), at: deps.now(), note })
  } catch (err) {
    if (err instanceof InvalidConfig) {
      const [first] = err.issues
      throw new ApiError('invalid_config', err.message, first?.path || undefined, {}, { issues: err.issues })
    }
    if (err instanceof StaleVersion)
      throw new ApiError(
        'stale_version',
        `someone saved site ${site} since you loaded it (you changed version ${err.expected}, it is now version ${err.current}): load it again, redo your change and save; nothing was saved`,
        undefined,
        { ETag: versionTag(site, err.current) },
      )
    throw err
  }
}
