import { describe, expect, it } from 'vitest'
import { NOW, SHOP_ORIGIN, testApp, WRITE_KEY } from '../../test/support/collector-app.ts'
import { admin, personal, sendAll } from '../../test/support/personalization.ts'
import { parseConfig } from '../config/site-config.ts'

const EXPERIMENTS = [
  {
    key: 'checkout',
    name: 'One-page checkout',
    status: 'running',
    variations: [{ key: 'control' }, { key: 'treat', name: 'One page' }],
    goals: [{ event: 'Order Completed' }],
    guardrails: [{ event: 'Order Completed', property: 'revenue' }],
  },
  {
    key: 'banner',
    variations: [
      { key: 'a', weight: 0.2 },
      { key: 'b', weight: 0.8 },
    ],
    goals: [{ event: 'Signed Up' }],
  },
]
const sites = () =>
  parseConfig({
    sites: [
      { id: 'demo', writeKey: WRITE_KEY, allowedOrigins: [SHOP_ORIGIN], experiments: EXPERIMENTS },
      { id: 'other', writeKey: 'other-write-key' },
    ],
  })

const day = (d: number, time = '10:00') => `2026-11-${d}T${time}:00.000Z`
const viewed = (anonymousId: string, variation: string, timestamp: string) =>
  personal({
    anonymousId,
    event: 'Experiment Viewed',
    properties: { experiment_id: 'checkout', variation_id: variation, bucket_version: 0 },
    timestamp,
  })
const order = (anonymousId: string, revenue: number, timestamp: string) =>
  personal({ anonymousId, event: 'Order Completed', properties: { revenue }, timestamp })

/**
 * Control: c1 orders 10 (21st), c2 and c3 nothing after exposure, c4 orders 30 (22nd).
 * Treat: t1 orders 20 (21st), t2 orders 40 and t3 5 (22nd), t4 nothing. t1 is also exposed to
 * the control later on a second device: still one person, in the treatment.
 */
const EVENTS = [
  ...['c1', 'c2'].map((a) => viewed(a, 'control', day(21))),
  ...['t1', 't2'].map((a) => viewed(a, 'treat', day(21))),
  ...['c3', 'c4'].map((a) => viewed(a, 'control', day(22))),
  ...['t3', 't4'].map((a) => viewed(a, 'treat', day(22))),
  order('c2', 99, day(20)), // before exposure
  order('x1', 50, day(21, '11:00')), // never exposed
  order('c1', 10, day(21, '11:00')),
  order('t1', 20, day(21, '11:00')),
  order('c4', 30, day(22, '11:00')),
  order('t2', 40, day(22, '11:00')),
  order('t3', 5, day(22, '12:00')),
  personal({ type: 'identify', anonymousId: 't1', userId: 'u-t1', timestamp: day(21, '12:00') }),
  personal({ type: 'identify', anonymousId: 't1-laptop', userId: 'u-t1', timestamp: day(22, '09:00') }),
  viewed('t1-laptop', 'control', day(22)),
]

const setup = async () => {
  const { app, store } = testApp({ sites: sites() })
  await sendAll(app, EVENTS)
  return { app, store }
}

