// The funnel report's question and its people: the request body (zod, with caps), and report rows
// turned into the people funnel.ts counts. Pure: the route reads rows and the clock.
//
// Which rows count (docs/api.md#funnel):
// - Only rows of visits (sessions with a page view, as every report) that pass the filters; a
//   filter keeps or drops a whole visit.
// - Step 0 counts only at an instant within the local dates from..to (the site's time zone).
//   Later steps count within `window` of the attempt's start, also after `to`; after `to`, an event
//   matching step 0 starts nothing (nor does it interrupt a strict attempt).
// - A person is the profile after identity resolution: their devices' events form one sequence.
// - The breakdown value is the dimension's value of the visit holding the person's first step-0
//   event in the period (null: that visit had none).
import { z } from 'zod'
import { type Goal, pagePattern } from '../../sdk/rules/goal-schema.ts'
import { denseIds } from './dense-ids.ts'
import { type FunnelOptions, type FunnelPerson, type FunnelStep, funnel } from './funnel.ts'
import { type Hit, hitOf, reaches } from './goals.ts'
import { reportQuery } from './query.ts'
import { breakdownOf, DIMENSIONS, type Dimension, type Filter, filterVisits, hitFilter } from './traffic.ts'
import type { HitRow, ReportRow, VisitSummary } from './types.ts'
import { sessionsOf, visitsOf } from './visits.ts'

export const MAX_STEPS = 10
/** A funnel body is small: ten steps with their conditions. */
export const FUNNEL_BODY_BYTES = 16 * 1024
const MAX_WHERE_CHARS = 2000
const MINUTE = 60_000
const UNIT_MS = { m: MINUTE, h: 60 * MINUTE, d: 1440 * MINUTE, w: 7 * 1440 * MINUTE } as const
/** The longest conversion window: rows are read up to `to` plus the window. */
export const MAX_WINDOW_MS = 90 * UNIT_MS.d

/** `30m`, `1h`, `1d`, `7d`, `2w` → milliseconds; undefined when not such a duration. */
export const windowMs = (text: string): number | undefined => {
  const m = /^([1-9][0-9]{0,4})([mhdw])$/.exec(text)
  return m ? Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS] : undefined
}

/** A step: the shape of a goal (sdk/rules/goal-schema.ts), an event with a condition or a page. */
const stepSchema = z
  .strictObject({
    /** Shown in the answer and the dashboard; default: the event name or the page pattern. */
    name: z.string().min(1).max(200).optional(),
    event: z.string().min(1).max(200).optional(),
    /** Only events whose properties match (GrowthBook's condition syntax, as goals). */
    where: z
      .record(z.string(), z.unknown())
      .refine((w) => JSON.stringify(w).length <= MAX_WHERE_CHARS, `is at most ${MAX_WHERE_CHARS} characters`)
      .optional(),
    /** A page path where `*` is any characters; it becomes a regular expression, so few wildcards. */
    page: pagePattern.refine((p) => p.split('*').length <= 4, 'has at most 3 "*"').optional(),
  })
  .superRefine((s, ctx) => {
    const issue = (path: string[], message: string) => ctx.addIssue({ code: 'custom', path, message })
    if (s.event === undefined && s.page === undefined) issue(['event'], 'give an event or a page')
    else if (s.event !== undefined && s.page !== undefined)
      issue(['page'], 'give an event or a page, not both')
    else if (s.page !== undefined && s.where !== undefined) issue(['where'], 'only an event step takes where')
  })

export type FunnelStepSpec = z.infer<typeof stepSchema>

/** Breakdown dimensions: a visit's own values (a visit views many pages: use entry_page). */
export const FUNNEL_DIMENSIONS = DIMENSIONS.filter((d) => d !== 'page') as Exclude<Dimension, 'page'>[]

