// Journeys' own routes: results against the holdout and the entries (routes/journeys.ts); the
// journeys themselves are config items (config-paths.ts); and the unsubscribe link of their mails
// (routes/unsubscribe.ts).
import { entriesQuery, resultsQuery } from '../routes/journeys.ts'
import { jsonAnswer, type OperationSpec, operation, type Row } from './operations.ts'
import { pathParameter, queryParameters } from './schemas.ts'

const admin = (spec: Omit<OperationSpec, 'admin'>) => operation({ ...spec, admin: true })
const journeyKey = pathParameter('key', { type: 'string' }, "The journey's key.")
const page = (description: string) => ({
  description,
  content: { 'text/html': { schema: { type: 'string' } } },
})

const unsubscribe = (method: 'get' | 'post') =>
  operation({
    id: method === 'get' ? 'unsubscribePage' : 'unsubscribe',
    summary:
      method === 'get'
        ? "An unsubscribe link's page: one button, so a scanner following links unsubscribes nobody"
        : 'Unsubscribes the address the token names (also RFC 8058 one-click)',
    tag: 'Journeys',
    parameters: [
      pathParameter('site', { type: 'string' }, "The site's id."),
      {
        name: 't',
        in: 'query',
        required: true,
        schema: { type: 'string' },
        description: 'The token from the mail.',
      },
    ],
    answers: {
      200: page(method === 'get' ? 'The page, in English or Chinese by Accept-Language.' : 'Done.'),
      400: page('The link is not valid (tampered, another site, or not a token).'),
    },
    refusals: [],
  })

export const journeyPaths = (): Row[] => [
  [
    '/admin/api/journeys/{key}/results',
    'get',
    admin({
      id: 'journeyResults',
      summary: "A journey's goal, reached people against the held-out ones",
      tag: 'Journeys',
      parameters: [journeyKey, ...queryParameters(resultsQuery)],
      answers: {
        200: jsonAnswer(
          "`{ site, journey, goal, holdout, groups: { reached, holdout }, conversion, revenue, method, decided }`: per group the entries and what became of them (`entered`, `waiting`, `sent`, `held`, `exited`, `skipped`), `converted`, `revenue`, `conversionRate` and `revenuePerEntry` with 95 % intervals; `conversion` and `revenue` compare reached with held out (the experiments' statistics); `decided` whether the always-valid interval of the conversion lift excludes 0.",
        ),
      },
      refusals: ['invalid_query', 'site_not_found', 'journey_not_found'],
    }),
  ],
  [
    '/admin/api/journeys/{key}/entries',
    'get',
    admin({
      id: 'journeyEntries',
      summary: "A journey's entries, newest first: what became of each run",
      tag: 'Journeys',
      parameters: [journeyKey, ...queryParameters(entriesQuery)],
      answers: {
        200: jsonAnswer(
          "`{ site, journey, entries: [{ entryId, anonymousId, userId, group, status, enteredAt, dueAt, doneAt, reason, convertedAt, revenue }] }`: people by the collector's pseudonyms only.",
        ),
      },
      refusals: ['invalid_query', 'site_not_found', 'journey_not_found'],
    }),
  ],
  ['/v1/sites/{site}/unsubscribe', 'get', unsubscribe('get')],
  ['/v1/sites/{site}/unsubscribe', 'post', unsubscribe('post')],
]
