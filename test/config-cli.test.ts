// `npm run config -- check` as a site owner's pipeline runs it: the exit code says valid or not,
// and every problem comes with its path.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ROOT, startCollector, TEST_MASTER_KEY } from './support/collector-process.ts'

const dir = mkdtempSync(join(tmpdir(), 'precis-config-cli-'))
const USAGE = 'usage: npm run config -- check <file> | export [--site <id>] | import <file> [--note <text>]'
const DEMO_FILE = join(ROOT, 'precis.config.json')
const demoFile = () => JSON.parse(readFileSync(DEMO_FILE, 'utf8'))

const config = (...args: string[]) => configOn(undefined, ...args)

const configOn = (databaseUrl: string | undefined, ...args: string[]) => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'collector/cli/config.ts', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: {
      ...process.env,
      ...(databaseUrl ? { DATABASE_URL: databaseUrl, PRECIS_MASTER_KEY: TEST_MASTER_KEY } : {}),
    },
  })
  return { code: run.status, out: run.stdout.trim(), err: run.stderr.trim() }
}

// Each case starts Node with tsx: seconds on a busy machine.
describe('npm run config -- check', { timeout: 60_000 }, () => {
  it('passes the demo config', () => {
    expect(config('check', join(ROOT, 'precis.config.json'))).toEqual({
      code: 0,
      out: `${join(ROOT, 'precis.config.json')} is valid: 1 site (demo)`,
      err: '',
    })
  })

  it('fails an invalid config with every problem and its path', () => {
    const file = join(dir, 'bad.json')
    writeFileSync(
      file,
      JSON.stringify({
        sites: [
          { id: 'a', writeKey: 'short' },
          { id: 'b', writeKey: 'long-enough-key', experiments: [{ key: 'e' }] },
        ],
      }),
    )
    const { code, out, err } = config('check', file)
    expect({ code, out }).toEqual({ code: 1, out: '' })
    expect(err.split('\n')).toEqual([
      `site config ${file} is invalid:`,
      '  - sites[0].writeKey: must be at least 8 characters',
      '  - sites[1].experiments[0].variations: Invalid input: expected array, received undefined',
      '  - sites[1].experiments[0].goals: Invalid input: expected array, received undefined',
    ])
  })

  it('fails a file that is missing or not JSON, and a call without a file', () => {
    expect(config('check', join(dir, 'missing.json'))).toMatchObject({
      code: 1,
      err: expect.stringMatching(/^cannot read site config .*missing\.json: ENOENT[^()]*$/),
    })
    writeFileSync(join(dir, 'broken.json'), '{"sites": [')
    expect(config('check', join(dir, 'broken.json'))).toMatchObject({
      code: 1,
      err: expect.stringMatching(/is not valid JSON/),
    })
    expect(config('check')).toEqual({ code: 2, out: '', err: USAGE })
    expect(config('export', '--sight', 'demo')).toEqual({ code: 2, out: '', err: USAGE })
  })
})

