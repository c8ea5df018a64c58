import { describe, expect, it } from 'vitest'
import { experimentSchema } from '../../sdk/rules/experiment-schema.ts'
import { PERSONALIZATION } from '../../test/support/personalization.ts'
import { ConfigError, parseConfig } from '../config/site-config.ts'
import { rowGoalOf } from './config.ts'

const site = { id: 'demo', writeKey: 'demo-write-key', personalization: PERSONALIZATION }
const checkout = {
  key: 'checkout',
  variations: [{ key: 'control' }, { key: 'one-page' }],
  goals: [{ event: 'Order Completed' }],
}
const parse = (experiments: unknown[]) => parseConfig({ sites: [{ ...site, experiments }] })

describe('site config: experiments', () => {
  it('accepts experiments and fills their defaults; a site without any has none', () => {
    const config = parseConfig({
      sites: [
        { ...site, experiments: [checkout] },
        { id: 'b', writeKey: 'b-write-key' },
      ],
    })
    expect(config.sites[0]!.experiments[0]).toMatchObject({
      key: 'checkout',
      status: 'draft',
      hashVersion: 2,
      hashAttribute: 'anonymousId',
      bucketVersion: 0,
      coverage: 1,
      guardrails: [],
    })
    expect(config.sites[1]!.experiments).toEqual([])
  })

  it.each([
    [
      'a duplicate key',
      [checkout, { ...checkout, name: 'again' }],
      'sites[0].experiments[1].key: duplicate experiment key checkout',
    ],
    [
      'an unknown segment',
      [{ ...checkout, segment: 'nobody' }],
      'sites[0].experiments[0].segment: no segment named nobody',
    ],
    [
      'a change of an unknown slot',
      [
        {
          ...checkout,
          variations: [{ key: 'a' }, { key: 'b', change: { slot: { name: 'nope', variant: 'x' } } }],
        },
      ],
      'sites[0].experiments[0].variations[1].change.slot: no slot named nope',
    ],
    [
      'a slot variant that does not exist',
      [
        {
          ...checkout,
          variations: [{ key: 'a' }, { key: 'b', change: { slot: { name: 'banner', variant: 'x' } } }],
        },
      ],
      'sites[0].experiments[0].variations[1].change.slot: slot banner has no variant x',
    ],
    [
      'weights that do not add up',
      [
        {
          ...checkout,
          variations: [
            { key: 'a', weight: 0.5 },
            { key: 'b', weight: 0.2 },
          ],
        },
      ],
      'sites[0].experiments[0].variations: weights must add up to 1',
    ],
    ['no goal', [{ ...checkout, goals: [] }], 'sites[0].experiments[0].goals'],
    ['one variation', [{ ...checkout, variations: [{ key: 'a' }] }], 'sites[0].experiments[0].variations'],
    ['an unknown field', [{ ...checkout, traffic: 1 }], 'sites[0].experiments[0]'],
    [
      'a cap without a property',
      [{ ...checkout, goals: [{ event: 'Order Completed', cap: { percentile: 0.99 } }] }],
      'sites[0].experiments[0].goals[0].cap: a cap needs a property',
    ],
    [
      'a cap percentile out of range',
      [{ ...checkout, goals: [{ event: 'Order Completed', property: 'revenue', cap: { percentile: 0.3 } }] }],
      'sites[0].experiments[0].goals[0].cap.percentile',
    ],
  ])('refuses %s with its path', (_name, experiments, message) => {
    expect(() => parse(experiments)).toThrow(ConfigError)
    expect(() => parse(experiments)).toThrow(message)
  })

  it('accepts a cap on a mean metric', () => {
    const goals = [{ event: 'Order Completed', property: 'revenue', cap: { percentile: 0.99 } }]
    const config = parse([{ ...checkout, goals }])
    expect(config.sites[0]!.experiments[0]!.goals[0]!.cap).toEqual({ percentile: 0.99 })
  })

  it('accepts a segment and a slot change that exist', () => {
    const config = parse([
      {
        ...checkout,
        segment: 'vip',
        variations: [{ key: 'a' }, { key: 'b', change: { slot: { name: 'banner', variant: 'mobile-app' } } }],
      },
    ])
    expect(config.sites[0]!.experiments[0]!.segment).toBe('vip')
  })
})