/** The request body. */
export const funnelBody = z.strictObject({
  steps: z.array(stepSchema).min(1, 'give at least one step').max(MAX_STEPS, `at most ${MAX_STEPS} steps`),
  /** First local date step 0 may fall on; default: 29 days before `to`. */
  from: reportQuery.shape.from,
  /** Last local date step 0 may fall on (included); default: today in the site's time zone. */
  to: reportQuery.shape.to,
  /** Time from step 0 to the last step: `<n>m|h|d|w`, at most 90 days; default 1d. */
  window: z
    .string()
    .max(8)
    .refine((w) => {
      const ms = windowMs(w)
      return ms !== undefined && ms <= MAX_WINDOW_MS
    }, 'must be a duration like 30m, 1h, 1d, 7d or 2w, at most 90d')
    .default('1d'),
  /** `any`: other steps may fall between; `strict`: an event of another step breaks the attempt. */
  order: z.enum(['any', 'strict']).default('any'),
  /** Each person counted in the group of the visit where they first reached step 0. */
  breakdown: z.enum(FUNNEL_DIMENSIONS).optional(),
  /** `dimension:value` as in the other reports (here in the body): a visit must match all. */
  filter: reportQuery.shape.filter,
})

export type FunnelBody = z.infer<typeof funnelBody>

/** The query string: the site and the answer's format; filters go in the body. */
export const funnelQuery = z.object({
  site: reportQuery.shape.site,
  format: reportQuery.shape.format,
  filter: z.array(z.string()).max(0, 'goes in the body as "filter": ["dimension:value"]'),
})

/** A step's label: its name, else its event (with "where" when it has a condition) or page. */
export const stepLabel = (s: FunnelStepSpec) =>
  s.name ?? (s.page !== undefined ? s.page : `${s.event}${s.where ? ' (where …)' : ''}`)

/** A page view or event that may be a step, with its person and (where read) its visit. */
export interface StepCandidate {
  at: number
  hit: Hit
  device: string
  person: string
  visit: VisitSummary | undefined
}

/** Same order as visits.ts: by time, a page view before an event of the same instant. */
const byTime = (a: StepCandidate, b: StepCandidate) =>
  a.at - b.at ||
  (a.hit.kind === b.hit.kind ? 0 : a.hit.kind === 'page' ? -1 : 1) ||
  (a.device < b.device ? -1 : a.device > b.device ? 1 : 0)

/** Report rows (whole sessions, any order) → the page views and events of visits the filters keep. */
export const candidatesOfRows = (
  rows: readonly ReportRow[],
  filters: readonly Filter[],
  goals: Readonly<Record<string, Goal>>,
): StepCandidate[] => {
  const candidates: StepCandidate[] = []
  for (const list of sessionsOf(rows)) {
    const [visit] = filterVisits(visitsOf(list), filters, goals)
    if (!visit) continue
    for (const row of list) {
      const hit = hitOf(row)
      if (hit) candidates.push({ at: row.at, hit, device: row.device, person: visit.person, visit })
    }
  }
  return candidates
}

/**
 * The store's hits (reportHits) → those of visits the filters keep: only filters a summary answers
 * (no page or goal filter: traffic.ts `needsPages`), and with filters or a breakdown the hits must
 * come with their visits.
 */
export const candidatesOfHits = (
  hits: readonly HitRow[],
  filters: readonly Filter[],
  goals: Readonly<Record<string, Goal>>,
): StepCandidate[] => {
  const keep = hitFilter(filters, goals)
  const candidates: StepCandidate[] = []
  for (const row of hits) {
    const hit = keep(row) ? hitOf(row) : undefined
    if (hit) candidates.push({ at: row.at, hit, device: row.device, person: row.person, visit: row.visit })
  }
  return candidates
}

export interface PeopleQuestion {
  steps: readonly FunnelStepSpec[]
  /** Epoch ms: step 0 counts only in [start, end). */
  start: number
  end: number
  breakdown?: Exclude<Dimension, 'page'>
}

/** A group's key for a visit without the dimension's value (funnel.ts groups by string). */
export const NO_VALUE = '\u0000'

