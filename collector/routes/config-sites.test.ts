import { beforeEach, describe, expect, it } from 'vitest'
import { NOW, SERVER_KEY } from '../../test/support/collector-app.ts'
import { type Answer, configApp } from '../../test/support/config-app.ts'

const HOUR = 3_600_000

describe('admin API: sites', () => {
  let t: Awaited<ReturnType<typeof configApp>>
  beforeEach(async () => {
    t = await configApp()
  })
  /** A page of the site sending one event with the write key. */
  const track = (writeKey: string, origin = 'https://new.example') =>
    t.app.request('/v1/track', {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin },
      body: JSON.stringify({
        writeKey,
        type: 'track',
        event: 'Signed Up',
        anonymousId: 'a1',
        messageId: `m-${Math.random()}`,
        timestamp: new Date(NOW).toISOString(),
        context: { consent: { categoryPreferences: { necessary: true, analytics: true } } },
      }),
    })

  it('creates a site with generated keys, shown once, that takes events at once', async () => {
    const created = await t.call('POST', '/admin/api/sites', {
      id: 'new',
      name: 'New shop',
      allowedOrigins: ['https://new.example'],
    })
    expect(created).toMatchObject({ status: 201, etag: '"new.v1"', body: { site: 'new', version: 1 } })
    const { writeKey, serverKey } = created.body
    expect(writeKey).toMatch(/^pk_[\w-]{24}$/)
    expect(serverKey).toMatch(/^sk_[\w-]{32}$/)
    expect(created.body.config).toEqual({
      id: 'new',
      name: 'New shop',
      allowedOrigins: ['https://new.example'],
      writeKey,
    })
    expect((await track(writeKey)).status).toBe(200)
    const read = await t.call('GET', '/admin/api/sites/new')
    expect(read.body).toMatchObject({ hasServerKey: true })
    expect(JSON.stringify(read.body)).not.toContain(serverKey)
    expect((await t.call('GET', '/admin/api/sites')).body.sites.map((s: { id: string }) => s.id)).toEqual([
      'demo',
      'other',
      'new',
    ])
  })

  it('refuses keys in the body, an id taken or malformed, and sub-resources', async () => {
    expect(
      (await t.call('POST', '/admin/api/sites', { id: 'x', writeKey: 'chosen-key' })).body.error,
    ).toMatchObject({
      code: 'invalid_body',
      path: 'writeKey',
    })
    expect((await t.call('POST', '/admin/api/sites', { id: 'demo' })).body.error.code).toBe('already_exists')
    expect((await t.call('POST', '/admin/api/sites', { id: 'Bad Id' })).body.error).toMatchObject({
      code: 'invalid_config',
      path: 'id',
    })
    expect((await t.call('POST', '/admin/api/sites', { id: 'x', experiments: [] })).body.error.path).toBe(
      'experiments',
    )
    expect((await t.call('POST', '/admin/api/sites', {})).body.error).toMatchObject({
      code: 'invalid_body',
      path: 'id',
    })
  })

  it('settings change with If-Match; keys and sub-resources stay as they were', async () => {
    const patched = await t.call(
      'PATCH',
      '/admin/api/sites/demo',
      { timezone: 'Asia/Shanghai' },
      { 'if-match': '"demo.v1"' },
    )
    expect(patched).toMatchObject({
      status: 200,
      etag: '"demo.v2"',
      body: { config: { timezone: 'Asia/Shanghai' } },
    })
    const written = t.live.written('demo')!.config
    expect(written.serverKey).toBe(SERVER_KEY)
    expect(written.experiments).toHaveLength(1)
    const put = await t.call('PUT', '/admin/api/sites/demo', { name: 'Demo' }, { 'if-match': '"demo.v2"' })
    expect(put.body.config).toEqual({ id: 'demo', name: 'Demo', writeKey: 'demo-write-key' })
    expect(t.live.written('demo')!.config.serverKey).toBe(SERVER_KEY)
    const keys = await t.call(
      'PATCH',
      '/admin/api/sites/demo',
      { serverKey: 'x'.repeat(30) },
      { 'if-match': '"demo.v3"' },
    )
    expect(keys.body.error).toMatchObject({ code: 'invalid_body', path: 'serverKey' })
    expect(
      (await t.call('PATCH', '/admin/api/sites/demo', { timezone: 'Mars/Base' }, { 'if-match': '"demo.v3"' }))
        .body.error,
    ).toMatchObject({
      code: 'invalid_config',
      path: 'timezone',
    })
  })

  it('a rotated write key keeps working for the overlap, then only the new one does', async () => {
    const rotated = await t.call(
      'POST',
      '/admin/api/sites/demo/rotate-key',
      { overlapHours: 2 },
      { 'if-match': '"demo.v1"' },
    )
    expect(rotated).toMatchObject({ status: 200, etag: '"demo.v2"' })
    const fresh = rotated.body.writeKey as string
    expect(rotated.body.previousUntil).toBe(new Date(NOW + 2 * HOUR).toISOString())
    const origin = 'https://shop.example'
    expect((await track('demo-write-key', origin)).status).toBe(200)
    expect((await track(fresh, origin)).status).toBe(200)
    // The tag loads the new key with the config.
    expect(((await (await t.app.request('/v1/sites/demo/config')).json()) as Answer).writeKey).toBe(fresh)
    t.clock.now = () => NOW + 2 * HOUR
    expect((await track('demo-write-key', origin)).status).toBe(401)
    expect((await track(fresh, origin)).status).toBe(200)
  })

  it('a rotated server key is shown once; histories show only its last four characters', async () => {
    const rotated = await t.call(
      'POST',
      '/admin/api/sites/demo/rotate-key',
      { key: 'server' },
      { 'if-match': '*' },
    )
    const fresh = rotated.body.serverKey as string
    expect(fresh).toMatch(/^sk_/)
    const history = await t.call('GET', '/admin/api/sites/demo/versions')
    const text = JSON.stringify(history.body)
    expect(text).not.toContain(fresh)
    expect(text).not.toContain(SERVER_KEY)
    expect(history.body.versions[0].changes).toContainEqual({
      path: 'serverKey',
      before: `…${SERVER_KEY.slice(-4)}`,
      after: `…${fresh.slice(-4)}`,
    })
    expect(JSON.stringify((await t.call('GET', '/admin/api/sites/demo/versions/1')).body)).not.toContain(
      SERVER_KEY,
    )
    expect(
      (await t.call('POST', '/admin/api/sites/demo/rotate-key', { key: 'both' }, { 'if-match': '*' })).body
        .error.path,
    ).toBe('key')
  })

  it('restoring a whole version brings back its settings and items, never a rotated key', async () => {
    await t.call('PATCH', '/admin/api/sites/demo', { name: 'Renamed' }, { 'if-match': '"demo.v1"' })
    const rotated = await t.call(
      'POST',
      '/admin/api/sites/demo/rotate-key',
      { overlapHours: 0 },
      { 'if-match': '"demo.v2"' },
    )
    const restored = await t.call('POST', '/admin/api/sites/demo/versions/1/restore', undefined, {
      'if-match': '"demo.v3"',
    })
    expect(restored).toMatchObject({ status: 200, etag: '"demo.v4"' })
    const written = t.live.written('demo')!.config
    expect(written.name).toBeUndefined()
    expect(written.writeKey).toBe(rotated.body.writeKey)
    expect(written.previousWriteKey).toBe('demo-write-key')
  })
})
