// The admin API of the site config (routes/config-items.ts, config-sites.ts, config-edit.ts):
// experiments, goals, segments and slots item by item, the consent section, and sites. Every answer about
// a site's config carries its version as the ETag; every change names the version it was made from.
import { COLLECTIONS, type Collection } from '../config/resources.ts'
import { siteSchema } from '../config/site-config.ts'
import type { ErrorCode } from '../errors.ts'
import { IF_MATCH, jsonAnswer, type OperationSpec, operation, type Row, taggedAnswer } from './operations.ts'
import { type ComponentName, type Json, pathParameter, ref, toSchema } from './schemas.ts'

const admin = (spec: Omit<OperationSpec, 'admin'>) => operation({ ...spec, admin: true })

const SITE = {
  name: 'site',
  in: 'query',
  required: true,
  description: 'The site whose config this is.',
  schema: toSchema(siteSchema.shape.id),
}
const VERSION = pathParameter(
  'version',
  { type: 'integer', minimum: 1, maximum: 999_999_999 },
  "A version of the site's config.",
)
const REBUCKET = {
  name: 'rebucket',
  in: 'query',
  required: false,
  description:
    "The answer to `rebucket_choice_required` (a running experiment's variations or weights changed): `true` assigns everyone again under the next `bucketVersion`, `false` keeps everyone's variation.",
  schema: { type: 'string', enum: ['true', 'false'] },
}

/** What reading `?site=` can be refused with (config-edit.ts siteParam). */
const READ: readonly ErrorCode[] = ['invalid_query', 'site_not_found']
/** What every save can be refused with (config-edit.ts expectedVersion, saveEdit). */
const SAVE: readonly ErrorCode[] = [
  'invalid_json',
  'invalid_body',
  'invalid_config',
  'unsupported_media_type',
  'payload_too_large',
  'precondition_required',
  'stale_version',
]
/** A running experiment's split, and experiments that ran (config/experiment-rules.ts). */
const EXPERIMENT_RULES: readonly ErrorCode[] = ['rebucket_choice_required', 'invalid_transition']

const mergePatch = (of: string): Json => ({
  type: 'object',
  description: `A JSON merge patch (RFC 7396) of ${of}: members replace, \`null\` removes one, objects merge member by member, arrays are replaced.`,
})

const HISTORY =
  'newest first, each `{ version, author, createdAt, note, changes: [{ path, before, after }] }`'

const COMPONENT: Record<Collection['name'], ComponentName> = {
  experiments: 'Experiment',
  goals: 'Goal',
  segments: 'Segment',
  slots: 'Slot',
  destinations: 'Destination',
  journeys: 'Journey',
  audiences: 'Audience',
}
const NOT_FOUND: Record<Collection['name'], ErrorCode> = {
  experiments: 'experiment_not_found',
  goals: 'goal_not_found',
  segments: 'segment_not_found',
  slots: 'slot_not_found',
  destinations: 'destination_not_found',
  journeys: 'journey_not_found',
  audiences: 'audience_not_found',
}
const capital = (word: string) => `${word[0]!.toUpperCase()}${word.slice(1)}`