/** Candidates (candidatesOfRows, candidatesOfHits) → one FunnelPerson per person with a step event. */
export const funnelPeople = (candidates: readonly StepCandidate[], q: PeopleQuestion): FunnelPerson[] => {
  const index = denseIds()
  const byPerson: StepCandidate[][] = []
  for (const c of candidates) {
    const n = index.numberOf(c.person)
    if (n < byPerson.length) byPerson[n]!.push(c)
    else byPerson.push([c])
  }
  // Paths repeat across rows: which steps a path matches is worked out once (a page pattern is a
  // regular expression built on every call of `reaches`).
  const pageSteps = new Map<string, number[]>()
  const stepsOf = (hit: Hit) => {
    const known = hit.kind === 'page' ? pageSteps.get(hit.path) : undefined
    if (known) return known
    const found = q.steps.flatMap((step, i) => (reaches(step, hit) !== null ? [i] : []))
    if (hit.kind === 'page') pageSteps.set(hit.path, found)
    return found
  }
  const people: FunnelPerson[] = []
  for (const list of byPerson) {
    list.sort(byTime)
    let first: StepCandidate | undefined
    const events = []
    for (const candidate of list) {
      const { at, hit } = candidate
      if (at < q.start) continue
      const all = stepsOf(hit)
      // After the period, step 0 starts nothing.
      const matches = at >= q.end && all[0] === 0 ? all.slice(1) : all
      if (matches.length === 0) continue
      if (matches[0] === 0) first ??= candidate
      events.push({ at, matches })
    }
    if (first === undefined) continue // never reached step 0 in the period: counts nowhere
    const person: FunnelPerson = { events }
    if (q.breakdown) {
      if (!first.visit) throw new Error('a breakdown needs the hits read with their visits')
      person.group = breakdownOf([first.visit], q.breakdown)[0]!.value ?? NO_VALUE
    }
    people.push(person)
  }
  return people
}

const round = (n: number | null, digits: number) =>
  n === null ? null : Math.round(n * 10 ** digits) / 10 ** digits

export type FunnelStepAnswer = FunnelStep & {
  /** Its position, from 1. */
  step: number
  label: string
  event?: string
  page?: string
  where?: Record<string, unknown>
}

/** The answer's steps: what each step was, then its figures (ratios to 4 digits, seconds to 0.1). */
const answerSteps = (specs: readonly FunnelStepSpec[], steps: readonly FunnelStep[]): FunnelStepAnswer[] =>
  steps.map((s, i) => {
    const spec = specs[i]!
    return {
      step: i + 1,
      label: stepLabel(spec),
      ...(spec.event !== undefined ? { event: spec.event } : {}),
      ...(spec.page !== undefined ? { page: spec.page } : {}),
      ...(spec.where !== undefined ? { where: spec.where } : {}),
      people: s.people,
      fromPrevious: round(s.fromPrevious, 4),
      fromFirst: round(s.fromFirst, 4),
      dropOff: s.dropOff,
      medianSeconds: round(s.medianSeconds, 1),
    }
  })

/** The most breakdown groups answered (most people at step 0 first); `groupsTotal` says how many. */
export const MAX_GROUPS = 50

export interface FunnelAnswer {
  steps: FunnelStepAnswer[]
  groups?: { value: string | null; steps: FunnelStepAnswer[] }[]
  groupsTotal?: number
}

/** The funnel of the people, overall and (with a breakdown) per group. */
export const funnelAnswer = (
  people: readonly FunnelPerson[],
  specs: readonly FunnelStepSpec[],
  options: Omit<FunnelOptions, 'steps'> & { breakdown: boolean },
): FunnelAnswer => {
  const result = funnel(people, { steps: specs.length, window: options.window, order: options.order })
  const answer: FunnelAnswer = { steps: answerSteps(specs, result.steps) }
  if (!options.breakdown) return answer
  answer.groups = result.groups.slice(0, MAX_GROUPS).map((g) => ({
    value: g.group === NO_VALUE ? null : g.group,
    steps: answerSteps(specs, g.steps),
  }))
  answer.groupsTotal = result.groups.length
  return answer
}

export const CSV_COLUMNS = [
  'group',
  'step',
  'label',
  'people',
  'from_previous',
  'from_first',
  'drop_off',
  'median_seconds',
] as const

/** CSV rows: the whole funnel (group `(all)`), then each group's (`(none)`: without a value). */
export const funnelCsvRows = (answer: FunnelAnswer) => {
  const rows = (group: string, steps: FunnelStepAnswer[]) =>
    steps.map((s) => [
      group,
      s.step,
      s.label,
      s.people,
      s.fromPrevious,
      s.fromFirst,
      s.dropOff,
      s.medianSeconds,
    ])
  return [
    ...rows('(all)', answer.steps),
    ...(answer.groups ?? []).flatMap((g) => rows(g.value ?? '(none)', g.steps)),
  ]
}
