import { expect, it } from 'vitest'
import { describeConsentStatsContract } from '../../../test/contracts/consent-stats.contract.ts'
import { describePersonalizationContract } from '../../../test/contracts/personalization.contract.ts'
import { makeRow } from '../../../test/contracts/store.contract.ts'
import {
  describePostgres,
  dropSchema,
  openTestPostgresStore,
  PG_TEST_URL,
  testSchema,
} from '../../../test/support/postgres.ts'
import { SEGMENT_VISITORS_SQL, SLOT_COUNTS_SQL, SLOT_LATE_SQL, SLOT_PEOPLE_SQL } from './personalization.ts'
import { connect } from './schema.ts'

/** A store in a schema of its own, with a second connection to that schema for raw SQL. */
const openWithConnection = async () => {
  const schema = testSchema()
  const store = await openTestPostgresStore({ schema })
  const sql = connect(PG_TEST_URL, { schema, max: 1 })
  return {
    store,
    sql,
    close: async () => {
      await sql.end()
      await store.close()
      await dropSchema(schema)
    },
  }
}

describePostgres('PostgreSQL personalization reads', () => {
  describePersonalizationContract('PostgreSQL', (options) => openTestPostgresStore(options))

  describeConsentStatsContract(
    'PostgreSQL',
    () => openTestPostgresStore(),
    async () => {
      const { store, sql, close } = await openWithConnection()
      return {
        store: { ...store, close },
        setPurposes: async (consentId, text) => {
          await sql`UPDATE consent_records SET purposes = ${text}
            WHERE site = 'demo' AND consent_id = ${consentId}`
        },
      }
    },
  )

  it('reads slot events through the partial index, and segments through the arrival index', async () => {
    const { store, sql, close } = await openWithConnection()
    try {
      // Enough other events that reading them all would cost more than the indexes.
      const T = 1_700_000_000_000
      await store.insertEvents(
        Array.from({ length: 2000 }, (_, i) =>
          makeRow({
            messageId: `e${i}`,
            name: i % 100 ? 'Product Viewed' : 'Slot Viewed',
            anonymousId: `a${i % 50}`,
            receivedAt: T + i,
            payload: JSON.stringify({ properties: { slot: `s${i % 7}`, variant: 'v' } }),
          }),
        ),
      )
      await sql`ANALYZE events`
      const plan = async (text: string, params: unknown[]) =>
        (await sql.unsafe<{ 'QUERY PLAN': string }[]>(`EXPLAIN ${text}`, params as never[]))
          .map((r) => r['QUERY PLAN'])
          .join('\n')
      // The planner names each partition's copy of events_slot after its columns.
      const slotIndexes = (
        await sql<{ name: string }[]>`SELECT c.relname AS name FROM pg_inherits i
          JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'events_slot'::regclass`
      ).map((r) => r.name)
      expect(slotIndexes.length).toBeGreaterThan(0)
      const usesSlotIndex = (text: string) => slotIndexes.some((name) => text.includes(name))
      const counts = await plan(SLOT_COUNTS_SQL, ['demo', 's1'])
      expect(usesSlotIndex(counts), counts).toBe(true)
      const late = await plan(SLOT_LATE_SQL, ['demo', 's1'])
      expect(usesSlotIndex(late), late).toBe(true)
      const people = await plan(SLOT_PEOPLE_SQL, ['demo', 's1', 'Order Completed'])
      expect(usesSlotIndex(people), people).toBe(true)
      const segments = await plan(SEGMENT_VISITORS_SQL, ['demo', T + 1990])
      expect(segments).toMatch(/events_\w+_site_received_at_seq_idx/)
    } finally {
      await close()
    }
  })
})
