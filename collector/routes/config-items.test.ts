import { beforeEach, describe, expect, it } from 'vitest'
import { STRINGS } from '../../consent/core/strings.ts'
import { type Answer, configApp } from '../../test/support/config-app.ts'

const V = (n: number) => `"demo.v${n}"`
const match = (n: number) => ({ 'if-match': V(n) })

describe('admin API: segments, slots and consent', () => {
  let t: Awaited<ReturnType<typeof configApp>>
  beforeEach(async () => {
    t = await configApp()
  })
  const served = async () => {
    const res = await t.app.request('/v1/sites/demo/config')
    return { etag: res.headers.get('etag'), body: (await res.json()) as Answer }
  }

  it('lists and reads items with the ETag of the version they are of', async () => {
    const list = await t.call('GET', '/admin/api/segments?site=demo')
    expect(list).toMatchObject({ status: 200, etag: V(1), body: { site: 'demo', version: 1 } })
    expect(list.body.segments.map((s: { key: string }) => s.key)).toEqual(['pro', 'fans'])
    expect(await t.call('GET', '/admin/api/segments/pro?site=demo')).toMatchObject({
      status: 200,
      etag: V(1),
      body: { key: 'pro', config: { name: 'Pro members', rule: { 'traits.plan': 'pro' } } },
    })
    expect((await t.call('GET', '/admin/api/segments/nope?site=demo')).body.error.code).toBe(
      'segment_not_found',
    )
    expect((await t.call('GET', '/admin/api/slots/nope?site=demo')).body.error.code).toBe('slot_not_found')
    expect((await t.call('GET', '/admin/api/segments?site=nope')).body.error.code).toBe('site_not_found')
    expect((await t.call('GET', '/admin/api/segments')).body.error.code).toBe('invalid_query')
  })

  it('a created segment is served to browsers at once, with a new ETag', async () => {
    expect((await served()).etag).toBe(V(1))
    const created = await t.call('POST', '/admin/api/segments?site=demo', {
      key: 'vip',
      config: { rule: { 'traits.vip': true } },
    })
    expect(created).toMatchObject({ status: 201, etag: V(2), body: { version: 2, key: 'vip' } })
    const now = await served()
    expect(now.etag).toBe(V(2))
    expect(Object.keys(now.body.personalization.segments)).toContain('vip')
    const again = await t.call('POST', '/admin/api/segments?site=demo', { key: 'vip', config: { rule: {} } })
    expect(again).toMatchObject({ status: 409, body: { error: { code: 'already_exists' } } })
  })

  it('an edit names the version it was made from: none is 428, an old one 412, and nothing is saved', async () => {
    const put = (headers: Record<string, string>) =>
      t.call('PUT', '/admin/api/segments/pro?site=demo', { rule: { 'traits.plan': 'max' } }, headers)
    expect(await put({})).toMatchObject({ status: 428, body: { error: { code: 'precondition_required' } } })
    expect(await put(match(1))).toMatchObject({ status: 200, etag: V(2) })
    // A second editor who loaded version 1 too.
    const stale = await put(match(1))
    expect(stale.status).toBe(412)
    expect(stale.body.error).toEqual({
      code: 'stale_version',
      message:
        'someone saved site demo since you loaded it (you changed version 1, it is now version 2): load it again, redo your change and save; nothing was saved',
    })
    expect(stale.etag).toBe(V(2))
    expect((await put({ 'if-match': '"other.v2"' })).status).toBe(412)
    expect((await put({ 'if-match': 'garbage' })).status).toBe(412)
    expect((await t.store.configHistory('demo')).map((v) => v.version)).toEqual([2, 1])
    // `*`: whatever is newest, on purpose.
    expect(await put({ 'if-match': '*' })).toMatchObject({ status: 200, etag: V(3) })
  })

  it('PATCH merges (RFC 7396); an invalid result is 400 with every problem and saves nothing', async () => {
    const patched = await t.call(
      'PATCH',
      '/admin/api/segments/pro?site=demo',
      { name: null, description: 'Paying' },
      match(1),
    )
    expect(patched.body.config).toEqual({ rule: { 'traits.plan': 'pro' }, description: 'Paying' })
    const bad = await t.call('PATCH', '/admin/api/slots/hero?site=demo', { timeout: -5 }, match(2))
    expect(bad.status).toBe(400)
    expect(bad.body.error).toMatchObject({
      code: 'invalid_config',
      path: 'personalization.slots.hero.timeout',
    })
    expect(bad.body.issues).toEqual([
      { path: 'personalization.slots.hero.timeout', message: expect.any(String) },
    ])
    // Deleting a segment an experiment targets breaks the experiment: refused, with its path.
    const referenced = await t.call('DELETE', '/admin/api/segments/fans?site=demo', undefined, match(2))
    expect(referenced.body.error).toMatchObject({ code: 'invalid_config', path: 'experiments[0].segment' })
    expect((await t.store.configHistory('demo')).length).toBe(2)
    expect(await t.call('DELETE', '/admin/api/segments/pro?site=demo', undefined, match(2))).toMatchObject({
      status: 400, // the hero slot's variant targets it
    })
  })

  it('every change of an item is in its history, any version readable and restorable', async () => {
    await t.call('PATCH', '/admin/api/segments/pro?site=demo', { name: 'Pros' }, match(1))
    await t.call('PATCH', '/admin/api/segments/fans?site=demo', { name: 'Fans' }, match(2))
    await t.call('PATCH', '/admin/api/segments/pro?site=demo', { name: 'Pro buyers' }, match(3))
    const history = await t.call('GET', '/admin/api/segments/pro/versions?site=demo')
    expect(history.body.versions.map((v: { version: number }) => v.version)).toEqual([4, 2, 1])
    expect(history.body.versions[0]).toMatchObject({
      author: 'admin token',
      changes: [{ path: 'name', before: 'Pros', after: 'Pro buyers' }],
    })
    expect((await t.call('GET', '/admin/api/segments/pro/versions/1?site=demo')).body.config.name).toBe(
      'Pro members',
    )
    const restored = await t.call(
      'POST',
      '/admin/api/segments/pro/versions/1/restore?site=demo',
      undefined,
      match(4),
    )
    expect(restored).toMatchObject({ status: 200, etag: V(5), body: { config: { name: 'Pro members' } } })
    const versions = await t.store.configHistory('demo')
    expect(versions[0]).toMatchObject({ version: 5, note: 'segment pro restored from version 1' })
    expect((await t.call('GET', '/admin/api/segments/pro/versions/99?site=demo')).body.error.code).toBe(
      'version_not_found',
    )
    expect((await t.call('GET', '/admin/api/segments/pro/versions/0?site=demo')).body.error.code).toBe(
      'invalid_query',
    )
  })

  it('consent: read, patch the texts, history and restore', async () => {
    // With the banner's own wording, so a form can show what an empty text means.
    expect((await t.call('GET', '/admin/api/consent?site=demo')).body).toEqual({
      site: 'demo',
      version: 1,
      config: {},
      builtIn: STRINGS,
    })
    const patched = await t.call(
      'PATCH',
      '/admin/api/consent?site=demo',
      { version: 2, strings: { en: { title: 'Cookies?' } } },
      match(1),
    )
    expect(patched).toMatchObject({ status: 200, etag: V(2) })
    expect((await served()).body.consent).toMatchObject({ version: 2 })
    const bad = await t.call('PUT', '/admin/api/consent?site=demo', { mode: 'sometimes' }, match(2))
    expect(bad.body.error).toMatchObject({ code: 'invalid_config', path: 'consent.mode' })
    expect(
      (await t.call('GET', '/admin/api/consent/versions?site=demo')).body.versions[0].changes,
    ).toContainEqual({
      path: 'version',
      after: 2,
    })
    await t.call('POST', '/admin/api/consent/versions/1/restore?site=demo', undefined, match(2))
    expect((await served()).body.consent.version).toBe(1)
  })

  it('refuses callers without the admin token, the public write key included', async () => {
    for (const authorization of ['', 'Bearer demo-write-key', `Basic ${btoa('demo-write-key:')}`]) {
      const res = await t.app.request('/admin/api/segments?site=demo', {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/json' },
        body: JSON.stringify({ key: 'x', config: { rule: {} } }),
      })
      expect(res.status).toBe(401)
    }
    expect((await t.store.configHistory('demo')).length).toBe(1)
  })
})

