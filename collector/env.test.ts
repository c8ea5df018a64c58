import { describe, expect, it } from 'vitest'
import { parseEnv, sqlitePath } from './env.ts'

describe('environment', () => {
  it('defaults to port 8787, the repo config and a SQLite file', () => {
    const env = parseEnv({})
    expect(env).toMatchObject({ PORT: 8787, PRECIS_CONFIG: './precis.config.json' })
    expect(sqlitePath(env.DATABASE_URL)).toBe('./data/precis.db')
    expect(env.PRECIS_ADMIN_TOKEN).toBeUndefined()
  })

  it('treats empty variables as unset', () => {
    expect(parseEnv({ PORT: '', PRECIS_ADMIN_TOKEN: '' })).toMatchObject({ PORT: 8787 })
  })

  it.each([
    [{ PORT: 'eighty' }, /PORT/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL: only sqlite/],
    [{ PRECIS_ADMIN_TOKEN: 'short' }, /PRECIS_ADMIN_TOKEN: must be at least 16/],
  ])('explains %o', (env, message) => {
    expect(() => parseEnv(env)).toThrow(message)
  })
})
