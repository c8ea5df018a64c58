// `npm run migrate` as a deploy runs it before rolling out collectors: with the collector's keys
// from the environment, and one line when it cannot.
import { spawnSync } from 'node:child_process'
import { afterAll, expect, it } from 'vitest'
import { ROOT, TEST_MASTER_KEY } from './support/collector-process.ts'
import { describePostgres, dropSchema, PG_TEST_URL, testSchema } from './support/postgres.ts'

const migrate = (env: Record<string, string>) => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'collector/cli/migrate.ts'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, PRECIS_MASTER_KEY: '', ...env },
  })
  return { code: run.status, out: run.stdout.trim(), err: run.stderr.trim() }
}

describePostgres('npm run migrate on PostgreSQL', () => {
  const schema = testSchema()
  afterAll(() => dropSchema(schema))
  const url = `${PG_TEST_URL}?search_path=${schema}`

  // Each run starts Node with tsx: seconds on a busy machine.
  it('migrates with PRECIS_MASTER_KEY, and says in one line that it needs one', { timeout: 60_000 }, () => {
    expect(migrate({ DATABASE_URL: url, PRECIS_MASTER_KEY: TEST_MASTER_KEY })).toEqual({
      code: 0,
      out: `migrated ${url}`,
      err: '',
    })
    const without = migrate({ DATABASE_URL: url })
    expect(without.code).toBe(1)
    expect(without.err).toMatch(/^invalid environment: PRECIS_MASTER_KEY is required with PostgreSQL[^\n]*$/)
  })
})
