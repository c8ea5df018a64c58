import { describe, expect, it } from 'vitest'
import { eventSchema } from './event-schema.ts'
import spec from './spec/event-schema.json' with { type: 'json' }

// "@@N" in the spec table stands for a string of N characters, so length caps stay readable.
const expand = (value: unknown): unknown => {
  if (typeof value === 'string' && value.startsWith('@@')) return 'x'.repeat(Number(value.slice(2)))
  if (Array.isArray(value)) return value.map(expand)
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, expand(v)]))
  return value
}

describe('event schema', () => {
  const accepted = spec.accepted as [string, unknown][]
  const rejected = spec.rejected as [string, unknown, string][]

  it.each(accepted)('accepts %s', (_name, input) => {
    const result = eventSchema.safeParse(expand(input))
    expect(result.error?.issues).toBeUndefined()
  })

  it.each(rejected.map(([name, input, path]) => [name, path, input] as const))(
    'rejects %s at "%s"',
    (_name, path, input) => {
      const result = eventSchema.safeParse(expand(input))
      expect(result.success).toBe(false)
      expect(result.error?.issues.map((issue) => issue.path.join('.'))).toContain(path)
    },
  )
})
