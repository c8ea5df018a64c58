// Audiences' own routes (routes/audiences.ts): an audience's size and its customer-match file;
// the audiences themselves are config items (config-paths.ts).
import { exportQuery } from '../routes/audiences.ts'
import { jsonAnswer, type OperationSpec, operation, type Row } from './operations.ts'
import { pathParameter, queryParameters } from './schemas.ts'

const admin = (spec: Omit<OperationSpec, 'admin'>) => operation({ ...spec, admin: true })
const audienceKey = pathParameter('key', { type: 'string' }, "The audience's key (its segment's).")

export const audiencePaths = (): Row[] => [
  [
    '/admin/api/audiences/{key}/size',
    'get',
    admin({
      id: 'audienceSize',
      summary: 'How many profiles are in an audience now',
      tag: 'Audiences',
      parameters: [audienceKey, ...queryParameters(exportQuery, ['site'])],
      answers: { 200: jsonAnswer('`{ site, audience, members }`.') },
      refusals: ['invalid_query', 'site_not_found', 'audience_not_found'],
    }),
  ],
  [
    '/admin/api/audiences/{key}/export',
    'get',
    admin({
      id: 'audienceExport',
      summary: "An audience's customer-match file: hashed addresses of members with marketing consent",
      tag: 'Audiences',
      parameters: [audienceKey, ...queryParameters(exportQuery)],
      answers: {
        200: {
          description:
            '`{ site, audience, members, count, excluded, basis, identifiers: [{ email_sha256 }] }`, or with `format=csv` a file with one column `email_sha256`: SHA-256 of the trimmed lower-case address of each member whose newest consent stamp grants marketing without Global Privacy Control; `excluded` counts the other members (no address or no such consent). Needs `personal.read`; each export is in the access log.',
          content: {
            'application/json': { schema: { type: 'object' } },
            'text/csv': { schema: { type: 'string' } },
          },
        },
      },
      refusals: ['invalid_query', 'site_not_found', 'audience_not_found'],
    }),
  ],
]
