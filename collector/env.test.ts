import { describe, expect, it } from 'vitest'
import { isPostgres, parseEnv, redactUrl, sqlitePath } from './env.ts'

describe('environment', () => {
  it('defaults to port 8787, the repo config and a SQLite file', () => {
    const env = parseEnv({})
    expect(env).toMatchObject({ PORT: 8787, PRECIS_CONFIG: './precis.config.json' })
    expect(sqlitePath(env.DATABASE_URL)).toBe('./data/precis.db')
    expect(env.PRECIS_ADMIN_TOKEN).toBeUndefined()
    expect(env.PRECIS_RESOLVER_CACHE_MB).toBeUndefined()
  })

  it('takes the resolver cache budget in MB', () => {
    expect(parseEnv({ PRECIS_RESOLVER_CACHE_MB: '16' }).PRECIS_RESOLVER_CACHE_MB).toBe(16)
  })

  it('takes the most visits an overview counts exactly, 0 included', () => {
    expect(parseEnv({}).PRECIS_REPORTS_EXACT_VISITS).toBeUndefined()
    expect(parseEnv({ PRECIS_REPORTS_EXACT_VISITS: '0' }).PRECIS_REPORTS_EXACT_VISITS).toBe(0)
  })

  it('takes how often report tables catch up in the background, a second at least', () => {
    expect(parseEnv({}).PRECIS_REPORTS_SYNC_MS).toBeUndefined()
    expect(parseEnv({ PRECIS_REPORTS_SYNC_MS: '1000' }).PRECIS_REPORTS_SYNC_MS).toBe(1000)
  })

  it('treats empty variables as unset', () => {
    expect(parseEnv({ PORT: '', PRECIS_ADMIN_TOKEN: '' })).toMatchObject({ PORT: 8787 })
  })

  it.each([
    [{ PORT: 'eighty' }, /PORT/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL: must be sqlite:<path> or postgres:/],
    [{ PRECIS_ADMIN_TOKEN: 'short' }, /PRECIS_ADMIN_TOKEN: must be at least 16/],
    [{ PRECIS_RESOLVER_CACHE_MB: '0' }, /PRECIS_RESOLVER_CACHE_MB/],
    [{ PRECIS_RESOLVER_CACHE_MB: 'lots' }, /PRECIS_RESOLVER_CACHE_MB/],
    [{ PRECIS_REPORTS_EXACT_VISITS: '-1' }, /PRECIS_REPORTS_EXACT_VISITS/],
    [{ PRECIS_REPORTS_SYNC_MS: '500' }, /PRECIS_REPORTS_SYNC_MS/],
  ])('explains %o', (env, message) => {
    expect(() => parseEnv(env)).toThrow(message)
  })

  it('takes a PostgreSQL URL, and keeps its password out of logs', () => {
    const url = 'postgres://precis:s3cret@db.internal:5432/precis'
    expect(parseEnv({ DATABASE_URL: url }).DATABASE_URL).toBe(url)
    expect(isPostgres(url)).toBe(true)
    expect(isPostgres('postgresql://db/precis')).toBe(true)
    expect(isPostgres('sqlite:./data/precis.db')).toBe(false)
    expect(redactUrl(url)).toBe('postgres://precis:***@db.internal:5432/precis')
    expect(redactUrl('postgres://db/precis')).toBe('postgres://db/precis')
  })
})
