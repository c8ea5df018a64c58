import type { Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { ContentfulStatusCode } from 'hono/utils/http-status'

/** Every refusal the collector can give. Clients may switch on these; never rename one. */
export const ERROR_CODES = {
  invalid_json: 400,
  invalid_body: 400,
  invalid_event: 400,
  invalid_query: 400,
  invalid_config: 400,
  bot_traffic: 400,
  unauthorized: 401,
  admin_disabled: 401,
  origin_not_allowed: 403,
  forbidden: 403,
  csrf_failed: 403,
  setup_link_invalid: 403,
  server_key_in_browser: 403,
  server_key_required: 403,
  consent_required: 403,
  consent_proof_invalid: 403,
  not_found: 404,
  site_not_found: 404,
  consent_not_found: 404,
  profile_not_found: 404,
  slot_not_found: 404,
  experiment_not_found: 404,
  segment_not_found: 404,
  goal_not_found: 404,
  destination_not_found: 404,
  journey_not_found: 404,
  audience_not_found: 404,
  version_not_found: 404,
  already_exists: 409,
  rebucket_choice_required: 409,
  archive_instead: 409,
  invalid_transition: 409,
  last_owner: 409,
  segment_too_small: 409,
  stale_version: 412,
  precondition_required: 428,
  invalid_token: 403,
  token_unproven: 403,
  token_not_ready: 409,
  token_already_issued: 409,
  payload_too_large: 413,
  report_too_large: 422,
  event_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal: 500,
} as const satisfies Record<string, ContentfulStatusCode>

export type ErrorCode = keyof typeof ERROR_CODES

export interface ErrorBody {
  error: { code: ErrorCode; message: string; path?: string }
}

/** The collector's one error type: a status, a stable code, a readable message, and where. */
export class ApiError extends HTTPException {
  readonly code: ErrorCode
  readonly path: string | undefined
  /** Headers the refusal needs, like Retry-After on a 429. */
  readonly headers: Record<string, string>
  /** More of the answer beside `error`, like a batch's `rejected` list. */
  readonly extra: Record<string, unknown>

  constructor(
    code: ErrorCode,
    message: string,
    path?: string,
    headers: Record<string, string> = {},
    extra: Record<string, unknown> = {},
  ) {
    super(ERROR_CODES[code], { message })
    this.code = code
    this.path = path
    this.headers = headers
    this.extra = extra
  }

  toBody(): ErrorBody {
    return {
      ...this.extra,
      error: { code: this.code, message: this.message, ...(this.path ? { path: this.path } : {}) },
    }
  }
}

export const errorResponse = (c: Context, err: ApiError) => {
  for (const [name, value] of Object.entries(err.headers)) c.header(name, value)
  return c.json(err.toBody(), err.status)
}

/** Refusals by code since the process started (per process: each collector counts its own). */
export interface Refusals {
  count(code: ErrorCode): void
  snapshot(): { since: string; counts: Record<ErrorCode, number> }
}

export const createRefusals = (now: () => number): Refusals => {
  const since = new Date(now()).toISOString()
  const counts = Object.fromEntries(Object.keys(ERROR_CODES).map((code) => [code, 0])) as Record<
    ErrorCode,
    number
  >
  return {
    count: (code) => {
      counts[code]++
    },
    snapshot: () => ({ since, counts: { ...counts } }),
  }
}

/**
 * app.onError: known errors keep their code; anything else is a 500 that does not leak internals.
 * Every error response passes here (or through notFound), so counting here counts every refusal.
 */
export const onError = (log: (err: unknown) => void, refusals?: Refusals) => (err: Error, c: Context) => {
  const known =
    err instanceof ApiError
      ? err
      : err instanceof HTTPException && err.status < 500
        ? new ApiError('invalid_body', err.message || 'bad request')
        : undefined
  if (!known) log(err)
  const refusal = known ?? new ApiError('internal', 'internal error')
  refusals?.count(refusal.code)
  return errorResponse(c, refusal)
}
