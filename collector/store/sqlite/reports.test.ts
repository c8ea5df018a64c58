import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import { afterAll, expect, it } from 'vitest'
import { describeReportsContract } from '../../../test/contracts/reports.contract.ts'
import {
  DAY,
  HOUR,
  hoursOf,
  identify,
  pageView,
  paidClickEvents,
  rowsOf,
  SITE,
  sorted,
  sortedHours,
  sortedVisits,
  T,
} from '../../../test/support/report-events.ts'
import { REPORT_FIELDS } from '../../reports/report-row.ts'
import { summaryOf, visitsOf } from '../../reports/visits.ts'
import { DEVICE_PEOPLE_SQL, DEVICES_VISITS_SQL, hitsSql, PEOPLE_DEVICES_SQL } from './report-hits.ts'
import { REPORT_HOURS_MIGRATION } from './report-hours.ts'
import {
  eachVisitStart,
  eachVisitStartOf,
  REPORT_SESSIONS_SQL,
  REPORT_VISIT_CLICKS_MIGRATION,
  REPORT_VISITS_MIGRATION,
  VISIT_STARTS_SQL,
} from './reports.ts'
import { MIGRATIONS, openSqliteStore } from './store.ts'

/** Every database of this file lives below one directory, removed at the end. */
const root = mkdtempSync(join(tmpdir(), 'precis-reports-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
const newPath = () => join(mkdtempSync(join(root, 'db-')), 'db.sqlite')

describeReportsContract('SQLite', async () => openSqliteStore(newPath()))
describeReportsContract('SQLite (:memory:)', async () => openSqliteStore(':memory:'))

it('derives the rows of events stored before the reports migration', async () => {
  const path = newPath()
  const db = new Database(path)
  const before = MIGRATIONS.length - 1
  for (const sql of MIGRATIONS.slice(0, before)) db.exec(sql)
  db.pragma(`user_version = ${before}`)
  const events = [pageView('a1', T), pageView('a2', T + 1)]
  const insert = db.prepare(
    `INSERT INTO events (site, message_id, type, name, user_id, anonymous_id, timestamp, received_at, payload)
     VALUES (@site, @messageId, @type, @name, @userId, @anonymousId, @timestamp, @receivedAt, @payload)`,
  )
  for (const e of events) insert.run(e)
  db.close()
  const store = openSqliteStore(path)
  try {
    expect(await store.syncReports()).toBe(2)
    expect(sorted(await store.reportSessions(SITE, { from: 0, to: 2 * T }))).toEqual(sorted(rowsOf(events)))
  } finally {
    await store.close()
  }
})

it('brings the report rows up to date in the background at most every reportsSyncMs, by the clock it is given', async () => {
  const store = openSqliteStore(newPath(), { reportsSyncMs: 60_000 })
  try {
    const derived = async () => (await store.reportSessions(SITE, { from: 0, to: 2 * T })).length
    await store.insertEvents([pageView('a1', T)])
    await store.resolveIdentities({}, 1_000) // the first resolution syncs
    expect(await derived()).toBe(1)
    await store.insertEvents([pageView('a2', T + 1)])
    await store.resolveIdentities({}, 60_999)
    expect(await derived()).toBe(1)
    await store.resolveIdentities({}, 61_000)
    expect(await derived()).toBe(2)
  } finally {
    await store.close()
  }
})

it('finishes the resolution under way, its syncs included, before it closes, and starts none after', async () => {
  const store = openSqliteStore(newPath())
  // Over one sync step (2,000 events): the sync yields between steps, where close() comes in.
  await store.insertEvents(Array.from({ length: 3_000 }, (_, i) => pageView(`a${i % 50}`, T + i)))
  const running = store.resolveIdentities({}, 1_000)
  await store.close()
  await expect(running).resolves.toBe(3_000)
  await expect(store.resolveIdentities({}, 2_000)).resolves.toBe(0)
})

it('answers the columns in the order the rows are read in', () => {
  const db = new Database(':memory:')
  for (const sql of MIGRATIONS) db.exec(sql)
  const names = db
    .prepare(REPORT_SESSIONS_SQL)
    .columns()
    .map((c) => c.name)
  db.close()
  expect(names).toEqual([...REPORT_FIELDS])
})

it('finds the window and the sessions through their indexes', () => {
  const db = new Database(':memory:')
  for (const sql of MIGRATIONS) db.exec(sql)
  const plan = db
    .prepare<{ site: string; from: number; to: number }, { detail: string }>(
      `EXPLAIN QUERY PLAN ${REPORT_SESSIONS_SQL}`,
    )
    .all({ site: SITE, from: 0, to: 1 })
    .map((r) => r.detail)
    .join('\n')
  db.close()
  expect(plan).toMatch(/COVERING INDEX report_rows_at/)
  expect(plan).toMatch(/INDEX report_rows_session/)
  expect(plan).not.toMatch(/SCAN r\b/)
})

it("reads a funnel's or a goal's rows and the people's visits through their indexes, never a scan", () => {
  const db = new Database(':memory:')
  for (const sql of MIGRATIONS) db.exec(sql)
  const planOf = (sql: string, params: Record<string, unknown>) =>
    db
      .prepare<Record<string, unknown>, { detail: string }>(`EXPLAIN QUERY PLAN ${sql}`)
      .all(params)
      .map((r) => r.detail)
      .join('\n')
  const params = { site: SITE, from: 0, to: 1, exact: '[]', events: '[]', p0: '/a*', p1: '/b*', limit: 1 }
  for (const visits of [false, true]) {
    const plan = planOf(hitsSql({ exact: true, patterns: 2, nullPath: true, events: true, visits }), params)
    expect(plan).toMatch(/COVERING INDEX report_rows_page_hits \(site=\? AND path=\? AND at>\? AND at<\?\)/)
    expect(plan).toMatch(/COVERING INDEX report_rows_page_hits \(site=\? AND path>\? AND path<\?\)/) // a pattern's prefix
    expect(plan).toMatch(/COVERING INDEX report_rows_event_hits \(site=\? AND name=\? AND at>\? AND at<\?\)/)
    expect(plan).not.toMatch(/SCAN (r|v|i)\b/)
    // Every hit read from its index alone: no look-up of its row.
    expect(plan).not.toMatch(/SEARCH r USING INDEX/)
  }
  // Retention's visit starts: the session index alone (it holds the start), in device order.
  const starts = planOf(VISIT_STARTS_SQL, { site: SITE, from: 0, to: 1, after: '', limit: 1 })
  expect(starts).toMatch(/COVERING INDEX report_visits_session \(site=\? AND device>\?\)/)
  expect(starts).toMatch(/SEARCH i USING PRIMARY KEY/)
  // Attribution's people: their devices by the profile index, then the devices' visits and people
  // by device, each list read outside.
  const devices = planOf(PEOPLE_DEVICES_SQL, { site: SITE, people: '[]' })
  expect(devices).toMatch(/INDEX identifiers_profile \(site=\? AND profile_id=\?/)
  const visits = planOf(DEVICES_VISITS_SQL, { site: SITE, from: 0, to: 1, devices: '[]' })
  expect(visits).toMatch(/SCAN d VIRTUAL TABLE[\s\S]*INDEX report_visits_session \(site=\? AND device=\?\)/)
  const people = planOf(DEVICE_PEOPLE_SQL, { site: SITE, devices: '[]' })
  expect(people).toMatch(/SCAN json_each[\s\S]*SEARCH i USING PRIMARY KEY/)
  for (const plan of [devices, visits, people]) expect(plan).not.toMatch(/SCAN (v|i)\b/)
  db.close()
})

it("reads retention's visit starts a chunk of devices at a time, each once, ids that are prefixes of others too", async () => {
  const path = newPath()
  const store = openSqliteStore(path)
  // 'a' is a prefix of 'a\u0001' and 'ab': a chunk that ends at one must not skip or repeat the next.
  const devices = ['a', 'a\u0001', 'ab', 'b', 'c', 'é']
  await store.insertEvents([
    ...devices.flatMap((device, d) => [
      pageView(device, T + d, { session: 's1' }),
      pageView(device, T + DAY + d, { session: 's2' }),
    ]),
    identify('ab', 'user-1', T + 10),
    identify('c', 'user-1', T + 11),
  ])
  await store.resolveIdentities({}, T + 2 * DAY)
  await store.syncReports()
  const pairs = (visits: { person: string; start: number }[]) =>
    visits.map(({ person, start }) => `${start} ${person}`).sort()
  const expected = pairs(await store.reportVisits(SITE, { from: 0, to: 3 * T }))
  expect(expected).toHaveLength(12)
  await store.close()
  const db = new Database(path, { readonly: true })
  const statement = db
    .prepare<Record<string, unknown>, [string | null, number, string | null]>(VISIT_STARTS_SQL)
    .raw(true)
  try {
    for (const limit of [1, 2, 5, 6, 100]) {
      const read: { person: string; start: number }[] = []
      eachVisitStartOf(
        (after, n) => statement.get({ site: SITE, from: 0, to: 3 * T, after, limit: n })!,
        (person, start) => read.push({ person, start }),
        limit,
      )
      expect(pairs(read), `chunks of ${limit}`).toEqual(expected)
    }
  } finally {
    db.close()
  }
})

it("parses a chunk's text: people, then their starts, negative ones too", () => {
  const read: string[] = []
  eachVisitStart('p1\u00001,22,-3\u0000p2\u0000456', (person, start) => read.push(`${person} ${start}`))
  expect(read).toEqual(['p1 1', 'p1 22', 'p1 -3', 'p2 456'])
})

it('summarizes the visits of the rows derived before the visits migration', async () => {
  const path = newPath()
  const events = [pageView('a1', T), pageView('a1', T + 1), pageView('a2', T + 2)]
  const store = openSqliteStore(path)
  await store.insertEvents(events)
  expect(await store.syncReports()).toBe(3)
  await store.close()
  // As a database of the release before: rows derived, no summaries.
  const db = new Database(path)

  db.exec(`DROP TABLE report_visits; DROP TABLE report_visit_queue; DROP TABLE report_hours;
    DROP TABLE report_hour_queue; DROP TRIGGER report_row_added; DROP TRIGGER report_row_deleted;
    DROP TRIGGER report_person_added; DROP TRIGGER report_person_moved; DROP TRIGGER report_person_removed`)
  db.pragma(`user_version = ${MIGRATIONS.indexOf(REPORT_VISITS_MIGRATION)}`)
  db.close()
  const upgraded = openSqliteStore(path)
  try {
    expect(await upgraded.syncReports()).toBe(0) // no row derived again
    const visits = await upgraded.reportVisits(SITE, { from: 0, to: 2 * T })
    const expected = visitsOf(rowsOf(events)).map(summaryOf)
    expect(sortedVisits(visits)).toEqual(sortedVisits(expected))
    // And the hours of those visits.
    expect(sortedHours(await upgraded.reportHours(SITE, { from: 0, to: 2 * T }))).toEqual(
      sortedHours(hoursOf(expected)),
    )
  } finally {
    await upgraded.close()
  }
})

it('adds up the hours of the visits summarized before the hours migration', async () => {
  const path = newPath()
  const events = [pageView('a1', T), pageView('a1', T + 1), pageView('a2', T + 2 * HOUR)]
  const store = openSqliteStore(path)
  await store.insertEvents(events)
  await store.syncReports()
  await store.close()
  // As a database of the release before: summaries, no hours.
  const db = new Database(path)
  db.exec('DROP TABLE report_hours; DROP TABLE report_hour_queue')
  for (const t of [
    'visit_added',
    'visit_changed',
    'visit_deleted',
    'person_added',
    'person_moved',
    'person_removed',
  ])
    db.exec(`DROP TRIGGER report_${t}`)
  db.exec('ALTER TABLE report_visits DROP COLUMN click_id')
  db.pragma(`user_version = ${MIGRATIONS.indexOf(REPORT_HOURS_MIGRATION)}`)
  db.close()
  const upgraded = openSqliteStore(path)
  try {
    await upgraded.syncReports()
    const hours = await upgraded.reportHours(SITE, { from: 0, to: 2 * T })
    expect(hours.map((h) => h.visits)).toEqual([1, 1])
    expect(sortedHours(hours)).toEqual(sortedHours(hoursOf(visitsOf(rowsOf(events)).map(summaryOf))))
  } finally {
    await upgraded.close()
  }
})

it('marks the paid clicks of the visits summarized before the summaries kept one', async () => {
  const path = newPath()
  const events = paidClickEvents()
  const store = openSqliteStore(path)
  await store.insertEvents(events)
  await store.syncReports()
  await store.close()
  // As a database of the release before: summaries without a click.
  const db = new Database(path)
  db.exec('ALTER TABLE report_visits DROP COLUMN click_id')
  db.pragma(`user_version = ${MIGRATIONS.indexOf(REPORT_VISIT_CLICKS_MIGRATION)}`)
  db.close()
  const upgraded = openSqliteStore(path)
  try {
    await upgraded.syncReports()
    const visits = sortedVisits(await upgraded.reportVisits(SITE, { from: 0, to: 2 * T }))
    expect(visits.map((v) => [v.device, v.clickId])).toEqual([
      ['a1', true],
      ['a2', false],
    ])
    expect(visits).toEqual(sortedVisits(visitsOf(rowsOf(events)).map(summaryOf)))
  } finally {
    await upgraded.close()
  }
})

it('makes an hour when a report reads it, and one an erasure touched at the next sync, read or not', async () => {
  const path = newPath()
  const store = openSqliteStore(path)
  const db = new Database(path, { readonly: true })
  try {
    await store.insertEvents([pageView('a1', T), identify('a1', 'u-ada', T), pageView('b1', T + 2 * HOUR)])
    await store.syncReports()
    await store.resolveIdentities({}, T + DAY)
    await store.syncReports()
    const stored = () => db.prepare('SELECT hour FROM report_hours ORDER BY hour').pluck().all()
    const queued = () => db.prepare('SELECT hour, erased FROM report_hour_queue ORDER BY hour').all()
    // The sync leaves them to the first read: a busy site's current hour changes with every sync.
    expect(stored()).toEqual([])
    expect(queued()).toEqual([
      { hour: T, erased: 0 },
      { hour: T + 2 * HOUR, erased: 0 },
    ])
    expect((await store.reportHours(SITE, { from: 0, to: 2 * T })).map((h) => h.visits)).toEqual([1, 1])
    expect(stored()).toEqual([T, T + 2 * HOUR])
    expect(queued()).toEqual([])
    // Ada's hour is made again by the next sync, before anyone reads it: no trace of her stays.
    await store.eraseProfile(SITE, 'u-ada', T + DAY)
    expect(queued()).toEqual([{ hour: T, erased: 1 }])
    await store.syncReports()
    expect(stored()).toEqual([T + 2 * HOUR])
    expect(queued()).toEqual([])
  } finally {
    db.close()
    await store.close()
  }
})
