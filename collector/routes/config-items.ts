// The admin API of what a site's config holds, item by item: experiments, goals, segments and slots
// (config/resources.ts), and the consent section. Every write names the version it was made from
// (If-Match) and makes the site's next version; every item has its history and can be restored.
import { type Context, Hono } from 'hono'
import { STRINGS } from '../../consent/core/strings.ts'
import { itemHistory } from '../config/editor.ts'
import { checkExperimentDelete, checkExperimentEdit } from '../config/experiment-rules.ts'
import {
  COLLECTIONS,
  type Collection,
  consentOf,
  isJson,
  type Json,
  mergePatch,
  withConsent,
} from '../config/resources.ts'
import { type GuardOptions, urlProblem } from '../destinations/address-guard.ts'
import { smtpProblem } from '../destinations/email/smtp.ts'
import { withoutSecrets, withSecrets } from '../destinations/secrets.ts'
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

const objectBody = async (c: Context, what: string) => {
  const body = await readJson(c)
  if (!isJson(body)) throw new ApiError('invalid_body', `the body must be ${what} (a JSON object)`)
  return body
}

const NOT_FOUND = {
  experiments: 'experiment_not_found',
  goals: 'goal_not_found',
  segments: 'segment_not_found',
  slots: 'slot_not_found',
  destinations: 'destination_not_found',
  journeys: 'journey_not_found',
  audiences: 'audience_not_found',
} as const

/** `?rebucket=true|false`: the answer to rebucket_choice_required. */
const rebucketOf = (c: Context) => {
  const value = c.req.query('rebucket')
  if (value === undefined) return undefined
  if (value !== 'true' && value !== 'false')
    throw new ApiError('invalid_query', 'rebucket: must be true or false', 'rebucket')
  return value === 'true'
}

export interface ConfigItemDeps extends ConfigRouteDeps {
  randomBytes: (n: number) => Uint8Array
  /** How a destination's URL is checked when saved (PRECIS_ALLOW_PRIVATE_DESTINATIONS). */
  destinations: GuardOptions
  /**
   * After a destination was saved and is served: switches the site's outbox on or off before the
   * answer, so every event stored after it is queued for the destination.
   */
  destinationsSaved?: () => Promise<void>
  /** After a destination was deleted: its pending deliveries go (a new one of the same key starts empty). */
  destinationRemoved?: (site: string, key: string) => Promise<unknown>
}

