import { readFileSync } from 'node:fs'
import { isDeepStrictEqual } from 'node:util'
import { describe, expect, it } from 'vitest'
import { OPENAPI_FILE } from '../../scripts/openapi.ts'
import { ADMIN_TOKEN, testApp } from '../../test/support/collector-app.ts'
import { openApiDocument } from './document.ts'

interface Operation {
  operationId: string
  security?: unknown
  parameters?: { name?: string; in?: string; $ref?: string }[]
}
type Paths = Record<string, Record<string, Operation>>
const doc = () => openApiDocument() as { paths: Paths }
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options']

/** A value for each path parameter the document uses: the test app's site, anything else. */
const PARAMS: Record<string, string> = {
  site: 'demo',
  id: 'demo',
  key: 'some-key',
  version: '1',
  slot: 'hero',
  consentId: 'consent-1',
}
const filled = (path: string) =>
  path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = PARAMS[name]
    if (value === undefined) throw new Error(`no test value for {${name}} in ${path}`)
    return value
  })

const operations = () =>
  Object.entries(doc().paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, op]) => ({ path, method: method.toUpperCase(), op })),
  )

describe('the OpenAPI document', () => {
  it('is the one checked in as docs/openapi.json', () => {
    const onDisk: unknown = JSON.parse(readFileSync(OPENAPI_FILE, 'utf8'))
    expect(
      isDeepStrictEqual(onDisk, JSON.parse(JSON.stringify(openApiDocument()))),
      'docs/openapi.json differs from openApiDocument(): run `npm run openapi` and commit docs/openapi.json',
    ).toBe(true)
  })

  it('describes only routes the app answers', async () => {
    const { app } = testApp()
    const unanswered: string[] = []
    for (const { path, method } of operations()) {
      const url = `${filled(path)}?site=demo`
      const res = await app.request(url, {
        method,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        ...(['POST', 'PUT', 'PATCH'].includes(method) ? { body: '{}' } : {}),
      })
      if (res.status !== 404) continue
      const body = (await res.json()) as { error?: { code?: string; message?: string } }
      // The app's notFound handler (app.ts); a route's own 404s (site_not_found, …) are answers.
      if (body.error?.code === 'not_found' && body.error.message?.startsWith('no route for '))
        unanswered.push(`${method} ${path}`)
    }
    expect(unanswered).toEqual([])
  })

  it('describes every admin route the app registers', () => {
    const { app } = testApp()
    const described = doc().paths
    const missing = app.routes
      .filter((r) => r.path.startsWith('/admin/api/') && r.method !== 'ALL' && !r.path.includes('*'))
      .map((r) => ({ method: r.method.toLowerCase(), path: r.path.replace(/:(\w+)/g, '{$1}') }))
      .filter(({ method, path }) => !described[path]?.[method])
      .map(({ method, path }) => `${method.toUpperCase()} ${path}`)
    expect([...new Set(missing)], 'admin routes missing from collector/openapi/').toEqual([])
  })

  it('puts every admin operation behind the bearer token, and no other; names each once', () => {
    // Before the guard: the setup state, the first owner's setup, signing in (routes/access.ts).
    const open = ['GET /admin/api/setup', 'POST /admin/api/setup', 'POST /admin/api/session']
    for (const { path, method, op } of operations()) {
      if (open.includes(`${method} ${path}`)) expect(op.security, path).toBeUndefined()
      else if (path.startsWith('/admin/api/')) expect(op.security, path).toEqual([{ bearerAuth: [] }])
      else expect(JSON.stringify(op.security ?? []), path).not.toContain('bearerAuth')
    }
    const ids = operations().map(({ op }) => op.operationId)
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([])
  })

  it('declares each parameter of a path on its operations', () => {
    const undeclared = operations().flatMap(({ path, method, op }) =>
      [...path.matchAll(/\{(\w+)\}/g)]
        .map((m) => m[1]!)
        .filter((name) => !op.parameters?.some((p) => p.in === 'path' && p.name === name))
        .map((name) => `${method} ${path}: {${name}}`),
    )
    expect(undeclared).toEqual([])
  })

  it('leads every $ref somewhere', () => {
    const document = doc()
    const refs: string[] = []
    const walk = (value: unknown) => {
      if (Array.isArray(value)) value.forEach(walk)
      else if (value && typeof value === 'object')
        for (const [k, v] of Object.entries(value)) {
          if (k === '$ref' && typeof v === 'string') refs.push(v)
          else walk(v)
        }
    }
    walk(document)
    const resolve = (ref: string) =>
      ref
        .slice(2)
        .split('/')
        .reduce<unknown>((at, part) => (at as Record<string, unknown> | undefined)?.[part], document)
    expect(refs.filter((ref) => !ref.startsWith('#/') || resolve(ref) === undefined)).toEqual([])
  })

  it('is served at GET /openapi.json, cached 5 minutes', async () => {
    const { app } = testApp()
    const res = await app.request('/openapi.json')
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('public, max-age=300')
    expect(res.headers.get('content-type')).toMatch(/^application\/json/)
    expect(await res.json()).toEqual(JSON.parse(JSON.stringify(openApiDocument())))
  })
})