/** The routes of one collection (config-items.ts routesOf). */
const collectionRows = ({ name, noun }: Collection) => {
  const base = `/admin/api/${name}`
  const item = `${base}/{key}`
  const tag = 'Site config'
  const key = pathParameter('key', { type: 'string' }, `The ${noun}'s key.`)
  const missing = NOT_FOUND[name]
  const experiments = name === 'experiments'
  const rules = experiments ? EXPERIMENT_RULES : []
  const rebucket = experiments ? [REBUCKET] : []
  const one = `\`{ site, version, key, config }\`: the ${noun} as written.`
  const rows: Row[] = []
  if (!experiments)
    // The experiments' list, with their people, is GET /admin/api/experiments (admin-paths.ts).
    rows.push([
      base,
      'get',
      admin({
        id: `list${capital(name)}`,
        summary: `The site's ${name}`,
        tag,
        parameters: [SITE],
        answers: { 200: taggedAnswer(`\`{ site, version, ${name}: [{ key, config }] }\`.`) },
        refusals: READ,
      }),
    ])
  rows.push(
    [
      base,
      'post',
      admin({
        id: `create${capital(noun)}`,
        summary: `Creates a ${noun}`,
        tag,
        parameters: [
          SITE,
          {
            name: 'If-Match',
            in: 'header',
            required: false,
            description: 'The version the creation is made from (default: the newest).',
            schema: { type: 'string' },
          },
        ],
        body: {
          schema: {
            type: 'object',
            required: ['key', 'config'],
            properties: { key: { type: 'string', minLength: 1 }, config: ref(COMPONENT[name]) },
          },
        },
        answers: { 201: taggedAnswer(one) },
        refusals: [...READ, ...SAVE, 'already_exists', ...rules],
      }),
    ],
    [
      item,
      'get',
      admin({
        id: `get${capital(noun)}`,
        summary: `A ${noun}`,
        tag,
        parameters: [key, SITE],
        answers: { 200: taggedAnswer(one) },
        refusals: [...READ, missing],
      }),
    ],
    [
      item,
      'put',
      admin({
        id: `replace${capital(noun)}`,
        summary: `Replaces a ${noun}`,
        tag,
        description: experiments ? 'The key in the path wins over one in the body.' : undefined,
        parameters: [key, SITE, IF_MATCH, ...rebucket],
        body: { schema: ref(COMPONENT[name]) },
        answers: { 200: taggedAnswer(one) },
        refusals: [...READ, ...SAVE, missing, ...rules],
      }),
    ],
    [
      item,
      'patch',
      admin({
        id: `patch${capital(noun)}`,
        summary: `Changes part of a ${noun}`,
        tag,
        parameters: [key, SITE, IF_MATCH, ...rebucket],
        body: { schema: mergePatch(`the ${noun} (#/components/schemas/${COMPONENT[name]})`) },
        answers: { 200: taggedAnswer(one) },
        refusals: [...READ, ...SAVE, missing, ...rules],
      }),
    ],
    [
      item,
      'delete',
      admin({
        id: `delete${capital(noun)}`,
        summary: `Deletes a ${noun}`,
        tag,
        description: experiments
          ? 'An experiment that ran is never deleted (`archive_instead`): set its status to `archived`.'
          : name === 'goals'
            ? undefined
            : `Refused (\`invalid_config\`) while something uses the ${noun}.`,
        parameters: [key, SITE, IF_MATCH],
        answers: { 200: taggedAnswer(`\`{ site, version, key, deleted: true }\`.`) },
        refusals: [
          ...READ,
          'invalid_config',
          'precondition_required',
          'stale_version',
          missing,
          ...(experiments ? (['archive_instead'] as const) : []),
        ],
      }),
    ],
    [
      `${item}/versions`,
      'get',
      admin({
        id: `${noun}History`,
        summary: `The versions that changed a ${noun}`,
        tag,
        parameters: [key, SITE],
        answers: { 200: jsonAnswer(`\`{ site, key, versions }\`, ${HISTORY}.`) },
        refusals: [...READ, missing],
      }),
    ],
    [
      `${item}/versions/{version}`,
      'get',
      admin({
        id: `${noun}Version`,
        summary: `A ${noun} as it was in a version`,
        tag,
        parameters: [key, VERSION, SITE],
        answers: { 200: jsonAnswer('`{ site, version, key, config }`.') },
        refusals: [...READ, 'version_not_found'],
      }),
    ],
    [
      `${item}/versions/{version}/restore`,
      'post',
      admin({
        id: `restore${capital(noun)}`,
        summary: `Makes a ${noun} as it was in a version (a new version)`,
        tag,
        parameters: [key, VERSION, SITE, IF_MATCH, ...rebucket],
        answers: { 200: taggedAnswer(one) },
        refusals: [...READ, ...SAVE, 'version_not_found', ...rules],
      }),
    ],
  )
  return rows
}

const consentRows = (): Row[] => {
  const tag = 'Site config'
  const section = '`{ site, version, config }`: the consent section as written.'
  return [
    [
      '/admin/api/consent',
      'get',
      admin({
        id: 'getConsentSection',
        summary: "The site's consent section (texts, services, policy version)",
        tag,
        parameters: [SITE],
        answers: { 200: taggedAnswer(section) },
        refusals: READ,
      }),
    ],
    [
      '/admin/api/consent',
      'put',
      admin({
        id: 'replaceConsentSection',
        summary: 'Replaces the consent section',
        tag,
        parameters: [SITE, IF_MATCH],
        body: { schema: ref('ConsentConfig') },
        answers: { 200: taggedAnswer(section) },
        refusals: [...READ, ...SAVE],
      }),
    ],
    [
      '/admin/api/consent',
      'patch',
      admin({
        id: 'patchConsentSection',
        summary: 'Changes part of the consent section',
        tag,
        parameters: [SITE, IF_MATCH],
        body: { schema: mergePatch('the consent section (#/components/schemas/ConsentConfig)') },
        answers: { 200: taggedAnswer(section) },
        refusals: [...READ, ...SAVE],
      }),
    ],
    [
      '/admin/api/consent/versions',
      'get',
      admin({
        id: 'consentSectionHistory',
        summary: 'The versions that changed the consent section',
        tag,
        parameters: [SITE],
        answers: { 200: jsonAnswer(`\`{ site, versions }\`, ${HISTORY}.`) },
        refusals: READ,
      }),
    ],
    [
      '/admin/api/consent/versions/{version}',
      'get',
      admin({
        id: 'consentSectionVersion',
        summary: 'The consent section as it was in a version',
        tag,
        parameters: [VERSION, SITE],
        answers: { 200: jsonAnswer('`{ site, version, config }`.') },
        refusals: [...READ, 'version_not_found'],
      }),
    ],
    [
      '/admin/api/consent/versions/{version}/restore',
      'post',
      admin({
        id: 'restoreConsentSection',
        summary: 'Makes the consent section as it was in a version (a new version)',
        tag,
        parameters: [VERSION, SITE, IF_MATCH],
        answers: { 200: taggedAnswer(section) },
        refusals: [...READ, ...SAVE, 'version_not_found'],
      }),
    ],
  ]
}