describe('npm run config -- export and import', { timeout: 120_000 }, () => {
  const database = () => `sqlite:${join(mkdtempSync(join(dir, 'db-')), 'precis.db')}`

  it('round trip: what is imported is exported as it was; importing it again changes nothing', () => {
    const db = database()
    expect(configOn(db, 'import', DEMO_FILE)).toEqual({
      code: 0,
      out: `site demo: version 1 saved from ${DEMO_FILE}`,
      err: '',
    })
    const exported = configOn(db, 'export')
    expect(exported.code).toBe(0)
    expect(JSON.parse(exported.out)).toEqual(demoFile())
    // Key order and all: the file as written, not as validated (no defaults filled in).
    expect(JSON.stringify(JSON.parse(exported.out))).toBe(JSON.stringify(demoFile()))
    const again = join(dir, 'exported.json')
    writeFileSync(again, exported.out)
    expect(configOn(db, 'import', again)).toMatchObject({
      code: 0,
      out: `nothing to import: every site in ${again} is as the database holds it`,
    })
    expect(JSON.parse(configOn(db, 'export', '--site', 'demo').out)).toEqual(demoFile())
    expect(configOn(db, 'export', '--site', 'nope')).toMatchObject({
      code: 1,
      err: 'no site nope in the database',
    })
  })

  it('goals travel in an export and an import as written; an invalid goal is refused with its path', () => {
    const db = database()
    // The demo's own goals stay: its journeys name them.
    const goals = {
      ...demoFile().sites[0].goals,
      order: { name: 'Order', event: 'Order Completed', where: { currency: 'EUR' }, revenue: 'revenue' },
      thanks: { page: '/thank-you/*' },
    }
    const withGoals = { sites: [{ ...demoFile().sites[0], goals }] }
    const file = join(dir, 'goals.json')
    writeFileSync(file, JSON.stringify(withGoals))
    expect(configOn(db, 'import', file).code).toBe(0)
    expect(JSON.parse(configOn(db, 'export').out)).toEqual(withGoals)
    writeFileSync(
      file,
      JSON.stringify({ sites: [{ ...withGoals.sites[0], goals: { ...goals, thanks: { page: 'x' } } }] }),
    )
    expect(configOn(db, 'import', file)).toMatchObject({
      code: 1,
      err: expect.stringContaining('  - sites[0].goals.thanks.page: must be a path starting with "/"'),
    })
  })

  it('an invalid import changes nothing, not even the sites of the file that were valid', () => {
    const db = database()
    configOn(db, 'import', DEMO_FILE)
    const before = configOn(db, 'export').out
    const file = join(dir, 'half-valid.json')
    const demo = { ...demoFile().sites[0], name: 'Renamed' }
    writeFileSync(file, JSON.stringify({ sites: [demo, { id: 'shop', writeKey: 'short' }] }))
    const { code, err } = configOn(db, 'import', file, '--note', 'two sites')
    expect({ code, err: err.split('\n')[1] }).toEqual({
      code: 1,
      err: '  - sites[1].writeKey: must be at least 8 characters',
    })
    // Valid alone, but its write key is another site's: checked with the sites the database holds.
    writeFileSync(file, JSON.stringify({ sites: [{ id: 'shop', writeKey: demo.writeKey }] }))
    expect(configOn(db, 'import', file)).toMatchObject({
      code: 1,
      err: expect.stringMatching(/duplicate writeKey/),
    })
    expect(configOn(db, 'export').out).toBe(before)
  })

  it('a running collector serves an import without a restart, with a new ETag', async () => {
    const collector = await startCollector()
    try {
      const get = () => fetch(`${collector.url}/v1/sites/demo/config`)
      const first = await get()
      const tag = first.headers.get('etag')
      expect(tag).toBe('"demo.v1"')
      expect((await get().then((r) => r.json())).consent.version).toBe(1)
      const exported = JSON.parse(configOn(`sqlite:${collector.dbPath}`, 'export').out)
      exported.sites[0].consent.version = 2
      const file = join(dir, 'consent-v2.json')
      writeFileSync(file, JSON.stringify(exported))
      expect(configOn(`sqlite:${collector.dbPath}`, 'import', file, '--note', 'policy v2').code).toBe(0)
      // The collector reads the database every second (PRECIS_CONFIG_POLL_MS).
      await expect
        .poll(async () => (await get().then((r) => r.json())).consent.version, { timeout: 10_000 })
        .toBe(2)
      expect((await get()).headers.get('etag')).toBe('"demo.v2"')
      const notModified = await fetch(`${collector.url}/v1/sites/demo/config`, {
        headers: { 'if-none-match': '"demo.v2"' },
      })
      expect(notModified.status).toBe(304)
      // A restart with the file it started from keeps the import: the file no longer overrides it.
      await collector.restart()
      expect((await get().then((r) => r.json())).consent.version).toBe(2)
    } finally {
      await collector.stop()
    }
  })
})
