import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { describePersonalizationContract } from '../../../test/contracts/personalization.contract.ts'
import { SEGMENT_VISITORS_SQL, SLOT_COUNTS_SQL, SLOT_LATE_SQL, SLOT_PEOPLE_SQL } from './personalization.ts'
import { openSqliteStore } from './store.ts'

const T = 1_700_000_000_000

describePersonalizationContract('SQLite', async (options) => openSqliteStore(':memory:', options))

describe('SQLite personalization reads', () => {
  it('reads slot events through the partial index, and people through the identity indexes', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'precis-plan-')), 'precis.db')
    openSqliteStore(path).close()
    const db = new Database(path, { readonly: true })
    const plan = (sql: string, params: unknown) =>
      (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params) as { detail: string }[])
        .map((r) => r.detail)
        .join('\n')
    const slot = { site: 'demo', slot: 'home-hero', goal: 'Order Completed' }
    expect(plan(SLOT_COUNTS_SQL, { site: 'demo', slot: 'home-hero' })).toContain('USING INDEX events_slot')
    expect(plan(SLOT_LATE_SQL, { site: 'demo', slot: 'home-hero' })).toContain('USING INDEX events_slot')
    const people = plan(SLOT_PEOPLE_SQL, slot)
    expect(people).toContain('USING INDEX events_slot')
    expect(people).toContain('USING INDEX events_site_user')
    expect(people).toContain('USING INDEX events_site_anonymous')
    expect(people).not.toMatch(/SCAN (events|e|g)\b/)
    db.close()
    const visitors = new Database(path, { readonly: true })
    expect(
      (visitors.prepare(`EXPLAIN QUERY PLAN ${SEGMENT_VISITORS_SQL}`).all('demo', T) as { detail: string }[])
        .map((r) => r.detail)
        .join('\n'),
    ).toContain('USING INDEX events_site_received')
    visitors.close()
  })
})