describe('site config: experiment metrics naming a site goal', () => {
  const goals = {
    order: { name: 'Order', event: 'Order Completed', revenue: 'revenue' },
    signup: { event: 'Signed Up' },
    thanks: { page: '/thank-you' },
    'big-order': { event: 'Order Completed', where: { revenue: { $gt: 100 } } },
  }
  const withGoals = (metrics: unknown[], guardrails: unknown[] = [], siteGoals: object = goals) =>
    parseConfig({
      sites: [{ ...site, goals: siteGoals, experiments: [{ ...checkout, goals: metrics, guardrails }] }],
    })

  it("takes the goal's event and revenue, keeps its key and the metric's own options", () => {
    const x = withGoals([{ goal: 'order', cap: { percentile: 0.99 }, signed: true }], [{ goal: 'signup' }])
      .sites[0]!.experiments[0]!
    expect(x.goals).toEqual([
      {
        event: 'Order Completed',
        property: 'revenue',
        goal: 'order',
        cap: { percentile: 0.99 },
        signed: true,
      },
    ])
    expect(x.guardrails).toEqual([{ event: 'Signed Up', goal: 'signup' }])
  })

  it('takes a page goal (event "page") and a goal with where, counted from report rows', () => {
    const x = withGoals([{ goal: 'thanks' }], [{ goal: 'big-order' }]).sites[0]!.experiments[0]!
    expect(x.goals).toEqual([{ event: 'page', goal: 'thanks' }])
    expect(x.guardrails).toEqual([{ event: 'Order Completed', goal: 'big-order' }])
    expect(rowGoalOf(x.goals[0]!, goals)).toEqual(goals.thanks)
    expect(rowGoalOf(x.guardrails[0]!, goals)).toEqual(goals['big-order'])
    expect(rowGoalOf({ goal: 'order' }, goals)).toBeUndefined()
    expect(rowGoalOf({}, goals)).toBeUndefined()
  })

  it('accepts the resolved form again (what it parses to) and leaves the written config as it was', () => {
    const written = [{ goal: 'order' }]
    const once = withGoals(written).sites[0]!.experiments[0]!.goals
    expect(withGoals(once).sites[0]!.experiments[0]!.goals).toEqual(once)
    expect(written).toEqual([{ goal: 'order' }])
  })

  it.each([
    [
      'an unknown goal',
      [{ goal: 'refund' }],
      [],
      'sites[0].experiments[0].goals[0].goal: experiment checkout counts goal "refund", which is not among the site\'s goals',
    ],
    [
      'a cap on a goal without revenue',
      [{ goal: 'signup', cap: { percentile: 0.99 } }],
      [],
      'sites[0].experiments[0].goals[0].cap: a cap needs a property: only a mean (e.g. revenue) can be capped, not a conversion (goal "signup" has no revenue)',
    ],
    [
      "an event other than the goal's",
      [{ goal: 'order', event: 'Checkout Started' }],
      [],
      'sites[0].experiments[0].goals[0].goal: goal "order" counts event "Order Completed" by "revenue": write { goal } alone',
    ],
    [
      "a property other than the goal's revenue",
      [{ goal: 'signup', property: 'value' }],
      [],
      'sites[0].experiments[0].goals[0].goal: goal "signup" counts event "Signed Up": write { goal } alone',
    ],
    [
      'a goal key that is no key',
      [{ goal: 'Order!' }],
      [],
      'sites[0].experiments[0].goals[0].goal: must be 1-64',
    ],
  ])('refuses %s with its path', (_name, metrics, guardrails, message) => {
    expect(() => withGoals(metrics, guardrails)).toThrow(message)
  })

  it('refuses a metric with neither an event nor a goal, and a goal outside a site config', () => {
    expect(() => withGoals([{ property: 'revenue' }])).toThrow(
      "sites[0].experiments[0].goals[0].event: give an event, or a site goal's key as goal",
    )
    const alone = experimentSchema.safeParse({ ...checkout, goals: [{ goal: 'order' }] })
    expect(alone.error?.issues).toMatchObject([
      {
        path: ['goals', 0, 'goal'],
        message: 'goal "order" is one of a site\'s goals: name it in a site config, which resolves it',
      },
    ])
  })

  it('refuses deleting a goal an experiment counts; a changed goal is counted as it is now', () => {
    const { order: _, ...withoutOrder } = goals
    expect(() => withGoals([{ goal: 'order' }], [], withoutOrder)).toThrow(
      'experiment checkout counts goal "order", which is not among the site\'s goals',
    )
    const changed = withGoals([{ goal: 'order' }], [], { ...goals, order: { page: '/done' } })
    expect(changed.sites[0]!.experiments[0]!.goals).toEqual([{ event: 'page', goal: 'order' }])
    expect(() => withGoals([{ goal: 'thanks', event: 'Order Completed' }])).toThrow(
      'goal "thanks" counts page views of /thank-you: write { goal } alone',
    )
  })
})
