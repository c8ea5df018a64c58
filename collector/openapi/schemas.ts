// The zod schemas the routes validate with, as JSON Schema (zod 4's own converter): the document's
// components, and the query and path parameters of the routes that read theirs with zod.
import { z } from 'zod'
import { consentConfigSchema } from '../../consent/core/config.ts'
import {
  aliasSchema,
  batchSchema,
  type EventType,
  eventSchema,
  groupSchema,
  identifySchema,
  pageSchema,
  screenSchema,
  singleEnvelopeSchema,
  trackSchema,
} from '../../sdk/rules/event-schema.ts'
import { experimentSchema, experimentsSchema } from '../../sdk/rules/experiment-schema.ts'
import { goalSchema } from '../../sdk/rules/goal-schema.ts'
import { personalizationSchema, segment, slot } from '../../sdk/rules/personalization-schema.ts'
import { audienceSchema } from '../audiences/config.ts'
import { KEY_FIELDS } from '../config/resources.ts'
import { siteSchema } from '../config/site-config.ts'
import { destinationSchema } from '../destinations/config.ts'
import { ERROR_CODES, type ErrorCode } from '../errors.ts'
import { journeySchema } from '../journeys/config.ts'
import { recordSchema } from '../routes/consent.ts'
import { tokenRequest, withToken } from '../routes/rights.ts'

export type Json = Record<string, unknown>

/**
 * Request bodies and parameters are described as clients send them (`io: 'input'`: a field with a
 * default is optional, a transformed one is what goes in). Refinements (`refine`, `superRefine`)
 * have no JSON Schema: the rules they check are the server's, so a body the schema accepts may
 * still be refused with `invalid_body` or `invalid_config`. Nothing here is unrepresentable today;
 * `unrepresentable: 'any'` keeps a future transform from breaking the document instead of the build.
 */
const OPTIONS = { target: 'draft-2020-12', unrepresentable: 'any' } as const

/** The converter's `$schema` and `$id` say nothing inside an OpenAPI document. */
const bare = (schema: Json): Json => {
  const { $schema: _, $id: __, ...rest } = schema
  return rest
}

export const toSchema = (schema: z.ZodType, io: 'input' | 'output' = 'input'): Json =>
  bare(z.toJSONSchema(schema, { ...OPTIONS, io }) as Json)

export const ref = (name: ComponentName) => ({ $ref: `#/components/schemas/${name}` })

/** The refusal body of every route (errors.ts ErrorBody), `code` one of ERROR_CODES. */
export const errorSchema = z.object({
  error: z.object({
    code: z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]),
    message: z.string(),
    /** Where in the body or query the problem is (`batch[2].event`, `site`). */
    path: z.string().optional(),
  }),
})

export const EVENT_SCHEMAS: Record<EventType, z.ZodType> = {
  track: trackSchema,
  page: pageSchema,
  screen: screenSchema,
  identify: identifySchema,
  group: groupSchema,
  alias: aliasSchema,
}
export const eventComponent = (type: EventType) =>
  `${type[0]!.toUpperCase()}${type.slice(1)}Event` as `${Capitalize<EventType>}Event`

/** A site's settings as PUT and PATCH take them: no keys, no parts with resources of their own. */
const OMITTED = {
  ...(Object.fromEntries(KEY_FIELDS.map((k) => [k, true])) as Record<(typeof KEY_FIELDS)[number], true>),
  experiments: true,
  goals: true,
  personalization: true,
  consent: true,
  destinations: true,
} as const
export const siteSettingsSchema = siteSchema.omit(OMITTED).partial({ id: true })

/** GET /v1/sites/:site/config (routes/public.ts): parsed config, so every default is filled in. */
export const servedConfigSchema = z.object({
  site: siteSchema.shape.id,
  writeKey: siteSchema.shape.writeKey,
  consent: consentConfigSchema,
  personalization: personalizationSchema,
  experiments: experimentsSchema,
})

const COMPONENTS = {
  Error: errorSchema,
  Event: eventSchema,
  ...(Object.fromEntries(
    Object.entries(EVENT_SCHEMAS).map(([type, schema]) => [eventComponent(type as EventType), schema]),
  ) as Record<ReturnType<typeof eventComponent>, z.ZodType>),
  Batch: batchSchema,
  SingleEventEnvelope: singleEnvelopeSchema,
  ConsentRecord: recordSchema,
  RightsTokenRequest: tokenRequest,
  RightsTokenPresented: withToken,
  SiteSettings: siteSettingsSchema,
  ConsentConfig: consentConfigSchema,
  Experiment: experimentSchema,
  Goal: goalSchema,
  Segment: segment,
  Slot: slot,
  Destination: destinationSchema,
  Journey: journeySchema,
  Audience: audienceSchema,
}
export type ComponentName = keyof typeof COMPONENTS | 'ServedSiteConfig'

/**
 * Every component, converted at once from a registry of its own (so one refers to another by
 * `$ref` instead of repeating it), plus the served config in its output form.
 */
export const componentSchemas = (): Record<ComponentName, Json> => {
  const registry = z.registry<{ id: string }>()
  for (const [id, schema] of Object.entries(COMPONENTS)) registry.add(schema, { id })
  const converted = z.toJSONSchema(registry, {
    ...OPTIONS,
    io: 'input',
    uri: (id) => `#/components/schemas/${id}`,
  }).schemas
  const schemas = Object.fromEntries(
    Object.entries(converted).map(([id, schema]) => [id, bare(schema as Json)]),
  ) as Record<ComponentName, Json>
  // The envelope takes any JSON per event: each is then validated alone (ingest/normalize.ts), so
  // one invalid event is listed in `rejected` rather than refusing its batch.
  const batch = schemas.Batch as { properties: { batch: Json } }
  batch.properties.batch = { ...batch.properties.batch, items: ref('Event') }
  schemas.ServedSiteConfig = toSchema(servedConfigSchema, 'output')
  return schemas
}

/** The query parameters of a route that reads its query with `schema` (only `names`, if given). */
export const queryParameters = (schema: z.ZodObject, names?: readonly string[]): Json[] => {
  const json = toSchema(schema) as { properties?: Record<string, Json>; required?: string[] }
  return Object.entries(json.properties ?? {})
    .filter(([name]) => names === undefined || names.includes(name))
    .map(([name, property]) => ({
      name,
      in: 'query',
      required: json.required?.includes(name) ?? false,
      schema: property,
    }))
}

export const pathParameter = (name: string, schema: z.ZodType | Json, description?: string): Json => ({
  name,
  in: 'path',
  required: true,
  ...(description ? { description } : {}),
  schema: schema instanceof z.ZodType ? toSchema(schema) : schema,
})
