// The fuzz drill's ingest requests, made by fast-check, each with what the collector must do with
// it (consent requests and the mix the drill sends: fuzz-cases.ts). The generator decides validity
// by construction (a valid event, then at most one mutation whose effect is known), so the drill
// can compare the store with it: every valid event stored once, nothing else.
import fc from 'fast-check'
import { LIMITS } from '../../sdk/rules/event-schema.ts'

export const WRITE_KEY = 'demo-write-key'
/** Requests without an Origin play a server: the server key (events need no consent stamp). */
export const SERVER_KEY = 'demo-server-key-0123456789abcdef'
export const ALLOWED_ORIGIN = 'https://shop.example'
/** Rate limits out of the way: the fuzz sends far more than a site's budget (abuse drill's job). */
export const UNLIMITED = {
  perIp: { perSecond: 1_000_000, burst: 10_000_000 },
  perSite: { perSecond: 1_000_000, burst: 10_000_000 },
}

export interface Case {
  /** What kind of payload, for the figures and failure messages. */
  kind: string
  path: string
  headers: Record<string, string>
  body: string
  /** The messageIds (events) or consentIds (consent) this request must store, once each. */
  stores: string[]
  /** Events of a batch that must come back in `rejected` (their indexes). */
  rejected: number[]
  /** The refusal's code when it is known in advance. */
  code?: string
}

/** Object keys that reach for prototypes, plus names every object inherits. */
export const POLLUTING_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  'valueOf',
]

/** `{"__proto__":{"polluted":…}}` as JSON.parse would read it: an own key, kept by JSON.stringify. */
const pollution = () =>
  JSON.parse(
    '{"__proto__":{"polluted":"yes","toString":"x"},"constructor":{"prototype":{"polluted":"yes"}},"prototype":{"polluted":"yes"}}',
  ) as Record<string, unknown>

const EVENT_TYPES = ['track', 'page', 'screen', 'identify', 'group', 'alias'] as const
type EventType = (typeof EVENT_TYPES)[number]

// Plain strings from an alphabet: fc.stringMatching costs ten times more, and this runs per event.
const ALNUM = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789']
const ident = fc.string({ unit: fc.constantFrom(...ALNUM, '_', '-'), minLength: 1, maxLength: 40 })
const label = fc
  .tuple(
    fc.constantFrom(...ALNUM.slice(0, 52)),
    fc.string({ unit: fc.constantFrom(...ALNUM, ' '), maxLength: 30 }),
  )
  .map(([first, rest]) => first + rest)
export const iso = fc
  .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2035-01-01T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString())
/** NUL is refused (PostgreSQL cannot store it): valid text has none; a mutation adds it. */
const withoutNul = (s: string) => s.replaceAll('\u0000', '')
/** Any string but NUL: lone surrogates, control characters, RTL marks, emoji. */
const anyString = fc
  .oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ maxLength: 40 }))
  .map(withoutNul)
export const key = fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }).map(withoutNul) },
  { weight: 1, arbitrary: fc.constantFrom(...POLLUTING_KEYS) },
)
export const noiseValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2, depthSize: 'xsmall' }),
  anyString,
  fc.constant(pollution()),
)
/** Free-form properties and traits: anything JSON, small enough to stay far below 32 KB. */
const noise = fc
  .tuple(fc.dictionary(key, noiseValue, { maxKeys: 4, noNullPrototype: true }), fc.boolean())
  .map(([d, pollute]) => (pollute ? { ...d, ...pollution() } : d))