describe('experiments admin API', () => {
  it('needs the admin token', async () => {
    const { app } = testApp({ sites: sites() })
    for (const path of [
      '/admin/api/experiments?site=demo',
      '/admin/api/experiments/checkout/results?site=demo',
    ]) {
      expect((await app.request(path)).status).toBe(401)
      const wrong = await app.request(path, { headers: { authorization: 'Bearer nope-nope-nope-nope' } })
      expect(wrong.status).toBe(401)
      expect((await wrong.json()).error.code).toBe('unauthorized')
    }
  })

  it('lists the experiments of a site with their people', async () => {
    const { app } = await setup()
    const res = await admin(app, '/admin/api/experiments?site=demo')
    expect(res.status).toBe(200)
    const body = await res.json()
    // Each as written in the config (here parsed, defaults filled: a config saved nowhere).
    expect(body.experiments.map((x: { config: { key: string } }) => x.config.key)).toEqual([
      'checkout',
      'banner',
    ])
    for (const x of body.experiments) delete x.config
    expect(body).toEqual({
      site: 'demo',
      version: 0,
      experiments: [
        {
          key: 'checkout',
          name: 'One-page checkout',
          status: 'running',
          variations: [
            { key: 'control', weight: 0.5 },
            { key: 'treat', weight: 0.5 },
          ],
          users: 8,
        },
        {
          key: 'banner',
          name: 'banner',
          status: 'draft',
          variations: [
            { key: 'a', weight: 0.2 },
            { key: 'b', weight: 0.8 },
          ],
          users: 0,
        },
      ],
    })
  })

  it("gives an experiment's results: people, conversions, means, lifts, the split, day by day", async () => {
    const { app } = await setup()
    const res = await admin(app, '/admin/api/experiments/checkout/results?site=demo')
    expect(res.status).toBe(200)
    const body = await res.json()
    expect(body).toMatchObject({
      site: 'demo',
      experiment: {
        key: 'checkout',
        name: 'One-page checkout',
        status: 'running',
        variations: [
          { key: 'control', name: 'control', weight: 0.5 },
          { key: 'treat', name: 'One page', weight: 0.5 },
        ],
      },
      users: 8,
      srm: { chi2: 0, pValue: 1, warn: false, expected: [4, 4], observed: [4, 4] },
      adjustment: 'holm',
      evaluatedAt: new Date(NOW).toISOString(),
    })
    const [conversion, revenue] = body.metrics
    expect(conversion).toMatchObject({
      event: 'Order Completed',
      property: null,
      kind: 'proportion',
      role: 'goal',
    })
    expect(conversion.variations[0]).toMatchObject({ key: 'control', users: 4, conversions: 2, mean: 0.5 })
    expect(conversion.variations[1]).toMatchObject({ key: 'treat', users: 4, conversions: 3, mean: 0.75 })
    // c2's order before her exposure is history: CUPED adjusts the comparison (see below); the
    // unadjusted lifts are those of the means.
    expect(conversion.cuped.applied).toBe(true)
    expect(conversion.variations[1].vsControl.unadjusted.absolute.lift).toBeCloseTo(0.25, 12)
    expect(conversion.variations[1].vsControl.unadjusted.relative.lift).toBeCloseTo(0.5, 12)
    expect(conversion.variations[1].vsControl.relative.ci).toHaveLength(2)
    expect(conversion.variations[1].vsControl.adjustedPValue).toBe(conversion.variations[1].vsControl.pValue)
    expect(revenue).toMatchObject({
      event: 'Order Completed',
      property: 'revenue',
      kind: 'mean',
      role: 'guardrail',
    })
    expect(revenue.variations.map((v: { mean: number }) => v.mean)).toEqual([10, 16.25])
    expect(revenue.variations[0]).not.toHaveProperty('conversions')
    // Three UTC days since the first exposure (Nov 21 to now, Nov 23): by day.
    expect(body.granularity).toBe('day')
    expect(body.daily).toEqual([
      {
        date: '2026-11-21',
        variations: [
          { key: 'control', users: 2, conversions: 1, lift: null },
          { key: 'treat', users: 2, conversions: 1, lift: 0 },
        ],
      },
      {
        date: '2026-11-22',
        variations: [
          { key: 'control', users: 4, conversions: 2, lift: null },
          { key: 'treat', users: 4, conversions: 3, lift: 0.5 },
        ],
      },
    ])
  })

  it('picks the adjustment with ?adjust=bh, and follows new events on the next call', async () => {
    const { app } = await setup()
    const bh = await (await admin(app, '/admin/api/experiments/checkout/results?site=demo&adjust=bh')).json()
    expect(bh.adjustment).toBe('bh')
    await sendAll(app, [viewed('t5', 'treat', day(23, '08:00')), order('t5', 7, day(23, '09:00'))])
    const next = await (await admin(app, '/admin/api/experiments/checkout/results?site=demo')).json()
    expect(next.metrics[0].variations[1]).toMatchObject({ users: 5, conversions: 4 })
    expect(next.daily.at(-1)).toEqual({
      date: '2026-11-23',
      variations: [
        { key: 'control', users: 4, conversions: 2, lift: null },
        { key: 'treat', users: 5, conversions: 4, lift: 0.6000000000000001 },
      ],
    })
  })

  it("adjusts comparisons by each person's history before exposure (CUPED), unless ?cuped=false", async () => {
    const { app } = await setup()
    const get = async (query = '') =>
      (await admin(app, `/admin/api/experiments/checkout/results?site=demo${query}`)).json()
    const body = await get()
    const [conversion, revenue] = body.metrics
    // Only c2 (control) has history: one order of 99 the day before her exposure. Over all eight
    // people, θ = cov(pre, post) / var(pre): conversion −(5/56) / (1/8) = −5/7; revenue
    // −(99·105/8)/7 / (99²·(7/8)/7) = −105/693.
    expect(conversion.cuped).toMatchObject({ applied: true, reason: null, windowDays: 14 })
    expect(conversion.cuped.theta).toBeCloseTo(-5 / 7, 12)
    expect(revenue.cuped.theta).toBeCloseTo(-105 / 693, 12)
    // Adjusted means: ȳ − θ(x̄ − X̄), X̄ = 1/8 and x̄ = 1/4 (control), 0 (treat).
    const c = 0.5 + (5 / 7) * (1 / 4 - 1 / 8)
    const t = 0.75 + (5 / 7) * (0 - 1 / 8)
    const x = conversion.variations[1].vsControl
    expect(x.absolute.lift).toBeCloseTo(t - c, 12)
    expect(x.relative.lift).toBeCloseTo(t / c - 1, 12)
    expect(x.varianceReduction).toBe(conversion.cuped.varianceReduction)
    expect(typeof conversion.cuped.varianceReduction).toBe('number')
    // Per-variation means and intervals stay the raw ones.
    expect(conversion.variations.map((v: { mean: number }) => v.mean)).toEqual([0.5, 0.75])

    const off = await get('&cuped=false')
    for (const m of off.metrics)
      expect(m.cuped).toEqual({
        applied: false,
        reason: 'off',
        theta: null,
        varianceReduction: null,
        windowDays: 14,
      })
    const raw = off.metrics[0].variations[1].vsControl
    expect(raw.unadjusted).toBeNull()
    expect(raw.varianceReduction).toBeNull()
    expect({ absolute: raw.absolute, relative: raw.relative, pValue: raw.pValue }).toEqual(x.unadjusted)
    expect(off.metrics[0].variations).toEqual(
      conversion.variations.map((v: { vsControl: unknown }, i: number) => ({
        ...v,
        vsControl: off.metrics[0].variations[i].vsControl,
      })),
    )

    // The banner experiment has no one: nothing to adjust.
    const banner = await (await admin(app, '/admin/api/experiments/banner/results?site=demo')).json()
    expect(banner.metrics[0].cuped).toMatchObject({ applied: false, reason: 'no-history' })

    const csv = (
      await (await admin(app, '/admin/api/experiments/checkout/results?site=demo&format=csv')).text()
    )
      .trimEnd()
      .split('\r\n')
      .map((line) => line.split(','))
    const column = csv[0]!.indexOf('variance_reduction')
    expect(column).toBeGreaterThan(0)
    expect(Number(csv[2]![column])).toBe(conversion.cuped.varianceReduction)
    expect(await get('&cuped=maybe')).toMatchObject({ error: { code: 'invalid_query', path: 'cuped' } })
  })

  it('caps a metric with a cap at its percentile, in the API and the CSV', async () => {
    const capped = EXPERIMENTS.map((x) =>
      x.key === 'checkout'
        ? { ...x, guardrails: [{ event: 'Order Completed', property: 'revenue', cap: { percentile: 0.5 } }] }
        : x,
    )
    const { app } = testApp({
      sites: parseConfig({
        sites: [{ id: 'demo', writeKey: WRITE_KEY, allowedOrigins: [SHOP_ORIGIN], experiments: capped }],
      }),
    })
    await sendAll(app, EVENTS)
    const path = '/admin/api/experiments/checkout/results?site=demo'
    const results = await (await admin(app, path)).json()
    // Values > 0 after exposure: 5, 10, 20, 30, 40; the ⌈0.5 · 5⌉ = 3rd is 20.
    expect(results.metrics[0].cap).toBeNull()
    const revenue = results.metrics[1]
    expect(revenue.cap).toEqual({ percentile: 0.5, value: 20 })
    expect(revenue.variations.map((v: { mean: number }) => v.mean)).toEqual([
      (10 + 20) / 4,
      (20 + 20 + 5) / 4,
    ])
    const [header, ...rows] = (await (await admin(app, `${path}&format=csv`)).text())
      .trimEnd()
      .split('\r\n')
      .map((line) => line.split(','))
    const column = header!.indexOf('cap_value')
    expect(rows.map((r) => r[column])).toEqual(['', '', '20', '20'])
  })

  it('counts the decisions that came late per variation, of the current bucket version only', async () => {
    const { app } = await setup()
    const late = (variation: string, extra: object = {}) =>
      personal({
        anonymousId: 'l1',
        event: 'Experiment Late',
        properties: { experiment_id: 'checkout', variation_id: variation, bucket_version: 0, ...extra },
        timestamp: day(22),
      })
    const before = await (await admin(app, '/admin/api/experiments/checkout/results?site=demo')).json()
    expect(before.late).toEqual({
      total: 0,
      variations: [
        { key: 'control', late: 0 },
        { key: 'treat', late: 0 },
      ],
    })
    await sendAll(app, [
      late('treat'),
      late('treat'),
      late('control'),
      late('gone'),
      late('treat', { bucket_version: 1 }),
      late('treat', { experiment_id: 'banner' }),
    ])
    const res = await admin(app, '/admin/api/experiments/checkout/results?site=demo')
    const body = await res.json()
    expect(body.late).toEqual({
      total: 4,
      variations: [
        { key: 'control', late: 1 },
        { key: 'treat', late: 2 },
        { key: 'gone', late: 1 },
      ],
    })
    // Not exposures: the people and the split are those of the exposures alone.
    expect(body.users).toEqual(before.users)
    expect(body.srm).toEqual(before.srm)
    // The admin API only: the site's public write key reads nothing.
    const path = '/admin/api/experiments/checkout/results?site=demo'
    const res2 = await app.request(path, { headers: { authorization: `Bearer ${WRITE_KEY}` } })
    expect(res2.status).toBe(401)
  })

  it('reads sequential by default, fixed on request, and as CSV with the same numbers', async () => {
    const { app } = await setup()
    const get = async (query: string) =>
      admin(app, `/admin/api/experiments/checkout/results?site=demo${query}`)
    const sequential = await (await get('')).json()
    const fixed = await (await get('&method=fixed')).json()
    expect(sequential).toMatchObject({
      method: 'sequential',
      verdict: 'keep-running',
      prior: 'flat',
      alpha: 0.05,
    })
    expect(fixed).toMatchObject({ method: 'fixed', verdict: 'read-once' })
    // Eight people are too few to plan from: the plan says so rather than guess.
    expect(sequential.plan).toMatchObject({
      mde: 0.1,
      power: 0.8,
      usersNeeded: null,
      users: 8,
      progress: null,
    })
    const [s, f] = [sequential, fixed].map((b) => b.metrics[0].variations[1])
    // The always-valid interval is the wider one; each rate's own interval stays inside [0, 1].
    expect(s.vsControl.absolute.ci[1] - s.vsControl.absolute.ci[0]).toBeGreaterThan(
      f.vsControl.absolute.ci[1] - f.vsControl.absolute.ci[0],
    )
    for (const v of sequential.metrics[0].variations) {
      expect(v.ci[0]).toBeGreaterThanOrEqual(0)
      expect(v.ci[1]).toBeLessThanOrEqual(1)
    }
    for (const v of sequential.metrics[1].variations) expect(v.ci[0]).toBeGreaterThanOrEqual(0)

    const csv = await get('&format=csv')
    expect(csv.headers.get('content-type')).toContain('text/csv')
    expect(csv.headers.get('content-disposition')).toBe('attachment; filename="demo-checkout-results.csv"')
    const [header, ...rows] = (await csv.text())
      .trimEnd()
      .split('\r\n')
      .map((line) => line.split(','))
    expect(rows).toHaveLength(4) // two metrics, two variations each
    const column = (name: string) => header!.indexOf(name)
    const treat = rows[1]!
    expect(treat[column('variation')]).toBe('treat')
    expect(Number(treat[column('ci_high')])).toBe(s.ci[1])
    expect(Number(treat[column('relative_ci_low')])).toBe(s.vsControl.relative.ci[0])
    expect(Number(treat[column('p_value')])).toBe(s.vsControl.pValue)
  })

  it('refuses unknown sites and experiments (404) and bad queries (400) with stable codes', async () => {
    const { app } = testApp({ sites: sites() })
    const cases: [string, number, string, string?][] = [
      ['/admin/api/experiments?site=nope', 404, 'site_not_found'],
      ['/admin/api/experiments/checkout/results?site=nope', 404, 'site_not_found'],
      ['/admin/api/experiments/nope/results?site=demo', 404, 'experiment_not_found'],
      ['/admin/api/experiments/checkout/results?site=other', 404, 'experiment_not_found'],
      ['/admin/api/experiments', 400, 'invalid_query', 'site'],
      ['/admin/api/experiments/checkout/results', 400, 'invalid_query', 'site'],
      ['/admin/api/experiments/checkout/results?site=demo&adjust=bonferroni', 400, 'invalid_query', 'adjust'],
      ['/admin/api/experiments/checkout/results?site=demo&method=bayes', 400, 'invalid_query', 'method'],
      ['/admin/api/experiments/checkout/results?site=demo&format=xlsx', 400, 'invalid_query', 'format'],
    ]
    for (const [path, status, code, at] of cases) {
      const res = await admin(app, path)
      expect(res.status, path).toBe(status)
      const { error } = await res.json()
      expect(error.code, path).toBe(code)
      expect(typeof error.message).toBe('string')
      if (at) expect(error.path).toBe(at)
    }
  })
})
