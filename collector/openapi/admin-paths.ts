// The admin API's reads: events and consent records (routes/admin.ts), profiles (routes/profiles.ts),
// segments and slots, and the segment preview (routes/personalization.ts), experiments (routes/experiments.ts), consent
// statistics (routes/consent-stats.ts) and refusals (routes/refusals.ts).
import { experimentSchema } from '../../sdk/rules/experiment-schema.ts'
import { siteSchema } from '../config/site-config.ts'
import { eventsQuery } from '../routes/admin.ts'
import { recordSchema } from '../routes/consent.ts'
import { statsQuery } from '../routes/consent-stats.ts'
import { deliveriesQuery, replayBody } from '../routes/destinations.ts'
import { listQuery, resultsQuery } from '../routes/experiments.ts'
import { key as profileKey, query as profileQuery } from '../routes/profiles.ts'
import { jsonAnswer, type OperationSpec, operation, type Row, taggedAnswer } from './operations.ts'
import { pathParameter, queryParameters, ref, toSchema } from './schemas.ts'

const admin = (spec: Omit<OperationSpec, 'admin'>) => operation({ ...spec, admin: true })

const siteQuery = queryParameters(eventsQuery, ['site'])
const sitePath = pathParameter('site', siteSchema.shape.id)
const profileId = pathParameter(
  'id',
  profileKey,
  'Any linked identifier: the profile id, a userId or an anonymousId.',
)

const destinationKey = pathParameter('key', { type: 'string' }, "The destination's key.")

