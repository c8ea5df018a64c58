import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { openSqliteStore } from '../store/sqlite.ts'
import { describeIdentityContract, linkRow } from './contract.ts'

const NOW = Date.parse('2026-11-23T12:00:00Z')

describeIdentityContract('SQLite', async () => openSqliteStore(':memory:'))

it('two collectors on one database resolve batches of the same people into one profile each', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'precis-identity-')), 'precis.db')
  const [a, b] = [openSqliteStore(path), openSqliteStore(path)]
  const people = Array.from({ length: 20 }, (_, p) => p)
  const round = async (store: typeof a, device: string, identify: boolean) => {
    await Promise.all(
      people.map((p) =>
        store.insertEvents([
          ...(identify ? [linkRow({ a: `p${p}-${device}`, u: `user-${p}` })] : []),
          linkRow({ type: 'track', a: `p${p}-${device}` }),
        ]),
      ),
    )
    await store.resolveIdentities({}, NOW)
  }
  // Each collector resolves what is pending, whoever stored it, and must not work from what it
  // remembered before the other one wrote.
  await round(a, 'phone', true)
  await round(b, 'laptop', true)
  await round(a, 'phone', false)
  await Promise.all([round(a, 'phone', false), round(b, 'laptop', false)])
  for (const p of people) {
    const [phone, laptop] = await Promise.all([
      a.findProfile('demo', `p${p}-phone`, NOW),
      b.findProfile('demo', `p${p}-laptop`, NOW),
    ])
    expect(phone!.id).toBe(laptop!.id)
    expect(phone!.computed.frequency).toBe(7)
  }
  await Promise.all([a.close(), b.close()])
})

it('resolves on a worker thread when asked, with the same results', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'precis-identity-')), 'precis.db')
  const store = openSqliteStore(path, { resolverThread: true })
  await store.insertEvents([linkRow({ a: 'a1', u: 'u1' }), linkRow({ a: 'a2', u: 'u1' })])
  expect(await store.resolveIdentities({}, NOW)).toBe(2)
  const profile = await store.findProfile('demo', 'a2', NOW)
  expect(profile?.identifiers.map((i) => i.value).sort()).toEqual(['a1', 'a2', 'u1'])
  await store.close()
})
