import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openSqliteStore } from '../store/sqlite/store.ts'
import type { Store } from '../store/types.ts'
import { seedConfigs } from './seed.ts'
import { ConfigError, type ConfigFile, parseConfig } from './site-config.ts'

const T = Date.parse('2026-12-05T10:00:00.000Z')
const DEMO = { id: 'demo', writeKey: 'demo-write-key', allowedOrigins: ['https://shop.example'] }
const SHOP = { id: 'shop', writeKey: 'shop-write-key' }
const AUTHOR = `file:${resolve('precis.config.json')}`

const fileOf = (...entries: Record<string, unknown>[]): ConfigFile => ({
  path: 'precis.config.json',
  entries,
  config: parseConfig({ sites: entries }),
})

describe('seedConfigs', () => {
  let path: string
  let store: Store
  let logs: string[]
  const log = (line: string) => logs.push(line)
  beforeEach(() => {
    path = join(mkdtempSync(join(tmpdir(), 'precis-seed-')), 'precis.db')
    store = openSqliteStore(path)
    logs = []
  })
  afterEach(() => store.close())

  it('saves every site of the file on first start, exactly as written', async () => {
    const current = await seedConfigs(store, fileOf(DEMO, SHOP), T, log)
    expect(current.map((v) => [v.site, v.version, v.author])).toEqual([
      ['demo', 1, AUTHOR],
      ['shop', 1, AUTHOR],
    ])
    expect(current[0]!.config).toEqual(DEMO)
    expect(logs).toEqual([
      'site demo: version 1 saved from precis.config.json (first start)',
      'site shop: version 1 saved from precis.config.json (first start)',
    ])
  })

  it('saves nothing on a restart with the same file, whatever its key order', async () => {
    await seedConfigs(store, fileOf(DEMO), T, log)
    logs = []
    const reordered = { allowedOrigins: DEMO.allowedOrigins, writeKey: DEMO.writeKey, id: 'demo' }
    const current = await seedConfigs(store, fileOf(reordered), T + 1, log)
    expect(current.map((v) => v.version)).toEqual([1])
    expect(logs).toEqual([])
  })

  it('takes a file edited by hand as the next version while only files changed the site', async () => {
    await seedConfigs(store, fileOf(DEMO), T, log)
    const edited = { ...DEMO, name: 'Demo shop' }
    const current = await seedConfigs(store, fileOf(edited), T + 1, log)
    expect(current[0]).toMatchObject({ version: 2, config: edited })
  })

  it('a file at another path does not override what one file saved', async () => {
    await seedConfigs(store, fileOf(DEMO), T, log)
    const other = { ...fileOf({ ...DEMO, name: 'Other' }), path: 'elsewhere.json' }
    expect((await seedConfigs(store, other, T + 1, log))[0]).toMatchObject({ version: 1, config: DEMO })
  })

  it('keeps a change made another way, and says the file was not applied', async () => {
    await seedConfigs(store, fileOf(DEMO), T, log)
    const fromDashboard = { ...DEMO, name: 'Renamed in the dashboard' }
    await store.saveConfigs([{ site: 'demo', expected: 1, config: fromDashboard }], {
      author: 'ada',
      at: T + 1,
    })
    // The same file again: nothing to say, the dashboard's version is served.
    logs = []
    expect((await seedConfigs(store, fileOf(DEMO), T + 2, log))[0]!.config).toEqual(fromDashboard)
    expect(logs).toEqual([])
    // The file changed too: still the dashboard's version, and a line that says how to apply the file.
    const edited = { ...DEMO, name: 'Edited in the file' }
    expect((await seedConfigs(store, fileOf(edited), T + 3, log))[0]!.config).toEqual(fromDashboard)
    expect(logs).toEqual([
      'site demo: precis.config.json differs from version 2 in the database (saved by ada), which is served; `npm run config -- import precis.config.json` applies the file',
    ])
  })

  it('adds a new site of the file beside sites only the database holds', async () => {
    await store.saveConfigs([{ site: 'shop', expected: 0, config: SHOP }], { author: 'ada', at: T })
    const current = await seedConfigs(store, fileOf(DEMO), T, log)
    expect(current.map((v) => v.site)).toEqual(['demo', 'shop'])
  })

  it('refuses a file whose keys collide with a site only the database holds, saving nothing', async () => {
    await store.saveConfigs([{ site: 'shop', expected: 0, config: SHOP }], { author: 'ada', at: T })
    const clash = { id: 'demo', writeKey: SHOP.writeKey }
    await expect(seedConfigs(store, fileOf(clash), T, log)).rejects.toThrow(/duplicate writeKey/)
    expect((await store.currentConfigs()).map((v) => v.site)).toEqual(['shop'])
  })

  it('serves the database without a file, and says what to do when both are empty', async () => {
    await expect(seedConfigs(store, undefined, T, log)).rejects.toThrow(ConfigError)
    await expect(seedConfigs(store, undefined, T, log)).rejects.toThrow(/set PRECIS_CONFIG/)
    await seedConfigs(store, fileOf(DEMO), T, log)
    expect((await seedConfigs(store, undefined, T, log)).map((v) => v.site)).toEqual(['demo'])
  })

  it('two collectors seeding one database at once save each version once', async () => {
    const other = openSqliteStore(path)
    try {
      const both = await Promise.all([
        seedConfigs(store, fileOf(DEMO, SHOP), T, log),
        seedConfigs(other, fileOf(DEMO, SHOP), T, log),
      ])
      for (const current of both)
        expect(current.map((v) => [v.site, v.version])).toEqual([
          ['demo', 1],
          ['shop', 1],
        ])
      expect(await store.configHistory('demo')).toHaveLength(1)
    } finally {
      await other.close()
    }
  })
})
