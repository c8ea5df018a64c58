// Experiment metrics that count a site goal (`{ goal }`): named by the goal in results, page goals
// and goals with `where` counted from report rows, and the goal kept while an experiment counts it
// (admin API item routes).
import { describe, expect, it } from 'vitest'
import { SHOP_ORIGIN, testApp, WRITE_KEY } from '../../test/support/collector-app.ts'
import { configApp } from '../../test/support/config-app.ts'
import { admin, personal, sendAll } from '../../test/support/personalization.ts'
import { parseConfig } from '../config/site-config.ts'

const GOALS = {
  order: { name: 'Order placed', event: 'Order Completed', revenue: 'revenue' },
  signup: { event: 'Signed Up' },
}
const CHECKOUT = {
  key: 'checkout',
  status: 'running',
  variations: [{ key: 'control' }, { key: 'treat' }],
  goals: [{ goal: 'signup' }, { event: 'Order Completed' }],
  guardrails: [{ goal: 'order' }],
}

const day = (time: string) => `2026-11-21T${time}:00.000Z`
const viewed = (anonymousId: string, variation: string) =>
  personal({
    anonymousId,
    event: 'Experiment Viewed',
    properties: { experiment_id: 'checkout', variation_id: variation, bucket_version: 0 },
    timestamp: day('10:00'),
  })
const track = (anonymousId: string, event: string, properties: object = {}) =>
  personal({ anonymousId, event, properties, timestamp: day('11:00') })

