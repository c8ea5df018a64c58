// A journey_entries row as both adapters read it, back into a JourneyEntry. PostgreSQL's BIGINT and
// DOUBLE columns may arrive as strings, hence the conversions (no-ops on SQLite's numbers).
import type { EntryStatus, JourneyEntry, JourneyGroup } from '../journeys/types.ts'

export interface EntryRow {
  site: string
  journey: string
  entry_id: string
  anonymous_id: string | null
  user_id: string | null
  grp: JourneyGroup
  status: EntryStatus
  entered_at: number | string
  due_at: number | string
  context: string
  done_at: number | string | null
  reason: string | null
  converted_at: number | string | null
  revenue: number | string
}

const num = (v: number | string | null) => (v === null ? null : Number(v))

export const entryOf = (r: EntryRow): JourneyEntry => ({
  site: r.site,
  journey: r.journey,
  entryId: r.entry_id,
  anonymousId: r.anonymous_id,
  userId: r.user_id,
  group: r.grp,
  status: r.status,
  enteredAt: Number(r.entered_at),
  dueAt: Number(r.due_at),
  context: r.context,
  doneAt: num(r.done_at),
  reason: r.reason,
  convertedAt: num(r.converted_at),
  revenue: Number(r.revenue),
})
