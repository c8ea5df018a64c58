import { expect, it } from 'vitest'
import { matchesPattern } from './patterns.ts'

it.each([
  ['_ga', '_ga', true],
  ['_ga', '_gat', false],
  ['_ga_*', '_ga_ABC123', true],
  ['_ga_*', '_ga', false],
  ['*', 'anything', true],
  ['a.b', 'axb', false],
  ['hj*Session*', 'hjSessionUser_1', true],
  ['[x]*', '[x]1', true],
])('pattern %s against %s is %s', (pattern, name, expected) => {
  expect(matchesPattern(pattern, name)).toBe(expected)
})
