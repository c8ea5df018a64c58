// The admin API of sites: the list the dashboard picks from, a new site with generated keys, its
// settings (config/resources.ts settingsOf: no sub-resources, no secrets), key rotation with an
// overlap in which both keys work, and the whole entry's history and restore. Secret server keys
// leave only once, in the answer that made them; histories show their last four characters.
import { type Context, Hono } from 'hono'
import { itemHistory } from '../config/editor.ts'
import { isJson, type Json, KEY_FIELDS, mergePatch, settingsOf, withSettings } from '../config/resources.ts'
import { withoutSecrets } from '../destinations/secrets.ts'
import { ApiError } from '../errors.ts'
import {
  baseOf,
  type ConfigRouteDeps,
  expectedVersion,
  saveEdit,
  siteParam,
  tagged,
  versionParam,
} from './config-edit.ts'
import { readJson } from './request.ts'

const HOUR = 3_600_000

/** Bytes of randomness in a generated key: 18 for a write key (public), 24 for a server key. */
const WRITE_KEY_BYTES = 18
const SERVER_KEY_BYTES = 24

export interface SiteRouteDeps extends ConfigRouteDeps {
  randomBytes: (n: number) => Uint8Array
}

/**
 * The entry with its server keys cut to their last four characters and its destinations'
 * secrets left out: what histories show.
 */
const redacted = (entry: Json): Json => {
  const out = { ...entry }
  for (const k of ['serverKey', 'previousServerKey'] as const)
    if (typeof out[k] === 'string') out[k] = `…${(out[k] as string).slice(-4)}`
  if (Array.isArray(out.destinations))
    out.destinations = out.destinations.map((d) => (isJson(d) ? withoutSecrets(d) : d))
  return out
}

/** A site's settings from a body: no keys, no sub-resources, the id of the site it is for. */
const checkSettings = (body: unknown, id: string): Json => {
  if (!isJson(body))
    throw new ApiError('invalid_body', "the body must be the site's settings (a JSON object)")
  for (const field of [...KEY_FIELDS, 'experiments', 'personalization', 'consent'])
    if (field in body)
      throw new ApiError(
        'invalid_body',
        field.toLowerCase().includes('key')
          ? `${field}: keys are generated, and change only by POST /admin/api/sites/${id}/rotate-key`
          : `${field}: has its own resource (/admin/api/${field === 'personalization' ? 'segments and /admin/api/slots' : field})`,
        field,
      )
  if (body.id !== undefined && body.id !== id) throw new ApiError('invalid_body', `id: must be ${id}`, 'id')
  return body
}

