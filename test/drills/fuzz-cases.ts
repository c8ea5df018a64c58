// The fuzz drill's requests to /v1/consent, raw garbage to every endpoint, and the mix the drill
// sends (ingest requests are made in fuzz-payloads.ts).
import fc from 'fast-check'
import { type Case, ingestCase, iso, key, noiseValue, plan, WRITE_KEY } from './fuzz-payloads.ts'

const consentPlan = fc.record({
  version: fc.integer({ min: 1, max: 1000 }),
  analytics: fc.boolean(),
  personalization: fc.boolean(),
  marketing: fc.boolean(),
  source: fc.constantFrom('default', 'api', 'banner', 'preferences', 'gpc'),
  language: fc.constantFrom('en', 'zh-CN'),
  gpc: fc.boolean(),
  timestamp: iso,
  extra: fc.dictionary(key, noiseValue, { maxKeys: 3, noNullPrototype: true }),
  fault: fc.option(
    fc.oneof(
      ...[
        ['consentId', ''],
        ['consentId', 'c'.repeat(129)],
        ['consentId', 12],
        ['version', 0],
        ['version', 1.5],
        ['version', '1'],
        ['purposes', { necessary: false, analytics: true, personalization: true, marketing: true }],
        ['purposes', { necessary: true }],
        ['purposes', 'all'],
        ['source', 'cookie wall'],
        ['language', 'fr'],
        ['gpc', 'no'],
        ['timestamp', 'now'],
        ['timestamp', '2026-11-23'],
      ].map(([field, value]) => fc.constant({ field: field as string, value, code: 'invalid_body' })),
      fc.constant({ field: 'writeKey', value: 'wrong-key', code: 'unauthorized' }),
      fc.constant({ field: 'writeKey', value: undefined, code: 'unauthorized' }),
      fc.constant({ field: 'padding', value: 'p'.repeat(9 * 1024), code: 'payload_too_large' }),
      fc.constant({
        field: 'content-type',
        value: 'application/x-www-form-urlencoded',
        code: 'unsupported_media_type',
      }),
      fc.constant({ field: 'truncate', value: undefined, code: 'invalid_json' }),
    ),
    { freq: 2, nil: undefined },
  ),
})

type ConsentPlan = typeof consentPlan extends fc.Arbitrary<infer T> ? T : never

const consentCase = (c: ConsentPlan, consentId: string): Case => {
  const record: Record<string, unknown> = {
    ...c.extra,
    writeKey: WRITE_KEY,
    consentId,
    proof: `secret-of-browser-${consentId}`,
    version: c.version,
    purposes: {
      necessary: true,
      analytics: c.analytics,
      personalization: c.personalization,
      marketing: c.marketing,
    },
    source: c.source,
    language: c.language,
    gpc: c.gpc,
    timestamp: c.timestamp,
  }
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  const f = c.fault
  if (f && f.field === 'content-type') headers['content-type'] = f.value as string
  else if (f && f.field !== 'truncate') record[f.field] = f.value
  let body = JSON.stringify(record)
  if (f?.field === 'truncate') body = body.slice(0, body.length - 1 - (consentId.length % 7))
  return {
    kind: f ? `consent: ${f.field}` : 'consent: valid',
    path: '/v1/consent',
    headers,
    body,
    stores: f ? [] : [consentId],
    rejected: [],
    ...(f ? { code: f.code } : {}),
  }
}

/** Raw garbage to any of the endpoints: never valid, never stored. */
const garbage = fc
  .record({
    path: fc.constantFrom('/v1/batch', '/v1/track', '/v1/i', '/v1/consent', '/v1/import'),
    body: fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v) ?? ''),
      fc.constantFrom('', '{', '{"batch":[', '{"batch":[{"type":"track"', 'null', '\u0000', '\ufeff{}'),
      fc.integer({ min: 1, max: 50_000 }).map((n) => '{"a":'.repeat(n)),
    ),
  })
  .map(
    ({ path, body }): Case => ({
      kind: 'garbage',
      path,
      headers: { 'content-type': 'text/plain' },
      body,
      stores: [],
      rejected: [],
    }),
  )

/**
 * `count` cases from `seed`: about 70 % ingest requests, 20 % consent records, 10 % garbage.
 * Identifiers are numbered from `offset`, so chunks of one run never share one.
 */
export const cases = (count: number, seed: number, offset: number): Case[] => {
  const any = fc.oneof(
    { weight: 7, arbitrary: plan.map((p) => (n: number) => ingestCase(p, `fz-${n}`)) },
    { weight: 2, arbitrary: consentPlan.map((c) => (n: number) => consentCase(c, `fzc-${n}`)) },
    { weight: 1, arbitrary: garbage.map((c) => () => c) },
  )
  return fc.sample(any, { numRuns: count, seed }).map((make, i) => make(offset + i))
}