/** A valid event of the type, without messageId (the runner numbers them). */
const validEvent = (type: EventType, browser: boolean) =>
  fc
    .record({
      who: fc.constantFrom('anonymousId', 'userId', 'both'),
      anonymousId: ident,
      userId: ident,
      name: label,
      groupId: ident,
      previousId: ident,
      timestamp: fc.option(iso, { nil: undefined }),
      sentAt: fc.option(iso, { nil: undefined }),
      props: noise,
      contextNoise: fc.dictionary(
        ident.map((k) => `x-${k}`),
        noiseValue,
        { maxKeys: 2 },
      ),
      pollute: fc.boolean(),
      consentStamp: browser ? fc.constant(true) : fc.boolean(),
    })
    .map((r) => {
      const e: Record<string, unknown> = { type }
      if (r.who !== 'userId' && type !== 'alias') e.anonymousId = r.anonymousId
      if (r.who !== 'anonymousId' || type === 'alias') e.userId = r.userId
      if (type === 'track') e.event = r.name
      if (type === 'page' || type === 'screen') e.name = r.name
      if (type === 'group') e.groupId = r.groupId
      if (type === 'alias') e.previousId = r.previousId
      if (r.timestamp) e.timestamp = r.timestamp
      if (r.sentAt) e.sentAt = r.sentAt
      if (type === 'identify' || type === 'group') e.traits = r.props
      else if (type !== 'alias') e.properties = r.props
      // Servers may leave the consent stamp out; browsers may not.
      const context: Record<string, unknown> = { ...r.contextNoise }
      if (r.consentStamp) {
        context.consent = {
          categoryPreferences: { necessary: true, analytics: true, personalization: false, marketing: false },
        }
      }
      e.context = r.pollute ? Object.assign(pollution(), context) : context
      return e
    })

interface Mutation {
  name: string
  apply(e: Record<string, unknown>): unknown
  /**
   * The single-event routes take the type from the path (a bad type is no fault there) and read
   * sentAt as the envelope's (a bad one is invalid_body).
   */
  batchOnly?: boolean
  /** Types whose schema has no such field: zod drops it, so the event stays valid. */
  except?: EventType[]
  code: 'invalid_event' | 'event_too_large' | 'consent_required'
}

/**
 * Stands for arrays nested DEEP_LEVELS deep, spliced into the body as text: JSON.stringify here
 * would overflow the stack just as the collector's did.
 */
const DEEP = '@@deep@@'
const DEEP_LEVELS = 100_000
const deepen = (body: string) =>
  body.replaceAll(`"${DEEP}"`, `${'['.repeat(DEEP_LEVELS)}${']'.repeat(DEEP_LEVELS)}`)

const set = (field: string, value: unknown) => (e: Record<string, unknown>) => ({ ...e, [field]: value })
const drop =
  (...fields: string[]) =>
  (e: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(e).filter(([k]) => !fields.includes(k)))
/** Adds fields to the event's context (every type has one, and it is stored). */
const withContext = (fields: Record<string, unknown>) => (e: Record<string, unknown>) => ({
  ...e,
  context: { ...(e.context as object), ...fields },
})
const consent = (value: unknown) => (e: Record<string, unknown>) => ({
  ...e,
  context: { ...(e.context as object), consent: value },
})

