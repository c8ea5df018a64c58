// The site config version contract (config/versions.ts): every Store adapter runs it
// (store/sqlite/config.test.ts, store/postgres/config.test.ts), with a second store on the same
// database standing in for another collector process.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type SiteVersion, StaleVersion } from '../../collector/config/versions.ts'
import type { Store } from '../../collector/store/types.ts'

export interface ConfigFixture {
  store: Store
  /** Another store on the same database, as another collector would open it. */
  another(): Promise<Store>
  close(): Promise<void>
}

const T = Date.parse('2026-12-05T10:00:00.000Z')
// Keys in an order no database would sort them in: an export must give them back as written.
const DEMO = {
  writeKey: 'demo-write-key',
  id: 'demo',
  allowedOrigins: ['https://shop.example'],
  z: { b: 1, a: [2, { y: 1, x: 0 }] },
}
const SHOP = { id: 'shop', writeKey: 'shop-write-key' }
const by = (author: string, at = T, note?: string) => ({ author, at, ...(note ? { note } : {}) })

export const describeConfigContract = (name: string, open: () => Promise<ConfigFixture>) =>
  describe(`config versions contract: ${name}`, () => {
    let f: ConfigFixture
    beforeEach(async () => {
      f = await open()
    })
    afterEach(async () => {
      await f.close()
    })

    it('starts empty; a new site is version 1, kept exactly as written', async () => {
      expect(await f.store.currentConfigs()).toEqual([])
      const saved = await f.store.saveConfigs(
        [{ site: 'demo', expected: 0, config: DEMO }],
        by('precis.config.json'),
      )
      const one: SiteVersion = {
        site: 'demo',
        version: 1,
        config: DEMO,
        author: 'precis.config.json',
        createdAt: T,
        note: null,
      }
      expect(saved).toEqual([one])
      const [current] = await f.store.currentConfigs()
      expect(JSON.stringify(current!.config)).toBe(JSON.stringify(DEMO))
      expect(await f.store.configVersion('demo', 1)).toEqual(one)
      expect(await f.store.configVersion('demo', 2)).toBeUndefined()
    })

    it('each save is the next version; history newest first; every version stays readable', async () => {
      await f.store.saveConfigs([{ site: 'demo', expected: 0, config: DEMO }], by('file'))
      const changed = { ...DEMO, allowedOrigins: [] }
      await f.store.saveConfigs(
        [{ site: 'demo', expected: 1, config: changed }],
        by('ana', T + 1000, 'no origins'),
      )
      expect(await f.store.configHistory('demo')).toEqual([
        { site: 'demo', version: 2, author: 'ana', createdAt: T + 1000, note: 'no origins' },
        { site: 'demo', version: 1, author: 'file', createdAt: T, note: null },
      ])
      expect((await f.store.currentConfigs()).map((v) => [v.site, v.version, v.config])).toEqual([
        ['demo', 2, changed],
      ])
      expect((await f.store.configVersion('demo', 1))?.config).toEqual(DEMO)
    })

    it('refuses a change made from an old version, and saves nothing of a batch with one', async () => {
      await f.store.saveConfigs([{ site: 'demo', expected: 0, config: DEMO }], by('file'))
      await f.store.saveConfigs([{ site: 'demo', expected: 1, config: { ...DEMO, z: 1 } }], by('ana'))
      const stale = f.store.saveConfigs(
        [
          { site: 'shop', expected: 0, config: SHOP },
          { site: 'demo', expected: 1, config: { ...DEMO, z: 2 } },
        ],
        by('bo'),
      )
      await expect(stale).rejects.toBeInstanceOf(StaleVersion)
      await expect(stale).rejects.toMatchObject({ site: 'demo', expected: 1, current: 2 })
      expect((await f.store.currentConfigs()).map((v) => [v.site, v.version])).toEqual([['demo', 2]])
      // A "new" site that exists, and a version from the future, are stale too.
      await expect(
        f.store.saveConfigs([{ site: 'demo', expected: 0, config: DEMO }], by('bo')),
      ).rejects.toBeInstanceOf(StaleVersion)
      await expect(
        f.store.saveConfigs([{ site: 'demo', expected: 7, config: DEMO }], by('bo')),
      ).rejects.toBeInstanceOf(StaleVersion)
      expect(await f.store.configHistory('demo')).toHaveLength(2)
    })

    it('keeps sites apart, and lists each by its newest version', async () => {
      await f.store.saveConfigs(
        [
          { site: 'shop', expected: 0, config: SHOP },
          { site: 'demo', expected: 0, config: DEMO },
        ],
        by('file'),
      )
      await f.store.saveConfigs(
        [{ site: 'shop', expected: 1, config: { ...SHOP, writeKey: 'shop-key-2' } }],
        by('ana'),
      )
      expect((await f.store.currentConfigs()).map((v) => [v.site, v.version])).toEqual([
        ['demo', 1],
        ['shop', 2],
      ])
      expect(await f.store.configHistory('ghost')).toEqual([])
    })

    it('of two collectors saving from the same version at once, exactly one wins', async () => {
      const other = await f.another()
      try {
        await f.store.saveConfigs([{ site: 'demo', expected: 0, config: DEMO }], by('file'))
        for (let round = 1; round <= 5; round++) {
          const results = await Promise.allSettled([
            f.store.saveConfigs(
              [{ site: 'demo', expected: round, config: { ...DEMO, z: `a${round}` } }],
              by('a'),
            ),
            other.saveConfigs(
              [{ site: 'demo', expected: round, config: { ...DEMO, z: `b${round}` } }],
              by('b'),
            ),
          ])
          expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
          const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult
          expect(refused.reason).toBeInstanceOf(StaleVersion)
        }
        expect(await other.configHistory('demo')).toHaveLength(6)
        expect(await f.store.currentConfigs()).toEqual(await other.currentConfigs())
      } finally {
        await other.close()
      }
    })
  })
