import { expect, it } from 'vitest'
import { describeExperimentGoalsContract } from '../../../test/contracts/experiment-goals.contract.ts'
import { describeExperimentsContract } from '../../../test/contracts/experiments.contract.ts'
import {
  CONVERSION,
  identify,
  NEEDS,
  order,
  sync,
  T,
  viewed,
} from '../../../test/contracts/experiments-fixtures.ts'
import {
  describePostgres,
  dropSchema,
  openTestPostgresStore,
  PG_TEST_URL,
  testSchema,
} from '../../../test/support/postgres.ts'
import {
  CAPPED_COVARIATES_SQL,
  CAPPED_METRIC_SQL,
  COVARIATES_SQL,
  LATE_SQL,
  METRIC_SQL,
  PEOPLE_SQL,
  SIZES_SQL,
} from './experiments.ts'
import { connect } from './schema.ts'
import { openPostgresStore } from './store.ts'

const DAY = 86_400_000
const D0 = Math.floor(T / DAY)
const H0 = Math.floor(T / 3_600_000)

describePostgres('PostgreSQL experiments', () => {
  describeExperimentsContract('PostgreSQL', () => openTestPostgresStore())
  describeExperimentGoalsContract('PostgreSQL', () => openTestPostgresStore())

  it('reads exposures and metric events through indexes, never a scan of a table', async () => {
    const schema = testSchema()
    const store = await openTestPostgresStore({ schema })
    const sql = connect(PG_TEST_URL, { schema, max: 1 })
    try {
      await store.insertEvents([viewed('a1', 'treat', T), order({ anonymousId: 'a1' }, T + 1, 5)])
      const plan = (text: string, params: unknown[]) =>
        sql.begin(async (tx) => {
          // A table this small is read fastest whole: ask whether an index can serve, not which wins.
          await tx`SET LOCAL enable_seqscan = off`
          const rows = await tx.unsafe(`EXPLAIN ${text}`, params as never[])
          return rows.map((r) => r['QUERY PLAN'] as string).join('\n')
        })
      const people = await plan(PEOPLE_SQL, ['demo', 'x', 0])
      const metric = await plan(METRIC_SQL, ['demo', 'x', 0, 'Order Completed', 'revenue'])
      const sizes = await plan(SIZES_SQL, ['demo'])
      const covariates = await plan(COVARIATES_SQL, ['demo', 'x', 0, 'Order Completed', 'revenue'])
      const capped = ['demo', 'x', 0, 'Order Completed', 'revenue', 0.99]
      const cappedMetric = await plan(CAPPED_METRIC_SQL, capped)
      const cappedCovariates = await plan(CAPPED_COVARIATES_SQL, capped)
      for (const text of [people, metric, sizes, covariates, cappedMetric, cappedCovariates]) {
        expect(text).toMatch(/Index.* (using|on) experiment_exposures_read/)
        expect(text).not.toMatch(/Seq Scan on (events|experiment_exposures)/)
      }
      // events_track_name, as each partition names it.
      for (const text of [metric, covariates, cappedMetric, cappedCovariates])
        expect(text).toMatch(/Index.* (using|on) events_\d+m\d+_site_name_timestamp_idx/)
      const late = await plan(LATE_SQL, ['demo', 'x', 0])
      expect(late).toMatch(/Index.* (using|on) events_\d+m\d+_site_name_timestamp_idx/)
      expect(late).not.toMatch(/Seq Scan on events/)
    } finally {
      await sql.end()
      await store.close()
      await dropSchema(schema)
    }
  })

  it('passes over an exposure whose payload is not JSON', async () => {
    const store = await openTestPostgresStore()
    try {
      await store.insertEvents([
        viewed('a1', 'treat', T),
        { ...viewed('a2', 'control', T), payload: 'not JSON' },
      ])
      await sync(store)
      expect(await store.experimentPeople('demo', 'x', 0)).toEqual([
        { variation: 'treat', day: D0, hour: H0, users: 1 },
      ])
    } finally {
      await store.close()
    }
  })

  it("forgets exposures of a month retention dropped whole, also once the month's partition is back", async () => {
    const store = await openTestPostgresStore()
    try {
      const october = Date.parse('2026-10-10T10:00:00Z')
      await store.insertEvents([viewed('a1', 'control', october), viewed('a2', 'treat', T)])
      await sync(store)
      expect(await store.experimentSizes('demo')).toEqual([
        { experiment: 'x', bucketVersion: 0, variation: 'control', users: 1 },
        { experiment: 'x', bucketVersion: 0, variation: 'treat', users: 1 },
      ])
      expect(await store.deleteEventsBefore('demo', Date.parse('2026-11-01T00:00:00Z'))).toBe(1)
      // Read before and after a sync has deleted the dropped month's exposure rows.
      expect(await store.experimentPeople('demo', 'x', 0)).toEqual([
        { variation: 'treat', day: D0, hour: H0, users: 1 },
      ])
      // An October event sent late makes the month again: its old exposure stays gone.
      await store.insertEvents([viewed('a3', 'treat', october + 1)])
      await sync(store)
      expect(await store.experimentSizes('demo')).toEqual([
        { experiment: 'x', bucketVersion: 0, variation: 'treat', users: 2 },
      ])
    } finally {
      await store.close()
    }
  })

  it('counts what two collectors store and resolve at once, whatever order their rows commit in', async () => {
    const schema = testSchema()
    const [a, b] = await Promise.all([
      openTestPostgresStore({ schema }),
      openPostgresStore(PG_TEST_URL, { schema, max: 4 }),
    ])
    try {
      await a.prepareExperiments('demo', NEEDS)
      // 60 people: exposed on one device, logged in on another, ordering from the second.
      const person = (i: number) => [
        viewed(`p${i}`, i % 3 ? 'treat' : 'control', T + i),
        identify(`p${i}`, `u${i}`, T + DAY),
        identify(`q${i}`, `u${i}`, T + DAY),
        order({ anonymousId: `q${i}` }, T + 2 * DAY, i),
      ]
      await Promise.all(
        Array.from({ length: 60 }, async (_, i) => {
          const store = i % 2 ? a : b
          await store.insertEvents(person(i))
          await store.resolveIdentities({}, T)
        }),
      )
      await Promise.all([sync(a), sync(b)])
      for (const store of [a, b]) {
        expect(await store.experimentPeople('demo', 'x', 0)).toEqual([
          { variation: 'control', day: D0, hour: H0, users: 20 },
          { variation: 'treat', day: D0, hour: H0, users: 40 },
        ])
        expect(await store.experimentMetric('demo', 'x', 0, CONVERSION)).toEqual([
          { variation: 'control', day: D0 + 2, hour: H0 + 48, users: 20, sum: 20, sumSquares: 20 },
          { variation: 'treat', day: D0 + 2, hour: H0 + 48, users: 40, sum: 40, sumSquares: 40 },
        ])
      }
    } finally {
      await Promise.all([a.close(), b.close()])
      await dropSchema(schema)
    }
  })
})
