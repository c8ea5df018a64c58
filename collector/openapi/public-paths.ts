// The public routes: ingestion (routes/ingest.ts), consent records (routes/consent.ts), visitors'
// rights (routes/rights.ts), the script tag's config, the scripts and /healthz (routes/public.ts).
import { BUNDLES } from '../../bundles.mjs'
import { EVENT_TYPES, type EventType } from '../../sdk/rules/event-schema.ts'
import { siteSchema } from '../config/site-config.ts'
import type { ErrorCode } from '../errors.ts'
import { jsonAnswer, type OperationSpec, operation, type Row } from './operations.ts'
import { eventComponent, type Json, pathParameter, ref } from './schemas.ts'

/** What every browser or server write under /v1 can be refused with, besides its own refusals. */
const WRITE_REFUSALS: readonly ErrorCode[] = [
  'invalid_json',
  'invalid_body',
  'unauthorized',
  'origin_not_allowed',
  'payload_too_large',
  'unsupported_media_type',
  'rate_limited',
]
const EVENT_REFUSALS: readonly ErrorCode[] = [
  ...WRITE_REFUSALS,
  'invalid_event',
  'bot_traffic',
  'consent_required',
  'event_too_large',
  'server_key_in_browser',
]

const stored = jsonAnswer(
  "`{ success: true, accepted, inserted, duplicates, rejected: [{ index, messageId?, code, message, path }] }`: the valid events are stored (once per `(site, messageId)`: a retry counts as `duplicates`), the invalid ones listed in `rejected`. Do not retry a 200. With no valid event the request is refused whole, with the first rejection's code and `rejected` beside `error`.",
)

const write = (spec: Omit<OperationSpec, 'writeKey'> & { body: { schema: Json } }) =>
  operation({ ...spec, writeKey: true, body: { ...spec.body, textPlain: true } })

const batch = (id: string, summary: string, extra: readonly ErrorCode[] = []) =>
  write({
    id,
    summary,
    tag: 'Ingestion',
    description:
      "Segment's HTTP Tracking API. Each event needs `context.consent.categoryPreferences.analytics: true` with the public write key; the site's server key (servers only) also takes events without a consent stamp.",
    body: { schema: ref('Batch') },
    answers: { 200: stored },
    refusals: [...EVENT_REFUSALS, ...extra],
  })

/** A row of `paths`: one event type at its path, or at analytics.js's one-letter path. */
const single = (type: EventType, path: string, short: boolean) =>
  [
    path,
    'post',
    write({
      id: short ? `${type}Short` : type,
      summary: short ? `One ${type} event (analytics.js short path of /v1/${type})` : `One ${type} event`,
      tag: 'Ingestion',
      description:
        'The event itself, with `writeKey` and `sentAt` beside its fields. The path sets `type`: a body may leave it out.',
      body: { schema: { allOf: [ref('SingleEventEnvelope'), ref(eventComponent(type))] } },
      answers: { 200: stored },
      refusals: EVENT_REFUSALS,
    }),
  ] as const

const rights = (id: string, summary: string, body: Json, answer: string, refusals: ErrorCode[]) =>
  write({
    id,
    summary,
    tag: "Visitors' rights",
    description: "From the visitor's own browser, with the write key; bodies of at most 2 KB.",
    body: { schema: body },
    answers: { 200: jsonAnswer(answer) },
    refusals: [...WRITE_REFUSALS, ...refusals],
  })

const siteConfig = operation({
  id: 'siteConfig',
  summary: 'What the script tag needs to know about its site',
  tag: 'Script tag',
  description:
    "Public by design (the write key ships to every visitor), for the site's allowed origins. The config as validated: every default filled in.",
  parameters: [
    pathParameter('site', siteSchema.shape.id),
    { name: 'If-None-Match', in: 'header', required: false, schema: { type: 'string' } },
  ],
  answers: {
    200: {
      description: 'The site\'s config; `ETag` is its version (`"demo.v3"`), fresh for a minute.',
      headers: {
        ETag: { $ref: '#/components/headers/ETag' },
        'Cache-Control': { schema: { type: 'string', const: 'public, max-age=60' } },
      },
      content: { 'application/json': { schema: ref('ServedSiteConfig') } },
    },
    304: { description: 'Not modified: `If-None-Match` named the version served now.' },
  },
  refusals: ['site_not_found', 'origin_not_allowed', 'rate_limited'],
})