describe('admin API: experiments', () => {
  let t: Awaited<ReturnType<typeof configApp>>
  beforeEach(async () => {
    t = await configApp()
  })
  const cta = (over: Record<string, unknown> = {}) => ({
    status: 'running',
    segment: 'fans',
    variations: [{ key: 'control' }, { key: 'green' }],
    goals: [{ event: 'Order Completed' }],
    ...over,
  })

  it('the list carries each experiment as written and the version', async () => {
    const list = await t.call('GET', '/admin/api/experiments?site=demo')
    expect(list).toMatchObject({ status: 200, etag: V(1), body: { version: 1 } })
    expect(list.body.experiments[0].config).toEqual({ key: 'cta', ...cta() })
  })

  it('changing the split of a running experiment asks whether to re-bucket, and records the answer', async () => {
    const weighted = cta({
      variations: [
        { key: 'control', weight: 0.8 },
        { key: 'green', weight: 0.2 },
      ],
    })
    const asked = await t.call('PUT', '/admin/api/experiments/cta?site=demo', weighted, match(1))
    expect(asked).toMatchObject({
      status: 409,
      body: { error: { code: 'rebucket_choice_required', path: 'variations' } },
    })
    const kept = await t.call(
      'PUT',
      '/admin/api/experiments/cta?site=demo&rebucket=false',
      weighted,
      match(1),
    )
    expect(kept.body.config.bucketVersion).toBeUndefined()
    const back = cta()
    const again = await t.call('PUT', '/admin/api/experiments/cta?site=demo&rebucket=true', back, match(2))
    expect(again.body.config.bucketVersion).toBe(1)
    expect((await t.store.configHistory('demo')).map((v) => v.note)).toEqual([
      'variations or weights changed while running: everyone re-bucketed (bucketVersion 1)',
      'variations or weights changed while running: assignments kept (bucketVersion 0)',
      'read at start',
    ])
    // Other fields need no answer.
    expect(
      (await t.call('PATCH', '/admin/api/experiments/cta?site=demo', { name: 'CTA' }, match(3))).status,
    ).toBe(200)
  })

  it('an experiment that ran is archived, never deleted or sent back to draft; a draft can be deleted', async () => {
    expect(await t.call('DELETE', '/admin/api/experiments/cta?site=demo', undefined, match(1))).toMatchObject(
      {
        status: 409,
        body: { error: { code: 'archive_instead' } },
      },
    )
    expect(
      (await t.call('PATCH', '/admin/api/experiments/cta?site=demo', { status: 'draft' }, match(1))).body
        .error.code,
    ).toBe('invalid_transition')
    const stopped = await t.call(
      'PATCH',
      '/admin/api/experiments/cta?site=demo',
      { status: 'stopped', rollout: 'green' },
      match(1),
    )
    expect(stopped.body.config).toMatchObject({ status: 'stopped', rollout: 'green' })
    expect(
      ((await (await t.app.request('/v1/sites/demo/config')).json()) as Answer).experiments[0].rollout,
    ).toBe('green')
    const wrongRollout = await t.call(
      'PATCH',
      '/admin/api/experiments/cta?site=demo',
      { rollout: 'blue' },
      match(2),
    )
    expect(wrongRollout.body.error).toMatchObject({ code: 'invalid_config', path: 'experiments[0].rollout' })
    const archived = await t.call(
      'PATCH',
      '/admin/api/experiments/cta?site=demo',
      { status: 'archived', rollout: null },
      match(2),
    )
    expect(archived.body.config.status).toBe('archived')
    const draft = await t.call('POST', '/admin/api/experiments?site=demo', {
      key: 'hero-copy',
      config: cta({ status: 'draft' }),
    })
    expect(draft).toMatchObject({ status: 201, body: { config: { key: 'hero-copy', status: 'draft' } } })
    expect(
      await t.call('DELETE', '/admin/api/experiments/hero-copy?site=demo', undefined, match(4)),
    ).toMatchObject({
      status: 200,
      body: { deleted: true, version: 5 },
    })
  })
})