export const configItemRoutes = (deps: ConfigItemDeps) => {
  const { live, editor } = deps
  const app = new Hono()
  const random = (n: number) => Buffer.from(deps.randomBytes(n))

  for (const col of COLLECTIONS) routesOf(col)

  function routesOf(col: Collection) {
    const path = `/${col.name}`
    const missing = (site: string, key: string) =>
      new ApiError(NOT_FOUND[col.name], `site ${site} has no ${col.noun} ${key}`)
    // A destination's secrets are written, never shown (destinations/secrets.ts).
    const shown = (config: Json | undefined) =>
      config && col.name === 'destinations' ? withoutSecrets(config) : config
    const answer = (
      c: Context,
      site: string,
      version: number,
      key: string,
      config: Json | undefined,
      extra: Json = {},
    ) => tagged(c, site, version).json({ site, version, key, config: shown(config), ...extra })

    /** Saves the collection with `key` set to `config` (or removed), after the experiment rules. */
    const write = async (
      c: Context,
      site: string,
      expected: number,
      entry: Json,
      key: string,
      config: Json | undefined,
      note?: string,
    ) => {
      let next = config
      let recorded = note
      let made: string | undefined
      if (col.name === 'destinations' && next) {
        const withSecret = withSecrets(next, col.get(entry, key), random)
        next = withSecret.config
        made = withSecret.made
        // An SMTP server is held to the same guard as a URL: its host checked, now and at every send.
        const problem =
          typeof next.smtp === 'string'
            ? await smtpProblem(next.smtp, deps.destinations).catch(() => undefined) // the schema says why it does not parse
            : typeof next.url === 'string'
              ? await urlProblem(next.url, deps.destinations)
              : undefined
        const field = typeof next.smtp === 'string' ? 'smtp' : 'url'
        if (problem) throw new ApiError('invalid_config', `${field}: ${problem}`, field)
      } else if (col.name === 'experiments') {
        const before = col.get(entry, key)
        if (next) {
          const checked = checkExperimentEdit(before, { ...next, key }, rebucketOf(c))
          if ('refusal' in checked) {
            const { code, message, path } = checked.refusal
            throw new ApiError(code, message, path)
          }
          next = checked.config
          recorded = [note, checked.note].filter(Boolean).join('; ') || undefined
        } else if (before) {
          const refusal = checkExperimentDelete(before)
          if (refusal) throw new ApiError(refusal.code, refusal.message)
        }
      }
      const changed = next ? col.put(entry, key, next) : col.remove(entry, key)
      const saved = await saveEdit(c, deps, site, expected, changed, recorded)
      if (col.name === 'destinations' || col.name === 'audiences') await deps.destinationsSaved?.()
      if (col.name === 'destinations' && !next) await deps.destinationRemoved?.(site, key)
      return { ...saved, made }
    }

    if (col.name !== 'experiments')
      // The experiments' list, with how many people each has, is experiments.ts'.
      app.get(path, (c) => {
        const site = siteParam(c, live)
        return tagged(c, site, live.version(site)).json({
          site,
          version: live.version(site),
          [col.name]: col.list(live.written(site)!.config).map((x) => ({ ...x, config: shown(x.config) })),
        })
      })

    app.post(path, async (c) => {
      const site = siteParam(c, live)
      const expected = c.req.header('if-match') ? expectedVersion(c, live, site) : live.version(site)
      const body = await objectBody(c, `{ "key": "…", "config": { … } }`)
      const { key, config } = body
      if (typeof key !== 'string' || key === '') throw new ApiError('invalid_body', 'key: is required', 'key')
      if (!isJson(config))
        throw new ApiError('invalid_body', `config: must be the ${col.noun} (an object)`, 'config')
      const base = await baseOf(editor, site, expected)
      if (col.get(base.config, key))
        throw new ApiError(
          'already_exists',
          `site ${site} already has ${col.noun} ${key}: change it with PUT`,
        )
      const saved = await write(c, site, expected, base.config, key, config, `${col.noun} ${key} created`)
      c.status(201)
      // A secret made here is shown this once.
      return answer(
        c,
        site,
        saved.version,
        key,
        col.get(saved.config, key),
        saved.made ? { secret: saved.made } : {},
      )
    })

    app.get(`${path}/:key`, (c) => {
      const site = siteParam(c, live)
      const key = c.req.param('key')
      const config = col.get(live.written(site)!.config, key)
      if (!config) throw missing(site, key)
      return answer(c, site, live.version(site), key, config)
    })

    const replace = (how: 'put' | 'patch') => async (c: Context) => {
      const site = siteParam(c, live)
      const key = c.req.param('key')!
      const expected = expectedVersion(c, live, site)
      const body = await objectBody(c, how === 'put' ? `the ${col.noun}` : 'a JSON merge patch of it')
      const base = await baseOf(editor, site, expected)
      const before = col.get(base.config, key)
      if (!before) throw missing(site, key)
      const config = how === 'put' ? body : (mergePatch(before, body) as Json)
      const saved = await write(c, site, expected, base.config, key, config)
      return answer(c, site, saved.version, key, col.get(saved.config, key))
    }
    app.put(`${path}/:key`, replace('put'))
    app.patch(`${path}/:key`, replace('patch'))

    app.delete(`${path}/:key`, async (c) => {
      const site = siteParam(c, live)
      const key = c.req.param('key')
      const expected = expectedVersion(c, live, site)
      const base = await baseOf(editor, site, expected)
      if (!col.get(base.config, key)) throw missing(site, key)
      const saved = await write(c, site, expected, base.config, key, undefined, `${col.noun} ${key} deleted`)
      return tagged(c, site, saved.version).json({ site, version: saved.version, key, deleted: true })
    })

    app.get(`${path}/:key/versions`, async (c) => {
      const site = siteParam(c, live)
      const key = c.req.param('key')
      const versions = itemHistory(await editor.history(site), (entry) => shown(col.get(entry, key)))
      if (versions.length === 0) throw missing(site, key)
      return c.json({ site, key, versions })
    })

    app.get(`${path}/:key/versions/:version`, async (c) => {
      const site = siteParam(c, live)
      const key = c.req.param('key')
      const version = versionParam(c)
      const config = (await editor.read(site, version))?.config
      const item = config && col.get(config, key)
      if (!item)
        throw new ApiError(
          'version_not_found',
          `site ${site} has no ${col.noun} ${key} in version ${version}`,
        )
      return c.json({ site, version, key, config: shown(item) })
    })

    app.post(`${path}/:key/versions/:version/restore`, async (c) => {
      const site = siteParam(c, live)
      const key = c.req.param('key')
      const version = versionParam(c)
      const expected = expectedVersion(c, live, site)
      const old = (await editor.read(site, version))?.config
      const item = old && col.get(old, key)
      if (!item)
        throw new ApiError(
          'version_not_found',
          `site ${site} has no ${col.noun} ${key} in version ${version}`,
        )
      const base = await baseOf(editor, site, expected)
      const saved = await write(
        c,
        site,
        expected,
        base.config,
        key,
        item,
        `${col.noun} ${key} restored from version ${version}`,
      )
      return answer(c, site, saved.version, key, col.get(saved.config, key))
    })
  }

  // The consent section: one per site, so no key.
  const consentAnswer = (c: Context, site: string, version: number, config: Json) =>
    tagged(c, site, version).json({ site, version, config })

  app.get('/consent', (c) => {
    const site = siteParam(c, live)
    const version = live.version(site)
    // The banner's own wording beside the overrides: the dashboard shows what an empty text means.
    return tagged(c, site, version).json({
      site,
      version,
      config: consentOf(live.written(site)!.config),
      builtIn: STRINGS,
    })
  })
  const replaceConsent = (how: 'put' | 'patch') => async (c: Context) => {
    const site = siteParam(c, live)
    const expected = expectedVersion(c, live, site)
    const body = await objectBody(c, how === 'put' ? 'the consent section' : 'a JSON merge patch of it')
    const base = await baseOf(editor, site, expected)
    const config = how === 'put' ? body : (mergePatch(consentOf(base.config), body) as Json)
    const saved = await saveEdit(c, deps, site, expected, withConsent(base.config, config))
    return consentAnswer(c, site, saved.version, consentOf(saved.config))
  }
  app.put('/consent', replaceConsent('put'))
  app.patch('/consent', replaceConsent('patch'))
  app.get('/consent/versions', async (c) => {
    const site = siteParam(c, live)
    return c.json({ site, versions: itemHistory(await editor.history(site), consentOf) })
  })
  app.get('/consent/versions/:version', async (c) => {
    const site = siteParam(c, live)
    const version = versionParam(c)
    const old = await editor.read(site, version)
    if (!old) throw new ApiError('version_not_found', `site ${site} has no version ${version}`)
    return c.json({ site, version, config: consentOf(old.config) })
  })
  app.post('/consent/versions/:version/restore', async (c) => {
    const site = siteParam(c, live)
    const version = versionParam(c)
    const expected = expectedVersion(c, live, site)
    const old = await editor.read(site, version)
    if (!old) throw new ApiError('version_not_found', `site ${site} has no version ${version}`)
    const base = await baseOf(editor, site, expected)
    const saved = await saveEdit(
      c,
      deps,
      site,
      expected,
      withConsent(base.config, consentOf(old.config)),
      `consent restored from version ${version}`,
    )
    return consentAnswer(c, site, saved.version, consentOf(saved.config))
  })
  return app
}