const script = (file: string, about: string) =>
  operation({
    id: `script_${file.replace(/\W/g, '_')}`,
    summary: `${about[0]!.toUpperCase()}${about.slice(1)}`,
    tag: 'Script tag',
    description: 'Built by `npm run build`; fresh 5 minutes, then used stale while revalidated for a day.',
    parameters: [{ name: 'If-None-Match', in: 'header', required: false, schema: { type: 'string' } }],
    answers: {
      200: {
        description: 'The script, with a content hash as its ETag.',
        headers: { ETag: { description: 'A hash of the script.', schema: { type: 'string' } } },
        content: { 'application/javascript': { schema: { type: 'string' } } },
      },
      304: { description: 'Not modified.' },
    },
    refusals: ['not_found'],
  })

export const publicPaths = (): Row[] => [
  ['/v1/batch', 'post', batch('batch', 'A batch of events')],
  ['/v1/b', 'post', batch('batchShort', 'A batch of events (analytics.js short path of /v1/batch)')],
  [
    '/v1/import',
    'post',
    batch('import', "History from another system: the site's server key only", ['server_key_required']),
  ],
  ...EVENT_TYPES.flatMap((type) => [
    single(type, `/v1/${type}`, false),
    single(type, `/v1/${type[0]}`, true),
  ]),
  [
    '/v1/consent',
    'post',
    write({
      id: 'consentRecord',
      summary: 'A proof-of-consent record (every choice, refusals included)',
      tag: 'Consent',
      description:
        "Appended to the site's keyed chain; at most 8 KB. Only the browser holding the consent id's `proof` may append to it.",
      body: { schema: ref('ConsentRecord') },
      answers: {
        200: jsonAnswer("`{ success: true, seq, hash }`: the record's place and hash in the chain."),
      },
      refusals: [...WRITE_REFUSALS, 'consent_proof_invalid'],
    }),
  ],
  [
    '/v1/identity/token',
    'post',
    rights(
      'rightsToken',
      "A rights token for the browser that sent an anonymousId's first stored event",
      ref('RightsTokenRequest'),
      '`{ token, expiresAt }`.',
      ['token_not_ready', 'token_unproven', 'token_already_issued'],
    ),
  ],
  [
    '/v1/identity/token/renew',
    'post',
    rights(
      'rightsTokenRenew',
      'A new token for a live one (the old one stops working)',
      ref('RightsTokenPresented'),
      '`{ token, expiresAt }`.',
      ['invalid_token'],
    ),
  ],
  [
    '/v1/identity/revoke',
    'post',
    rights(
      'rightsTokenRevoke',
      'Gives the token back (analytics consent withdrawn)',
      ref('RightsTokenPresented'),
      '`{ success: true }`.',
      ['invalid_token'],
    ),
  ],
  [
    '/v1/identity/export',
    'post',
    rights(
      'rightsExport',
      "Everything stored of the token's browser and the user ids its site vouched for",
      ref('RightsTokenPresented'),
      '`{ site, exportedAt, profile, events, audit }`: Segment events, personal values opened.',
      ['invalid_token', 'profile_not_found'],
    ),
  ],
  [
    '/v1/identity/delete',
    'post',
    rights(
      'rightsDelete',
      'Erases it',
      ref('RightsTokenPresented'),
      '`{ success: true, events }`: the number of events erased. With nothing stored: `profile_not_found`, and the token is revoked all the same.',
      ['invalid_token', 'profile_not_found'],
    ),
  ],
  ['/v1/sites/{site}/config', 'get', siteConfig],
  [
    '/healthz',
    'get',
    operation({
      id: 'healthz',
      summary: 'Liveness',
      tag: 'Health',
      answers: { 200: jsonAnswer('`{ ok: true }`.') },
      refusals: [],
    }),
  ],
  ...BUNDLES.map(({ file, about }) => [`/${file}`, 'get', script(file, about)] as const),
]
