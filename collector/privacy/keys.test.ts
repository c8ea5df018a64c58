import { expect, it } from 'vitest'
import { MASTER_A, MASTER_B } from '../../test/contracts/keys.contract.ts'
import { keyAad, newDataKey, wrapKey } from './crypto.ts'
import { type KeyRow, type KeyRows, keyStore } from './keys.ts'

it('stops a rotation that another rotation to a third master keeps undoing, instead of looping', async () => {
  const key = newDataKey()
  const row: KeyRow = {
    site: 'demo',
    subject: 's1',
    id: key.id,
    masterId: MASTER_A.id,
    wrapped: wrapKey(MASTER_A, key.key, keyAad('demo', 's1', key.id)).bytes,
  }
  // Every re-wrap loses its race: the row is always back, never under the new master.
  let pages = 0
  const racing: KeyRows = {
    bySubject: async () => [],
    byId: async () => [],
    insertAbsent: async () => {},
    delete: async () => 0,
    notUnder: async () => {
      pages++
      return [row]
    },
    replace: async () => 0,
    scrub: async () => {},
    close: async () => {},
  }
  const store = keyStore(racing, { master: MASTER_B, previous: [MASTER_A] })
  await expect(store.rewrap(MASTER_B)).rejects.toThrow(/another rotation to another master is running/)
  expect(pages).toBe(2)
})
