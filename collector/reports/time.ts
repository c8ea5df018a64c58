// Calendar arithmetic in a site's time zone: reports take local dates (inclusive) and count in
// local hours, days, weeks (Monday first, ISO) and months. DST days have 23 or 25 hours; a local
// midnight that does not exist starts the day at the first instant that does. Intl only: Node
// ships the full IANA database.

export type Interval = 'hour' | 'day' | 'week' | 'month'

const HOUR = 3_600_000
const DAY = 24 * HOUR

const formatters = new Map<string, Intl.DateTimeFormat>()
const formatter = (zone: string) => {
  let f = formatters.get(zone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
    formatters.set(zone, f)
  }
  return f
}

interface Wall {
  year: number
  month: number
  day: number
  hour: number
  minute: number
  second: number
}

/** The wall-clock time at instant `at` in `zone`. */
export const wallTime = (at: number, zone: string): Wall => {
  const parts: Record<string, number> = {}
  for (const p of formatter(zone).formatToParts(at)) if (p.type !== 'literal') parts[p.type] = Number(p.value)
  return {
    year: parts.year!,
    month: parts.month!,
    day: parts.day!,
    hour: parts.hour!,
    minute: parts.minute!,
    second: parts.second!,
  }
}

/** Local time minus UTC at instant `at`, in ms. */
const offsetAt = (at: number, zone: string) => {
  const w = wallTime(at, zone)
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second)
  return asUtc - (at - (((at % 1000) + 1000) % 1000))
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0')
const isoDate = (y: number, m: number, d: number) => `${pad(y, 4)}-${pad(m)}-${pad(d)}`

/** 'YYYY-MM-DD' → [year, month, day], or undefined when it is not a real date. */
export const parseDate = (date: string): [number, number, number] | undefined => {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date)
  if (!m) return undefined
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])]
  const t = new Date(Date.UTC(y, mo - 1, d))
  return t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d
    ? [y, mo, d]
    : undefined
}

/** The date `days` after `date` (negative: before). */
export const addDays = (date: string, days: number) => {
  const [y, m, d] = parseDate(date) ?? [1970, 1, 1]
  const t = new Date(Date.UTC(y, m - 1, d) + days * DAY)
  return isoDate(t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate())
}

/** Days from `from` to `to` (dates); 0 when equal. */
export const daysBetween = (from: string, to: string) => {
  const [a, b] = [parseDate(from), parseDate(to)]
  if (!a || !b) return Number.NaN
  return Math.round((Date.UTC(b[0], b[1] - 1, b[2]) - Date.UTC(a[0], a[1] - 1, a[2])) / DAY)
}

/** The local date of instant `at`. */
export const dateOf = (at: number, zone: string) => {
  const w = wallTime(at, zone)
  return isoDate(w.year, w.month, w.day)
}

/** The first instant of local `date` in `zone` (epoch ms). */
export const startOfDate = (date: string, zone: string) => {
  const [y, m, d] = parseDate(date) ?? [1970, 1, 1]
  const wall = Date.UTC(y, m - 1, d)
  // Two steps find the offset in force at local midnight even across a DST change that day.
  const first = wall - offsetAt(wall, zone)
  const second = wall - offsetAt(first, zone)
  // Midnight skipped by a DST change: the second guess falls on the day before; the day starts at
  // the first instant whose date is `date`, found back from the first guess in quarter hours.
  let at = dateOf(second, zone) === date ? second : first
  while (dateOf(at - 1, zone) === date) at -= 15 * 60_000
  return at
}

/** The window [from, to) in epoch ms of the local dates `from` to `to`, both included. */
export const windowOf = (from: string, to: string, zone: string) => ({
  from: startOfDate(from, zone),
  to: startOfDate(addDays(to, 1), zone),
})

/** The label of the bucket holding instant `at`: 2026-03-29T02:00, 2026-03-29, 2026-03-23 (a week's Monday), 2026-03. */
export const bucketOf = (at: number, interval: Interval, zone: string) => {
  const w = wallTime(at, zone)
  const date = isoDate(w.year, w.month, w.day)
  if (interval === 'hour') return `${date}T${pad(w.hour)}:00`
  if (interval === 'day') return date
  if (interval === 'month') return date.slice(0, 7)
  const weekday = (new Date(Date.UTC(w.year, w.month - 1, w.day)).getUTCDay() + 6) % 7 // Monday 0
  return addDays(date, -weekday)
}

/** Every bucket label of the local dates `from` to `to` (inclusive), in order. */
export const bucketsOf = (from: string, to: string, interval: Interval, zone: string): string[] => {
  const labels: string[] = []
  const add = (label: string) => {
    if (labels[labels.length - 1] !== label) labels.push(label)
  }
  if (interval === 'hour') {
    const { from: start, to: end } = windowOf(from, to, zone)
    // Hours step as instants, so a DST day has 23 labels, or 24 with one hour holding two.
    for (let at = start; at < end; at += HOUR) add(bucketOf(at, 'hour', zone))
    return labels
  }
  for (let date = from; date <= to; date = addDays(date, 1))
    add(bucketOf(startOfDate(date, zone), interval, zone))
  return labels
}
