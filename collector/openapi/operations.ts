// How the document's operations are written: one spec per route, refusals named by their error code
// (their status comes from ERROR_CODES, so a code cannot be listed under the wrong status).
import { ERROR_CODES, type ErrorCode } from '../errors.ts'
import { type Json, ref } from './schemas.ts'

export interface OperationSpec {
  id: string
  summary: string
  /** What the route answers, where no zod schema describes it. */
  description?: string
  tag: string
  parameters?: Json[]
  body?: {
    schema: Json
    description?: string
    /** Browsers post JSON as text/plain (no CORS preflight): the public write routes take both. */
    textPlain?: boolean
    /** The route reads a missing body as `{}`. */
    optional?: boolean
  }
  /** Successful answers by status. */
  answers: Record<number, Json>
  /** Every refusal the route and its middleware give; the admin guard's are added for `admin`. */
  refusals: readonly ErrorCode[]
  /** Under /admin/api: behind the bearer token. */
  admin?: boolean
  /** Takes a site's key as the Basic user name (or `writeKey` in the body). */
  writeKey?: boolean
}

/** The refusals of the admin guard (middleware/admin-auth.ts), on every admin operation. */
const ADMIN_REFUSALS: readonly ErrorCode[] = ['unauthorized', 'admin_disabled', 'forbidden', 'csrf_failed']

const HEADERS: Partial<Record<number, Json>> = {
  401: { 'WWW-Authenticate': { $ref: '#/components/headers/WWW-Authenticate' } },
  412: { ETag: { $ref: '#/components/headers/ETag' } },
  429: { 'Retry-After': { $ref: '#/components/headers/Retry-After' } },
}

/** Codes grouped by status, ascending; each group in the order given. */
const byStatus = (codes: Iterable<ErrorCode>) => {
  const groups = new Map<number, ErrorCode[]>()
  for (const code of codes) groups.set(ERROR_CODES[code], [...(groups.get(ERROR_CODES[code]) ?? []), code])
  return [...groups.entries()].sort(([a], [b]) => a - b)
}
const list = (codes: readonly ErrorCode[]) => codes.map((c) => `\`${c}\``).join(', ')

/**
 * One shared refusal answer per status (`Refused404`): the `Error` body, the headers that status
 * carries, and every code it can have.
 */
const refusalComponents = () =>
  Object.fromEntries(
    byStatus(Object.keys(ERROR_CODES) as ErrorCode[]).map(([status, codes]) => [
      `Refused${status}`,
      {
        description: `Refused with one of ${list(codes)}.`,
        ...(HEADERS[status] ? { headers: HEADERS[status] } : {}),
        content: { 'application/json': { schema: ref('Error') } },
      },
    ]),
  )

/** An operation's refusals: the shared answer of each status, described with the codes it gives. */
export const refusalAnswers = (codes: readonly ErrorCode[]): Record<number, Json> =>
  Object.fromEntries(
    byStatus(new Set(codes)).map(([status, given]) => [
      status,
      { $ref: `#/components/responses/Refused${status}`, description: `Refused: ${list(given)}.` },
    ]),
  )

export const jsonAnswer = (description: string, extra: Json = {}): Json => ({
  description,
  ...extra,
  content: { 'application/json': {} },
})

/** An answer in JSON, or as a CSV attachment when asked (`format=csv`). */
export const jsonOrCsv = (description: string): Json => ({
  description,
  content: { 'application/json': {}, 'text/csv': { schema: { type: 'string' } } },
})

/** An answer carrying the version of the site's config it is of as its ETag ("demo.v3"). */
export const taggedAnswer = (description: string): Json =>
  jsonAnswer(description, { headers: { ETag: { $ref: '#/components/headers/ETag' } } })

export const operation = (spec: OperationSpec): Json => {
  const refusals = spec.admin ? [...ADMIN_REFUSALS, ...spec.refusals] : spec.refusals
  const media = (schema: Json) => ({
    'application/json': { schema },
    ...(spec.body?.textPlain ? { 'text/plain': { schema } } : {}),
  })
  return {
    operationId: spec.id,
    summary: spec.summary,
    ...(spec.description ? { description: spec.description } : {}),
    tags: [spec.tag],
    ...(spec.admin ? { security: [{ bearerAuth: [] }] } : {}),
    // `{}`: the key may come in the body instead.
    ...(spec.writeKey ? { security: [{ writeKey: [] }, {}] } : {}),
    ...(spec.parameters?.length ? { parameters: spec.parameters } : {}),
    ...(spec.body
      ? {
          requestBody: {
            required: !spec.body.optional,
            ...(spec.body.description ? { description: spec.body.description } : {}),
            content: media(spec.body.schema),
          },
        }
      : {}),
    responses: { ...spec.answers, ...refusalAnswers(refusals) },
  }
}

/** One operation of the document: its path, method and what it is. */
export type Row = readonly [path: string, method: string, operation: Json]

/** `paths` from rows, the methods of one path in one item; a route described twice is a mistake. */
export const pathsOf = (rows: readonly Row[]): Record<string, Json> => {
  const paths: Record<string, Json> = {}
  for (const [path, method, op] of rows) {
    if (paths[path]?.[method]) throw new Error(`${method.toUpperCase()} ${path} is described twice`)
    paths[path] = { ...paths[path], [method]: op }
  }
  return paths
}

export const commonComponents = () => ({
  responses: refusalComponents(),
  headers: {
    ETag: {
      description:
        'The version of the site\'s config the answer is of, `"<site>.v<n>"`: send it back as `If-Match` to change what you read.',
      schema: { type: 'string' },
    },
    'Retry-After': { description: 'Seconds to wait before trying again.', schema: { type: 'integer' } },
    'WWW-Authenticate': { description: '`Bearer realm="precis-admin"`.', schema: { type: 'string' } },
  },
  parameters: {
    IfMatch: {
      name: 'If-Match',
      in: 'header',
      required: true,
      description:
        'The ETag of the version the change was made from (`"demo.v3"`), or `*` for whatever is newest. Without it: 428 `precondition_required`; when someone saved the site since: 412 `stale_version`, nothing saved.',
      schema: { type: 'string' },
    },
  },
  securitySchemes: {
    bearerAuth: {
      type: 'http',
      scheme: 'bearer',
      description: 'PRECIS_ADMIN_TOKEN, as `Authorization: Bearer <token>`.',
    },
    writeKey: {
      type: 'http',
      scheme: 'basic',
      description:
        "A site's write key (or its secret server key, from servers only) as the user name, no password, as Segment's libraries send it; browsers put it in the body as `writeKey`.",
    },
  },
})

export const IF_MATCH = { $ref: '#/components/parameters/IfMatch' }

/** A report's operation: admin only, under Reports, with the refusals every report with filters gives. */
export const reportOperation = (
  spec: Omit<OperationSpec, 'admin' | 'tag' | 'refusals'>,
  refusals: ErrorCode[] = [],
) =>
  operation({
    ...spec,
    admin: true,
    tag: 'Reports',
    refusals: [
      'invalid_query',
      'site_not_found',
      'segment_not_found',
      'segment_too_small',
      'report_too_large',
      ...refusals,
    ],
  })
