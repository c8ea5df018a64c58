import { describe, expect, it } from 'vitest'
import { CASES } from './conditions.cases.ts'
import { evalCondition } from './conditions.ts'

describe('evalCondition', () => {
  it.each(CASES)('%s', (_description, condition, attributes, expected, savedGroups) => {
    expect(evalCondition(attributes, condition, savedGroups)).toBe(expected)
  })

  it('has unique row descriptions', () => {
    expect(new Set(CASES.map(([description]) => description)).size).toBe(CASES.length)
  })

  it('does not mutate its inputs', () => {
    const attributes = { tags: ['b', 'a'], user: { id: 'u1' } }
    const condition = { tags: { $all: ['a'] }, 'user.id': { $inGroup: 'g' } }
    const savedGroups = { g: ['u1'] }
    const before = JSON.stringify([attributes, condition, savedGroups])
    expect(evalCondition(attributes, condition, savedGroups)).toBe(true)
    expect(JSON.stringify([attributes, condition, savedGroups])).toBe(before)
  })

  it('gives the same answer for a cached regex, and after the cache has turned over', () => {
    const run = (pattern: string, s: string) => evalCondition({ s }, { s: { $regex: pattern } })
    expect(run('^a+$', 'aaa')).toBe(true)
    for (let i = 0; i < 250; i++) expect(run(`^x${i}$`, `x${i}`)).toBe(true)
    expect(run('^a+$', 'aaa')).toBe(true)
    expect(run('^a+$', 'aab')).toBe(false)
  })

  it('keeps case-sensitive and insensitive patterns apart', () => {
    expect(evalCondition({ s: 'ABC' }, { s: { $regexi: 'abc' } })).toBe(true)
    expect(evalCondition({ s: 'ABC' }, { s: { $regex: 'abc' } })).toBe(false)
    expect(evalCondition({ s: 'ABC' }, { s: { $regex: 'abc/i' } })).toBe(false)
  })
})