/** Faults with a known outcome. Each applies to any valid event of any type. */
const MUTATIONS: Mutation[] = [
  ...[null, 5, 'nope', '', ['track'], { type: 'track' }].map(
    (type): Mutation => ({ name: 'type', apply: set('type', type), batchOnly: true, code: 'invalid_event' }),
  ),
  { name: 'no type', apply: drop('type'), batchOnly: true, code: 'invalid_event' },
  ...[null, 42, {}, [], ''].map(
    (v): Mutation => ({ name: 'event itself', apply: () => v, batchOnly: true, code: 'invalid_event' }),
  ),
  { name: 'no identity', apply: drop('anonymousId', 'userId'), code: 'invalid_event' },
  ...['', '   ', 7, {}, 'x'.repeat(LIMITS.idLength + 1)].map(
    (v): Mutation => ({
      name: 'bad identity',
      apply: (e) => ({ ...drop('anonymousId')(e), userId: v }),
      code: 'invalid_event',
    }),
  ),
  ...['', 42, 'x'.repeat(LIMITS.messageIdLength + 1), null].map(
    (v): Mutation => ({ name: 'bad messageId', apply: set('messageId', v), code: 'invalid_event' }),
  ),
  ...['yesterday', 1732350000000, '2026-13-01T00:00:00Z', '2026-11-23', '2026-02-30T10:00:00Z'].map(
    (v): Mutation => ({ name: 'bad timestamp', apply: set('timestamp', v), code: 'invalid_event' }),
  ),
  ...['not a time', 0].map(
    (v): Mutation => ({
      name: 'bad event sentAt',
      apply: set('sentAt', v),
      batchOnly: true,
      code: 'invalid_event',
    }),
  ),
  ...['now', 5, ['a'], null].map(
    (v): Mutation => ({ name: 'context not an object', apply: set('context', v), code: 'invalid_event' }),
  ),
  ...[[1, 2], 'x', 3, null].map(
    (v): Mutation => ({
      name: 'properties not an object',
      apply: (e) => ({ ...e, properties: v, traits: v }),
      except: ['alias'],
      code: 'invalid_event',
    }),
  ),
  ...[false, 'true', 1, null].map(
    (v): Mutation => ({
      name: 'consent not granted',
      apply: consent({ categoryPreferences: { necessary: true, analytics: v } }),
      code: 'consent_required',
    }),
  ),
  ...['yes', [], 0].map(
    (v): Mutation => ({ name: 'malformed consent', apply: consent(v), code: 'consent_required' }),
  ),
  {
    name: 'event over 32 KB',
    apply: withContext({ blob: 'x'.repeat(LIMITS.eventBytes) }),
    code: 'event_too_large',
  },
  {
    name: 'huge string',
    // Two of these in one batch exceed the request limit: ingestCase expects a 413 then.
    apply: withContext({ text: 'é'.repeat(150_000) }),
    code: 'event_too_large',
  },
  {
    name: 'deep nesting',
    apply: withContext({ deep: DEEP }),
    code: 'invalid_event',
  },
  { name: 'NUL in text', apply: withContext({ text: 'a\u0000b' }), code: 'invalid_event' },
  { name: 'NUL in a key', apply: withContext({ 'k\u0000': 1 }), code: 'invalid_event' },
]

/** Type-specific faults: a name or id that is missing, empty, too long or not a string. */
const typeMutations = (type: EventType): Mutation[] => {
  const field = { track: 'event', group: 'groupId', alias: 'previousId' }[type as string]
  if (!field) return []
  const limit = field === 'event' ? LIMITS.nameLength : LIMITS.idLength
  return [undefined, '', '  ', 12, 'n'.repeat(limit + 1)].map((v) => ({
    name: `bad ${field}`,
    apply: v === undefined ? drop(field) : set(field, v),
    code: 'invalid_event',
  }))
}

interface EventSpec {
  event: unknown
  valid: boolean
  code?: Mutation['code']
  fault?: string
}

/** A valid event, or one with one fault (about a third). */
const eventSpec = (type: EventType, browser: boolean, single: boolean) =>
  fc
    .tuple(
      validEvent(type, browser),
      fc.option(
        fc.constantFrom(...MUTATIONS.filter((m) => !m.except?.includes(type)), ...typeMutations(type)),
        { freq: 2, nil: undefined },
      ),
      fc.boolean(),
    )
    .map(([event, mutation, consentless]): EventSpec => {
      // A browser event without its consent stamp is refused; a server's is kept.
      if (browser && consentless && !mutation) {
        const { consent: _, ...context } = event.context as Record<string, unknown>
        return {
          event: { ...event, context },
          valid: false,
          code: 'consent_required',
          fault: 'no consent stamp',
        }
      }
      if (!mutation || (single && mutation.batchOnly)) return { event, valid: true }
      return { event: mutation.apply(event), valid: false, code: mutation.code, fault: mutation.name }
    })

const eventType = fc.constantFrom(...EVENT_TYPES)

/** Numbers the valid events' messageIds; a faulty event keeps or loses one by its fault. */
const stamp = (spec: EventSpec, id: string) => {
  const e = spec.event
  if (e === null || typeof e !== 'object' || Array.isArray(e)) return
  const record = e as Record<string, unknown>
  if (spec.fault === 'bad messageId') return
  record.messageId = id
}

