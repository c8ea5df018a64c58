import { randomFillSync } from 'node:crypto'
import { expect, it } from 'vitest'
import { uuid } from './ids.ts'

it('formats 16 random bytes as a version 4 UUID', () => {
  expect(uuid((b) => b.fill(0xff))).toBe('ffffffff-ffff-4fff-bfff-ffffffffffff')
  expect(uuid((b) => b.fill(0))).toBe('00000000-0000-4000-8000-000000000000')
})

it('does not repeat over many draws from a real random source', () => {
  const ids = new Set(Array.from({ length: 10_000 }, () => uuid((b) => randomFillSync(b))))
  expect(ids.size).toBe(10_000)
  for (const id of [...ids].slice(0, 50))
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
})