const siteRows = (): Row[] => {
  const tag = 'Sites'
  const id = pathParameter('id', siteSchema.shape.id)
  const settings =
    "`{ site, version, config, hasServerKey }`: `config` the site's settings (no experiments, goals, segments, slots, consent or server keys)."
  const replace = (how: 'put' | 'patch') =>
    admin({
      id: how === 'put' ? 'replaceSite' : 'patchSite',
      summary: how === 'put' ? "Replaces a site's settings" : "Changes part of a site's settings",
      tag,
      description:
        "Never keys (`rotate-key` makes them) nor the parts with resources of their own; `id`, if given, must be the path's.",
      parameters: [id, IF_MATCH],
      body: {
        schema:
          how === 'put'
            ? ref('SiteSettings')
            : mergePatch("the site's settings (#/components/schemas/SiteSettings)"),
      },
      answers: { 200: taggedAnswer(settings) },
      refusals: ['site_not_found', ...SAVE],
    })
  return [
    [
      '/admin/api/sites',
      'get',
      admin({
        id: 'listSites',
        summary: 'The sites',
        tag,
        answers: { 200: jsonAnswer('`{ sites: [{ id, name, timezone, slots, version }] }`.') },
        refusals: [],
      }),
    ],
    [
      '/admin/api/sites',
      'post',
      admin({
        id: 'createSite',
        summary: 'Creates a site with generated keys',
        tag,
        body: { schema: { allOf: [ref('SiteSettings'), { required: ['id'] }] } },
        answers: {
          201: taggedAnswer(
            '`{ site, version, config, writeKey, serverKey }`: the server key is shown this once.',
          ),
        },
        refusals: [
          'invalid_json',
          'invalid_body',
          'invalid_config',
          'unsupported_media_type',
          'payload_too_large',
          'already_exists',
          'stale_version',
        ],
      }),
    ],
    [
      '/admin/api/sites/{id}',
      'get',
      admin({
        id: 'getSite',
        summary: "A site's settings",
        tag,
        parameters: [id],
        answers: { 200: taggedAnswer(settings) },
        refusals: ['site_not_found'],
      }),
    ],
    ['/admin/api/sites/{id}', 'put', replace('put')],
    ['/admin/api/sites/{id}', 'patch', replace('patch')],
    [
      '/admin/api/sites/{id}/rotate-key',
      'post',
      admin({
        id: 'rotateSiteKey',
        summary: 'A new write or server key; the old one works for an overlap',
        tag,
        parameters: [id, IF_MATCH],
        body: {
          optional: true,
          description:
            '`{ key?: "write" | "server", overlapHours?: number }`: which key (default `write`) and how long the old one keeps working (0 to 720 hours, default 24; 0 ends it at once).',
          schema: { type: 'object' },
        },
        answers: {
          200: taggedAnswer(
            '`{ site, version, writeKey | serverKey, previousUntil }`: the new key, and until when the old one works.',
          ),
        },
        refusals: ['site_not_found', ...SAVE],
      }),
    ],
    [
      '/admin/api/sites/{id}/versions',
      'get',
      admin({
        id: 'siteHistory',
        summary: "Every version of a site's entry with its changes",
        tag,
        parameters: [id],
        answers: {
          200: jsonAnswer(`\`{ site, versions }\`, ${HISTORY}; server keys as their last four characters.`),
        },
        refusals: ['site_not_found'],
      }),
    ],
    [
      '/admin/api/sites/{id}/versions/{version}',
      'get',
      admin({
        id: 'siteVersion',
        summary: "A site's entry as it was in a version",
        tag,
        parameters: [id, VERSION],
        answers: {
          200: jsonAnswer(
            '`{ site, version, author, createdAt, note, config }`: server keys as their last four characters.',
          ),
        },
        refusals: ['invalid_query', 'site_not_found', 'version_not_found'],
      }),
    ],
    [
      '/admin/api/sites/{id}/versions/{version}/restore',
      'post',
      admin({
        id: 'restoreSite',
        summary: "Brings a site's entry back as it was, with today's keys",
        tag,
        parameters: [id, VERSION, IF_MATCH],
        answers: { 200: taggedAnswer(settings) },
        refusals: ['invalid_query', 'site_not_found', 'version_not_found', ...SAVE],
      }),
    ],
  ]
}

export const configPaths = (): Row[] => [
  ...siteRows(),
  ...COLLECTIONS.flatMap(collectionRows),
  ...consentRows(),
]
