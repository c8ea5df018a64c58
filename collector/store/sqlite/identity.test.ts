import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { describeIdentityContract, linkRow } from '../../../test/contracts/identity.contract.ts'
import { describePeopleContract } from '../../../test/contracts/people.contract.ts'
import { openSqliteStore } from './store.ts'

const NOW = Date.parse('2026-11-23T12:00:00Z')

describeIdentityContract('SQLite', async () => openSqliteStore(':memory:'))
describePeopleContract('SQLite', async () => openSqliteStore(':memory:'))

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

it('leaves no erased identifier or trait readable in the database file or its WAL', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'precis-erase-')), 'precis.db')
  const store = openSqliteStore(path)
  const secrets = [
    'user-erase-me-42',
    'anon-erase-me-1',
    'anon-erase-me-2',
    'erase.me@example.com',
    'Eraséd Name',
    '+44 7700 900987',
  ]
  await store.insertEvents([
    linkRow({
      a: 'anon-erase-me-1',
      u: 'user-erase-me-42',
      traits: { email: 'erase.me@example.com', name: 'Eraséd Name', phone: '+44 7700 900987' },
    }),
    linkRow({ a: 'anon-erase-me-2', u: 'user-erase-me-42' }),
    ...Array.from({ length: 50 }, () => linkRow({ type: 'track', a: 'anon-erase-me-2', revenue: 5 })),
    linkRow({ type: 'track', a: 'someone-else' }),
  ])
  await store.resolveIdentities({}, NOW)
  expect(await store.findProfile('demo', 'user-erase-me-42', NOW)).toBeDefined()
  await store.eraseProfile('demo', 'user-erase-me-42', NOW)
  // An event from an erased id after the erasure is dropped, and leaves nothing behind either.
  await store.insertEvents([linkRow({ type: 'track', a: 'anon-erase-me-1' })])
  await store.resolveIdentities({}, NOW)
  // Read while the collector runs (its WAL is live), and again after a clean stop.
  const readable = () => {
    const bytes = Buffer.concat(
      [path, `${path}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f)),
    )
    return secrets.filter((secret) => bytes.includes(Buffer.from(secret)))
  }
  expect(readable()).toEqual([])
  await store.close()
  expect(readable()).toEqual([])
})