/** What a request's envelope can get wrong; the request is then refused whole. */
type EnvelopeFault =
  | { name: 'none' }
  | { name: 'write key'; headers: Record<string, string>; writeKey: unknown; code: string }
  | { name: 'origin'; code: 'origin_not_allowed' }
  | { name: 'sentAt'; value: unknown }
  | { name: 'batch'; value: unknown }
  | { name: 'content type'; type: string }
  | { name: 'truncated'; at: number }
  | { name: 'oversized' }
  | { name: 'not an object'; value: unknown }

const basic = (user: string) => `Basic ${Buffer.from(`${user}:`).toString('base64')}`

const envelopeFault: fc.Arbitrary<EnvelopeFault> = fc.oneof(
  { weight: 30, arbitrary: fc.constant({ name: 'none' as const }) },
  {
    weight: 3,
    arbitrary: fc.oneof(
      fc.constant({ name: 'write key' as const, headers: {}, writeKey: undefined, code: 'unauthorized' }),
      fc.constant({ name: 'write key' as const, headers: {}, writeKey: 'wrong-key', code: 'unauthorized' }),
      fc.constant({ name: 'write key' as const, headers: {}, writeKey: 5, code: 'invalid_body' }),
      fc.constant({ name: 'write key' as const, headers: {}, writeKey: '', code: 'unauthorized' }),
      anyString.map((s) => ({
        name: 'write key' as const,
        headers: { authorization: basic(`x${s}`) },
        writeKey: undefined,
        code: 'unauthorized',
      })),
      fc.constant({
        name: 'write key' as const,
        headers: { authorization: 'Basic %%%not-base64%%%' },
        writeKey: undefined,
        code: 'unauthorized',
      }),
    ),
  },
  { weight: 1, arbitrary: fc.constant({ name: 'origin' as const, code: 'origin_not_allowed' as const }) },
  {
    weight: 1,
    arbitrary: fc
      .constantFrom('soon', 17, '2026-11-23T25:00:00Z')
      .map((value) => ({ name: 'sentAt' as const, value })),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom([], {}, 'events', null, 3).map((value) => ({ name: 'batch' as const, value })),
  },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom(
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'text/html',
        'application/jsonx',
        'image/png',
        'application/xml',
        'text/plain-ish',
        '',
      )
      .map((type) => ({ name: 'content type' as const, type })),
  },
  {
    weight: 2,
    arbitrary: fc.double({ min: 0, max: 1, noNaN: true }).map((at) => ({ name: 'truncated' as const, at })),
  },
  { weight: 1, arbitrary: fc.constant({ name: 'oversized' as const }) },
  {
    weight: 2,
    arbitrary: fc
      .oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom(null, [], 'x', 0, true))
      .filter((v) => v === null || typeof v !== 'object' || Array.isArray(v))
      .map((value) => ({ name: 'not an object' as const, value })),
  },
)

const ENVELOPE_CODES: Record<string, string | undefined> = {
  sentAt: 'invalid_body',
  batch: 'invalid_body',
  'content type': 'unsupported_media_type',
  truncated: 'invalid_json',
  oversized: 'payload_too_large',
  'not an object': 'invalid_body',
}

/** Pads a body past the 500 KB request limit with a property nobody reads. */
const oversize = (body: Record<string, unknown>) => ({ ...body, padding: 'p'.repeat(LIMITS.requestBytes) })

interface Plan {
  single: EventType | undefined
  shortPath: boolean
  /** /v1/import, Segment's older name for /v1/batch. */
  import: boolean
  browser: boolean
  specs: EventSpec[]
  fault: EnvelopeFault
  contentType: 'application/json' | 'text/plain' | 'application/json; charset=utf-8' | 'none'
  writeKeyIn: 'body' | 'basic'
  sentAt: string | undefined
}