describe('experiment metrics counting a site goal', () => {
  it("are counted by the goal's event and revenue, and results name the goal", async () => {
    const sites = parseConfig({
      sites: [
        {
          id: 'demo',
          writeKey: WRITE_KEY,
          allowedOrigins: [SHOP_ORIGIN],
          goals: GOALS,
          experiments: [CHECKOUT],
        },
      ],
    })
    const { app } = testApp({ sites })
    await sendAll(app, [
      viewed('c1', 'control'),
      viewed('c2', 'control'),
      viewed('t1', 'treat'),
      track('c1', 'Signed Up'),
      track('t1', 'Order Completed', { revenue: 30 }),
      track('c2', 'Order Completed', { revenue: 10 }),
    ])
    const res = await admin(app, '/admin/api/experiments/checkout/results?site=demo&cuped=false')
    expect(res.status).toBe(200)
    const { metrics } = await res.json()
    const numbers = (m: { variations: { key: string; users: number; mean: number }[] }) =>
      m.variations.map((v) => [v.key, v.users, v.mean])
    expect(
      metrics.map(({ event, property, goal, name, role }: Record<string, unknown>) => ({
        event,
        property,
        goal,
        name,
        role,
      })),
    ).toEqual([
      { event: 'Signed Up', property: null, goal: 'signup', name: 'signup', role: 'goal' },
      { event: 'Order Completed', property: null, goal: undefined, name: undefined, role: 'goal' },
      {
        event: 'Order Completed',
        property: 'revenue',
        goal: 'order',
        name: 'Order placed',
        role: 'guardrail',
      },
    ])
    expect(numbers(metrics[0])).toEqual([
      ['control', 2, 0.5],
      ['treat', 1, 0],
    ])
    expect(numbers(metrics[2])).toEqual([
      ['control', 2, 5],
      ['treat', 1, 30],
    ])
  })

  it('counts a page goal and a goal with where from what browsers sent, capped and with CUPED', async () => {
    const goals = {
      thanks: { name: 'Thank-you page', page: '/thank-you*' },
      big: { event: 'Order Completed', where: { revenue: { $gt: 20 } }, revenue: 'revenue' },
    }
    const experiment = {
      ...CHECKOUT,
      goals: [{ goal: 'thanks' }],
      guardrails: [{ goal: 'big', cap: { percentile: 0.5 } }],
    }
    const sites = parseConfig({
      sites: [
        { id: 'demo', writeKey: WRITE_KEY, allowedOrigins: [SHOP_ORIGIN], goals, experiments: [experiment] },
      ],
    })
    const { app } = testApp({ sites })
    const page = (anonymousId: string, path: string, time: string) =>
      personal({ type: 'page', event: undefined, anonymousId, properties: { path }, timestamp: day(time) })
    const order = (anonymousId: string, revenue: number, time = '11:00') =>
      personal({ anonymousId, event: 'Order Completed', properties: { revenue }, timestamp: day(time) })
    await sendAll(app, [
      viewed('c1', 'control'),
      viewed('c2', 'control'),
      viewed('t1', 'treat'),
      viewed('t2', 'treat'),
      page('c1', '/thank-you/123', '11:00'),
      page('c2', '/cart', '11:00'),
      page('t1', '/thank-you', '09:00'), // before the exposure: CUPED's, not a conversion
      page('t1', '/thank-you', '12:00'),
      page('t2', '/thank-you', '12:00'),
      page('t2', '/thank-you', '13:00'), // a person converts once
      order('c1', 10), // not big
      order('c2', 30),
      order('t1', 50),
      order('t2', 100),
      order('t2', 25, '12:00'),
    ])
    const res = await admin(app, '/admin/api/experiments/checkout/results?site=demo')
    expect(res.status).toBe(200)
    const { metrics } = await res.json()
    const numbers = (m: {
      variations: { key: string; users: number; conversions?: number; mean: number }[]
    }) => m.variations.map((v) => [v.key, v.users, v.mean])
    expect(metrics.map((m: Record<string, unknown>) => [m.event, m.property, m.goal, m.name])).toEqual([
      ['page', null, 'thanks', 'Thank-you page'],
      ['Order Completed', 'revenue', 'big', 'big'],
    ])
    expect(numbers(metrics[0])).toEqual([
      ['control', 2, 0.5],
      ['treat', 2, 1],
    ])
    // Big orders per person after the exposure: c2 30, t1 50, t2 125; capped at the median, 50.
    expect(metrics[1].cap).toEqual({ percentile: 0.5, value: 50 })
    expect(numbers(metrics[1])).toEqual([
      ['control', 2, 15],
      ['treat', 2, 50],
    ])
    expect(metrics[0].cuped).toMatchObject({ applied: expect.any(Boolean) })
  })

  it('refuses deleting a goal an experiment counts, naming the experiment, and saves nothing; a changed goal counts as it is now', async () => {
    const t = await configApp()
    const match = (n: number) => ({ 'if-match': `"demo.v${n}"` })
    expect(
      (await t.call('POST', '/admin/api/goals?site=demo', { key: 'order', config: GOALS.order })).status,
    ).toBe(201)
    const created = await t.call('POST', '/admin/api/experiments?site=demo', {
      key: 'checkout',
      config: { ...CHECKOUT, goals: [{ goal: 'order' }], guardrails: [] },
    })
    expect(created).toMatchObject({ status: 201, body: { version: 3 } })
    // As written: the reference, not what it resolves to.
    expect(created.body.config.goals).toEqual([{ goal: 'order' }])

    const deleted = await t.call('DELETE', '/admin/api/goals/order?site=demo', undefined, match(3))
    expect(deleted.status).toBe(400)
    expect(deleted.body.error).toMatchObject({ code: 'invalid_config', path: 'experiments[1].goals[0].goal' })
    expect(deleted.body.error.message).toContain('experiment checkout counts goal "order"')
    expect((await t.store.configHistory('demo')).map((v) => v.version)).toEqual([3, 2, 1])
    const paged = await t.call('PUT', '/admin/api/goals/order?site=demo', { page: '/done' }, match(3))
    expect(paged.status).toBe(200)
    const read = await t.call('GET', '/admin/api/experiments/checkout?site=demo')
    expect(read.body.config.goals).toEqual([{ goal: 'order' }])
  })
})