export const siteRoutes = (deps: SiteRouteDeps) => {
  const { live, editor, now } = deps
  const app = new Hono()
  const newKey = (prefix: string, bytes: number) =>
    `${prefix}_${Buffer.from(deps.randomBytes(bytes)).toString('base64url')}`

  const answer = (c: Context, site: string, version: number, entry: Json) =>
    tagged(c, site, version).json({
      site,
      version,
      config: settingsOf(entry),
      hasServerKey: typeof entry.serverKey === 'string',
    })

  /** The sites to pick from, their time zones, slot names and versions. */
  app.get('/sites', (c) =>
    c.json({
      sites: live.current().sites.map((site) => ({
        id: site.id,
        name: site.name ?? site.id,
        timezone: site.timezone,
        slots: Object.keys(site.personalization.slots),
        version: live.version(site.id),
      })),
    }),
  )

  app.post('/sites', async (c) => {
    const body = await readJson(c)
    const id = isJson(body) && typeof body.id === 'string' ? body.id : ''
    if (!id) throw new ApiError('invalid_body', 'id: is required', 'id')
    const settings = checkSettings(body, id)
    if (live.written(id)) throw new ApiError('already_exists', `a site with id ${id} exists`)
    const writeKey = newKey('pk', WRITE_KEY_BYTES)
    const serverKey = newKey('sk', SERVER_KEY_BYTES)
    const saved = await saveEdit(
      c,
      deps,
      id,
      0,
      { ...settings, id, writeKey, serverKey },
      `site ${id} created`,
    )
    c.status(201)
    tagged(c, id, saved.version)
    // The only time the server key is shown: the caller keeps it (the dashboard says so).
    return c.json({ site: id, version: saved.version, config: settingsOf(saved.config), writeKey, serverKey })
  })

  app.get('/sites/:id', (c) => {
    const site = siteParam(c, live, c.req.param('id'))
    return answer(c, site, live.version(site), live.written(site)!.config)
  })

  const replace = (how: 'put' | 'patch') => async (c: Context) => {
    const site = siteParam(c, live, c.req.param('id'))
    const expected = expectedVersion(c, live, site)
    const body = checkSettings(await readJson(c), site)
    const base = await baseOf(editor, site, expected)
    const settings =
      how === 'put' ? { ...body, id: site } : (mergePatch(settingsOf(base.config), body) as Json)
    const saved = await saveEdit(
      c,
      deps,
      site,
      expected,
      withSettings(base.config, { ...settings, id: site }),
    )
    return answer(c, site, saved.version, saved.config)
  }
  app.put('/sites/:id', replace('put'))
  app.patch('/sites/:id', replace('patch'))

  /**
   * A new write key (default) or server key; the old one keeps working for `overlapHours` (default
   * 24; 0 ends it at once), so pages that loaded the old config and events waiting in outboxes
   * still arrive.
   */
  app.post('/sites/:id/rotate-key', async (c) => {
    const site = siteParam(c, live, c.req.param('id'))
    const expected = expectedVersion(c, live, site)
    const body = await readJson(c).catch(() => ({}))
    const kind = isJson(body) && body.key !== undefined ? body.key : 'write'
    const hours = isJson(body) && body.overlapHours !== undefined ? body.overlapHours : 24
    if (kind !== 'write' && kind !== 'server')
      throw new ApiError('invalid_body', 'key: must be "write" or "server"', 'key')
    if (typeof hours !== 'number' || !(hours >= 0 && hours <= 720))
      throw new ApiError('invalid_body', 'overlapHours: must be a number from 0 to 720', 'overlapHours')
    const base = await baseOf(editor, site, expected)
    const until = new Date(now() + hours * HOUR).toISOString()
    const entry = { ...base.config }
    const [field, previous, previousUntil, key] =
      kind === 'write'
        ? (['writeKey', 'previousWriteKey', 'previousWriteKeyUntil', newKey('pk', WRITE_KEY_BYTES)] as const)
        : ([
            'serverKey',
            'previousServerKey',
            'previousServerKeyUntil',
            newKey('sk', SERVER_KEY_BYTES),
          ] as const)
    if (typeof entry[field] === 'string') {
      entry[previous] = entry[field]
      entry[previousUntil] = until
    }
    entry[field] = key
    const saved = await saveEdit(
      c,
      deps,
      site,
      expected,
      entry,
      `${kind} key rotated, the old one works until ${until}`,
    )
    tagged(c, site, saved.version)
    return c.json({ site, version: saved.version, [field]: key, previousUntil: until })
  })

  app.get('/sites/:id/versions', async (c) => {
    const site = siteParam(c, live, c.req.param('id'))
    return c.json({ site, versions: itemHistory(await editor.history(site), redacted) })
  })

  app.get('/sites/:id/versions/:version', async (c) => {
    const site = siteParam(c, live, c.req.param('id'))
    const version = versionParam(c)
    const old = await editor.read(site, version)
    if (!old) throw new ApiError('version_not_found', `site ${site} has no version ${version}`)
    return c.json({
      site,
      version,
      author: old.author,
      createdAt: old.createdAt,
      note: old.note,
      config: redacted(old.config),
    })
  })

  /** The whole entry as it was, with today's keys: a restore never brings back a rotated key. */
  app.post('/sites/:id/versions/:version/restore', async (c) => {
    const site = siteParam(c, live, c.req.param('id'))
    const version = versionParam(c)
    const expected = expectedVersion(c, live, site)
    const old = await editor.read(site, version)
    if (!old) throw new ApiError('version_not_found', `site ${site} has no version ${version}`)
    const base = await baseOf(editor, site, expected)
    const entry: Json = Object.fromEntries(
      Object.entries(old.config).filter(([k]) => !(KEY_FIELDS as readonly string[]).includes(k)),
    )
    for (const k of KEY_FIELDS) if (k in base.config) entry[k] = base.config[k]
    const saved = await saveEdit(c, deps, site, expected, entry, `site restored from version ${version}`)
    return answer(c, site, saved.version, saved.config)
  })
  return app
}