export const plan: fc.Arbitrary<Plan> = fc
  .record({
    single: fc.option(eventType, { freq: 3, nil: undefined }),
    shortPath: fc.boolean(),
    import: fc.boolean(),
    browser: fc.boolean(),
    fault: envelopeFault,
    contentType: fc.constantFrom(
      'application/json' as const,
      'text/plain' as const,
      'application/json; charset=utf-8' as const,
      'none' as const,
    ),
    writeKeyIn: fc.constantFrom('body' as const, 'basic' as const),
    sentAt: fc.option(iso, { nil: undefined }),
    size: fc.integer({ min: 1, max: 8 }),
  })
  .chain((p) =>
    (p.single
      ? eventSpec(p.single, p.browser, true).map((s) => [s])
      : fc.array(
          eventType.chain((t) => eventSpec(t, p.browser, false)),
          { minLength: p.size, maxLength: p.size },
        )
    ).map((specs) => ({ ...p, specs })),
  )

/** Turns a plan into a request, numbering its events' messageIds from `prefix`. */
export const ingestCase = (p: Plan, prefix: string): Case => {
  for (const [i, s] of p.specs.entries()) stamp(s, `${prefix}-${i}`)
  const f = p.fault
  const headers: Record<string, string> = {}
  if (p.contentType !== 'none') headers['content-type'] = p.contentType
  if (p.browser) headers.origin = ALLOWED_ORIGIN
  if (f.name === 'origin') headers.origin = 'https://evil.example'
  // Pages send the public key; servers (and only they may import) the server key.
  const siteKey = p.browser || f.name === 'origin' ? WRITE_KEY : SERVER_KEY
  let writeKey: unknown = siteKey
  if (p.writeKeyIn === 'basic') {
    headers.authorization = basic(siteKey)
    writeKey = undefined
  }
  if (f.name === 'write key') {
    delete headers.authorization
    Object.assign(headers, f.headers)
    writeKey = f.writeKey
  }
  if (f.name === 'content type') headers['content-type'] = f.type

  let envelope: Record<string, unknown>
  let path: string
  if (p.single) {
    path = `/v1/${p.shortPath ? p.single[0] : p.single}`
    envelope = { ...(p.specs[0]!.event as object) }
  } else {
    path = p.shortPath ? '/v1/b' : p.import && siteKey === SERVER_KEY ? '/v1/import' : '/v1/batch'
    envelope = { batch: p.specs.map((s) => s.event) }
  }
  if (writeKey !== undefined) envelope.writeKey = writeKey
  if (p.sentAt) envelope.sentAt = p.sentAt
  if (f.name === 'sentAt') envelope.sentAt = f.value
  if (f.name === 'batch' && !p.single) envelope.batch = f.value
  let body = deepen(JSON.stringify(f.name === 'oversized' ? oversize(envelope) : envelope))
  // Enough deep or large events add up to more than a request may hold.
  const fault = Buffer.byteLength(body) > LIMITS.requestBytes ? { name: 'oversized' as const } : f
  if (fault.name === 'not an object') body = JSON.stringify(fault.value)
  if (fault.name === 'truncated') body = body.slice(0, Math.floor(fault.at * (body.length - 1)))

  // A single-event path given a bad `batch` still reads the event: that fault does not apply.
  const refused = fault.name !== 'none' && !(fault.name === 'batch' && p.single)
  const stores = refused ? [] : p.specs.flatMap((s, i) => (s.valid ? [`${prefix}-${i}`] : []))
  const rejected = refused ? [] : p.specs.flatMap((s, i) => (s.valid ? [] : [i]))
  const code = refused
    ? fault.name === 'write key' || fault.name === 'origin'
      ? fault.code
      : ENVELOPE_CODES[fault.name]
    : stores.length === 0
      ? p.specs[0]!.code
      : undefined
  const kind = refused
    ? `envelope: ${fault.name}`
    : p.specs.find((s) => !s.valid)
      ? `event: ${p.specs.find((s) => !s.valid)!.fault}`
      : 'valid'
  return { kind, path, headers, body, stores, rejected, ...(code ? { code } : {}) }
}