describe('admin API: goals', () => {
  let t: Awaited<ReturnType<typeof configApp>>
  beforeEach(async () => {
    t = await configApp()
  })
  const order = { name: 'Order', event: 'Order Completed', where: { currency: 'EUR' }, revenue: 'revenue' }

  it('creates, lists, reads, patches and deletes a goal, each a version of the site', async () => {
    expect(await t.call('GET', '/admin/api/goals?site=demo')).toMatchObject({
      status: 200,
      etag: V(1),
      body: { site: 'demo', version: 1, goals: [] },
    })
    const created = await t.call('POST', '/admin/api/goals?site=demo', { key: 'order', config: order })
    expect(created).toMatchObject({
      status: 201,
      etag: V(2),
      body: { site: 'demo', version: 2, key: 'order', config: order },
    })
    await t.call('POST', '/admin/api/goals?site=demo', { key: 'thanks', config: { page: '/thank-you/*' } })
    const list = await t.call('GET', '/admin/api/goals?site=demo')
    expect(list).toMatchObject({ etag: V(3), body: { version: 3 } })
    expect(list.body.goals).toEqual([
      { key: 'order', config: order },
      { key: 'thanks', config: { page: '/thank-you/*' } },
    ])
    // At the entry's top level, beside experiments; not in the site's settings.
    expect(t.live.written('demo')!.config.goals).toEqual({
      order,
      thanks: { page: '/thank-you/*' },
    })
    expect((await t.call('GET', '/admin/api/sites/demo')).body.config.goals).toBeUndefined()
    expect(await t.call('GET', '/admin/api/goals/order?site=demo')).toMatchObject({
      status: 200,
      etag: V(3),
      body: { key: 'order', config: order },
    })
    const patched = await t.call(
      'PATCH',
      '/admin/api/goals/order?site=demo',
      { where: null, description: 'Any currency' },
      match(3),
    )
    expect(patched).toMatchObject({ status: 200, etag: V(4) })
    expect(patched.body.config).toEqual({
      name: 'Order',
      event: 'Order Completed',
      revenue: 'revenue',
      description: 'Any currency',
    })
    expect(await t.call('DELETE', '/admin/api/goals/thanks?site=demo', undefined, match(4))).toMatchObject({
      status: 200,
      etag: V(5),
      body: { site: 'demo', version: 5, key: 'thanks', deleted: true },
    })
    expect(
      (await t.call('GET', '/admin/api/goals?site=demo')).body.goals.map((g: { key: string }) => g.key),
    ).toEqual(['order'])
  })

  it('refuses an invalid goal with its path, and saves nothing', async () => {
    const both = await t.call('POST', '/admin/api/goals?site=demo', {
      key: 'signup',
      config: { event: 'Signed Up', page: '/welcome' },
    })
    expect(both).toMatchObject({
      status: 400,
      body: {
        error: { code: 'invalid_config', path: 'goals.signup.page' },
        issues: [{ path: 'goals.signup.page', message: 'give an event or a page, not both' }],
      },
    })
    const neither = await t.call('POST', '/admin/api/goals?site=demo', {
      key: 'signup',
      config: { name: 'x' },
    })
    expect(neither.body.error).toMatchObject({ code: 'invalid_config', path: 'goals.signup' })
    const badKey = await t.call('POST', '/admin/api/goals?site=demo', {
      key: 'Sign Up',
      config: { event: 'E' },
    })
    expect(badKey.body.error.code).toBe('invalid_config')
    await t.call('POST', '/admin/api/goals?site=demo', { key: 'thanks', config: { page: '/thank-you' } })
    const revenue = await t.call('PATCH', '/admin/api/goals/thanks?site=demo', { revenue: 'value' }, match(2))
    expect(revenue.body.error).toMatchObject({ code: 'invalid_config', path: 'goals.thanks.revenue' })
    const path = await t.call('PUT', '/admin/api/goals/thanks?site=demo', { page: 'thank-you' }, match(2))
    expect(path.body.error).toMatchObject({ code: 'invalid_config', path: 'goals.thanks.page' })
    expect((await t.store.configHistory('demo')).map((v) => v.version)).toEqual([2, 1])
  })

  it('has a history per goal, any version readable and restorable; an unknown goal is goal_not_found', async () => {
    await t.call('POST', '/admin/api/goals?site=demo', { key: 'order', config: order })
    await t.call('PATCH', '/admin/api/goals/order?site=demo', { name: 'Purchase' }, match(2))
    const history = await t.call('GET', '/admin/api/goals/order/versions?site=demo')
    expect(history.body.versions.map((v: { version: number }) => v.version)).toEqual([3, 2])
    expect(history.body.versions[0]).toMatchObject({
      changes: [{ path: 'name', before: 'Order', after: 'Purchase' }],
    })
    expect(history.body.versions[1].note).toBe('goal order created')
    expect((await t.call('GET', '/admin/api/goals/order/versions/2?site=demo')).body.config.name).toBe(
      'Order',
    )
    const restored = await t.call(
      'POST',
      '/admin/api/goals/order/versions/2/restore?site=demo',
      undefined,
      match(3),
    )
    expect(restored).toMatchObject({ status: 200, etag: V(4), body: { config: order } })
    expect((await t.store.configHistory('demo'))[0]!.note).toBe('goal order restored from version 2')
    for (const [method, path] of [
      ['GET', '/admin/api/goals/nope?site=demo'],
      ['PATCH', '/admin/api/goals/nope?site=demo'],
      ['DELETE', '/admin/api/goals/nope?site=demo'],
      ['GET', '/admin/api/goals/nope/versions?site=demo'],
    ] as const) {
      const res = await t.call(method, path, method === 'PATCH' ? {} : undefined, match(4))
      expect({ path, status: res.status, code: res.body.error.code }).toEqual({
        path,
        status: 404,
        code: 'goal_not_found',
      })
    }
    expect((await t.call('GET', '/admin/api/goals/order/versions/1?site=demo')).body.error.code).toBe(
      'version_not_found',
    )
  })
})
