import { expect, it } from 'vitest'
import { canonicalJson } from './canonical.ts'

it('sorts keys at every depth and keeps array order', () => {
  const a = canonicalJson({ b: 1, a: { d: [2, { y: 1, x: 0 }], c: 'é' } })
  expect(a).toBe('{"a":{"c":"é","d":[2,{"x":0,"y":1}]},"b":1}')
  expect(canonicalJson({ a: { c: 'é', d: [2, { x: 0, y: 1 }] }, b: 1 })).toBe(a)
  expect(canonicalJson([{ b: 1, a: 2 }])).toBe('[{"a":2,"b":1}]')
})

it('leaves undefined fields out, as JSON.stringify does', () => {
  expect(canonicalJson({ b: undefined, a: null })).toBe('{"a":null}')
  expect(canonicalJson('x')).toBe('"x"')
})