export const adminPaths = (): Row[] => [
  [
    '/admin/api/destinations/{key}/deliveries',
    'get',
    admin({
      id: 'listDeliveries',
      summary: "A destination's deliveries, newest first, and how many are pending, delivered and dead",
      tag: 'Site config',
      parameters: [destinationKey, ...queryParameters(deliveriesQuery)],
      answers: {
        200: jsonAnswer(
          '`{ site, destination, counts: { pending, delivered, dead }, deliveries: [{ messageId, status, attempts, createdAt, nextAt, doneAt, lastError }], log: [{ hour, delivered, dead, pending, retried, latencyP50, latencyP95 }] }`: keys and states, never an event; `log` the last 24 hours by the hour the deliveries were queued in (of the newest 5,000), latency from queued to delivered in ms.',
        ),
      },
      refusals: ['invalid_query', 'site_not_found', 'destination_not_found'],
    }),
  ],
  [
    '/admin/api/destinations/{key}/replay',
    'post',
    admin({
      id: 'replayDeliveries',
      summary: "Sends a destination's dead letters again (all, or those named)",
      tag: 'Site config',
      parameters: [destinationKey, ...queryParameters(deliveriesQuery, ['site'])],
      body: { schema: toSchema(replayBody) },
      answers: { 200: jsonAnswer('`{ site, destination, replayed }`: how many are pending again.') },
      refusals: [
        'invalid_query',
        'invalid_json',
        'invalid_body',
        'unsupported_media_type',
        'site_not_found',
        'destination_not_found',
      ],
    }),
  ],
  [
    '/admin/api/events',
    'get',
    admin({
      id: 'listEvents',
      summary: "A site's stored events, newest first",
      tag: 'Events and consent records',
      parameters: queryParameters(eventsQuery),
      answers: {
        200: jsonAnswer(
          "`{ site, total, events }`: Segment events (personal values opened), `total` the site's stored events.",
        ),
      },
      refusals: ['invalid_query', 'site_not_found'],
    }),
  ],
  [
    '/admin/api/consent/verify',
    'get',
    admin({
      id: 'verifyConsentChain',
      summary: "Walks the site's consent chain",
      tag: 'Events and consent records',
      parameters: siteQuery,
      answers: {
        200: jsonAnswer(
          '`{ site, ok, records, unkeyed, brokenAt?: { seq, reason }, prunedThrough?, sealedThrough? }`: the first record that is not genuine, if any.',
        ),
      },
      refusals: ['invalid_query', 'site_not_found'],
    }),
  ],
  [
    '/admin/api/consent/{consentId}',
    'get',
    admin({
      id: 'consentHistory',
      summary: 'Every record of one consent id, oldest first',
      tag: 'Events and consent records',
      parameters: [pathParameter('consentId', recordSchema.shape.consentId), ...siteQuery],
      answers: {
        200: jsonAnswer(
          '`{ site, consentId, records: [{ site, seq, consentId, version, purposes, source, language, gpc, textHash, userAgent, clientTime, receivedAt, binding, prevHash, hash, keyId }] }`.',
        ),
      },
      refusals: ['invalid_query', 'site_not_found', 'consent_not_found'],
    }),
  ],
  [
    '/admin/api/profiles/{id}',
    'get',
    admin({
      id: 'getProfile',
      summary: 'A profile, its segments and recent events',
      tag: 'Profiles',
      parameters: [profileId, ...queryParameters(profileQuery)],
      answers: {
        200: jsonAnswer(
          '`{ site, profile: { id, identifiers, traits, computed, counts, firstSeen, lastSeen }, segments, recentEvents }`: user ids opened, device ids as pseudonyms (`~…`); `limit` recent events.',
        ),
      },
      refusals: ['invalid_query', 'site_not_found', 'profile_not_found'],
    }),
  ],
  [
    '/admin/api/profiles/{id}',
    'delete',
    admin({
      id: 'eraseProfile',
      summary: 'Erases everything stored of the person',
      tag: 'Profiles',
      parameters: [profileId, ...queryParameters(profileQuery, ['site'])],
      answers: { 200: jsonAnswer('`{ site, erased: { profileId, events, identifiers, auditEntries } }`.') },
      refusals: ['invalid_query', 'site_not_found', 'profile_not_found'],
    }),
  ],
  [
    '/admin/api/profiles/{id}/export',
    'get',
    admin({
      id: 'exportProfile',
      summary: 'Everything stored of the person, as a JSON attachment',
      tag: 'Profiles',
      parameters: [profileId, ...queryParameters(profileQuery, ['site'])],
      answers: {
        200: jsonAnswer('`{ site, exportedAt, profile, events, audit }`.', {
          headers: { 'Content-Disposition': { schema: { type: 'string' } } },
        }),
      },
      refusals: ['invalid_query', 'site_not_found', 'profile_not_found'],
    }),
  ],
  [
    '/admin/api/sites/{site}/segments',
    'get',
    admin({
      id: 'segmentSizes',
      summary: "Each segment's size: profiles in it now, browsers that reported it in 7 days",
      tag: 'Personalization',
      parameters: [sitePath],
      answers: {
        200: jsonAnswer(
          '`{ site, segments: [{ key, name, profiles, visitors7d }], profilesScanned, evaluatedAt }`.',
        ),
      },
      refusals: ['site_not_found'],
    }),
  ],
  [
    '/admin/api/sites/{site}/segments/preview',
    'post',
    admin({
      id: 'previewSegment',
      summary: "How many of the site's profiles a segment rule matches now, before it is saved",
      tag: 'Personalization',
      description:
        "The body is a segment as the site config takes it (`invalid_config` with `path` and `issues` when it is not), evaluated on every profile with the site's history and RFM settings, as `GET /admin/api/sites/{site}/segments` does; nothing is saved.",
      parameters: [sitePath],
      body: { schema: ref('Segment') },
      answers: { 200: jsonAnswer('`{ site, profiles, profilesScanned, evaluatedAt }`.') },
      refusals: [
        'site_not_found',
        'invalid_json',
        'invalid_body',
        'invalid_config',
        'unsupported_media_type',
        'payload_too_large',
      ],
    }),
  ],
  [
    '/admin/api/sites/{site}/slots/{slot}/results',
    'get',
    admin({
      id: 'slotResults',
      summary: "A slot's groups: impressions, visitors, clicks, conversions, lift against the holdout",
      tag: 'Personalization',
      parameters: [sitePath, pathParameter('slot', { type: 'string' })],
      answers: {
        200: jsonAnswer(
          '`{ site, slot, goal, holdout, groups: [{ group, kind, impressions, late, visitors, clicks, conversions, conversionRate, ci, lift: { absolute, relative } }], evaluatedAt }`.',
        ),
      },
      refusals: ['site_not_found', 'slot_not_found'],
    }),
  ],
  [
    '/admin/api/experiments',
    'get',
    admin({
      id: 'listExperiments',
      summary: "A site's experiments with their people",
      tag: 'Experiments',
      parameters: queryParameters(listQuery),
      answers: {
        200: taggedAnswer(
          '`{ site, version, experiments: [{ key, name, status, variations: [{ key, weight }], users, config }] }`: `config` as written (what an edit starts from).',
        ),
      },
      refusals: ['invalid_query', 'site_not_found'],
    }),
  ],
  [
    '/admin/api/experiments/{key}/results',
    'get',
    admin({
      id: 'experimentResults',
      summary: "One experiment's results",
      tag: 'Experiments',
      description: 'docs/api.md#experiments says what each number is.',
      parameters: [pathParameter('key', experimentSchema.shape.key), ...queryParameters(resultsQuery)],
      answers: {
        200: {
          description:
            '`{ site, experiment, users, srm, adjustment, method, alpha, prior, verdict, metrics, granularity, daily, late, plan, evaluatedAt }`; with `format=csv`, one row per metric and variation as an attachment.',
          content: { 'application/json': {}, 'text/csv': { schema: { type: 'string' } } },
        },
      },
      refusals: ['invalid_query', 'site_not_found', 'experiment_not_found', 'report_too_large'],
    }),
  ],
  [
    '/admin/api/sites/{site}/consent/stats',
    'get',
    admin({
      id: 'consentStats',
      summary: 'The consent ledger of the last `days` UTC days as rates, each consent id once',
      tag: 'Events and consent records',
      parameters: [sitePath, ...queryParameters(statsQuery)],
      answers: {
        200: jsonAnswer(
          '`{ site, days, from, to, visitors, purposes: { <purpose>: { count, share } }, choices: { acceptAll, rejectAll, custom }, gpc, sources, daily, evaluatedAt }`.',
        ),
      },
      refusals: ['site_not_found', 'invalid_query'],
    }),
  ],
  [
    '/admin/api/refusals',
    'get',
    admin({
      id: 'refusals',
      summary: "This process's refusals by error code since it started",
      tag: 'Refusals',
      answers: { 200: jsonAnswer('`{ since, counts: { <code>: n } }`, every code of `Error` counted.') },
      refusals: [],
    }),
  ],
]
