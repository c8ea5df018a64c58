// Funnels: how many people reach each step of a sequence, one count per person across all their
// devices. Pure: the caller resolves people and says which steps each event satisfies.
//
// Exact definitions:
// - An attempt starts at every event matching step 0 and must reach each later step at most
//   `window` ms after its start (inclusive).
// - One event advances an attempt by at most one step: an event matching steps 1 and 2 does not
//   complete both at once. A later step may share the previous step's instant (a later event).
// - `any` (PostHog's default, "ordered"): the steps in order, other events allowed in between.
// - `strict` (PostHog's "strict"): the steps in order, and an event matching a step other than
//   the attempt's next one breaks the attempt (a repeat of the step just reached breaks it too).
//   Events matching no step are neutral: PostHog breaks on every event, here the caller decides
//   what interrupts by what it marks as a step.
// - A person counts at the furthest step of their best attempt. Among attempts reaching it, the
//   one that gets there first gives the times; each step continues the attempt with the latest
//   start (the latest step 0 before step 1, as PostHog does), so a stale first visit does not
//   inflate the time to convert.

const DAY = 86_400_000

/** One event of a person: when it happened and the indices of the funnel steps it satisfies. */
export interface FunnelEvent {
  at: number
  matches: readonly number[]
}

/** A person (a profile across devices) with their events sorted by `at`. */
export interface FunnelPerson {
  events: readonly FunnelEvent[]
  /** The breakdown value, e.g. the channel of the first step's visit; absent: no group. */
  group?: string
}

/** How a funnel is counted. */
export interface FunnelOptions {
  /** The number of steps (at least 1); matches are indices 0..steps-1. */
  steps: number
  /** The time allowed from step 0 to the last step, in ms; default 14 days (PostHog's default). */
  window?: number
  /** `any` (default): other events may fall between steps; `strict`: another step's event breaks. */
  order?: 'strict' | 'any'
}

/** One step of the result. */
export interface FunnelStep {
  /** People who reached this step. */
  people: number
  /** `people` over the previous step's; null for step 0 or when the previous step has nobody. */
  fromPrevious: number | null
  /** `people` over step 0's; null when step 0 has nobody. */
  fromFirst: number | null
  /** People who reached the previous step but not this one; 0 for step 0. */
  dropOff: number
  /** Median seconds from the previous step to this one, over people who reached it; null for step 0. */
  medianSeconds: number | null
}

/** The funnel for one breakdown value. */
export interface FunnelGroup {
  group: string
  steps: FunnelStep[]
}

/** A funnel report: all people, and the same per group (most people at step 0 first). */
export interface Funnel {
  steps: FunnelStep[]
  /** Empty when no person has a group. */
  groups: FunnelGroup[]
}

/** An attempt: `times[i]` is when it reached step i; `times[0]` its start. */
type Attempt = readonly number[]

/** The best attempt of one person, or undefined when they never matched step 0. */
const bestAttempt = (
  events: readonly FunnelEvent[],
  steps: number,
  window: number,
  strict: boolean,
): Attempt | undefined => {
  // open[k]: the living attempt at step k with the latest start; a later start leaves more of the
  // window for the remaining steps, so it dominates every older attempt at the same step.
  let open: (Attempt | undefined)[] = new Array(steps)
  let best: Attempt | undefined
  let last = Number.NEGATIVE_INFINITY
  for (const { at, matches } of events) {
    if (at < last) throw new RangeError('funnel: events must be sorted by at')
    last = at
    if (matches.length === 0) continue
    const hit = new Array<boolean>(steps).fill(false)
    for (const m of matches) {
      if (!Number.isInteger(m) || m < 0 || m >= steps) throw new RangeError(`funnel: no step ${m}`)
      hit[m] = true
    }
    // In strict order only the attempts this event advances survive it.
    const next: (Attempt | undefined)[] = strict ? new Array(steps) : open
    // From the last step down, so one event moves an attempt by one step only.
    for (let k = steps - 1; k >= 1; k--) {
      const from = open[k - 1]
      if (!hit[k] || !from || at - from[0]! > window) continue
      const current = open[k]
      if (!strict && current && current[0]! >= from[0]!) continue
      const moved = [...from, at]
      next[k] = moved
      if (!best || moved.length > best.length) best = moved
    }
    if (hit[0]) {
      next[0] = [at]
      best ??= next[0]
    }
    open = next
    if (best && best.length === steps) break
  }
  return best
}

const median = (values: number[]): number | null => {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

const ratio = (n: number, d: number) => (d === 0 ? null : n / d)

/** The steps of a funnel from each person's best attempt (undefined: never started). */
const summarise = (attempts: readonly (Attempt | undefined)[], steps: number): FunnelStep[] => {
  const people = new Array<number>(steps).fill(0)
  const seconds: number[][] = Array.from({ length: steps }, () => [])
  for (const a of attempts) {
    if (!a) continue
    for (let i = 0; i < a.length; i++) {
      people[i]!++
      if (i > 0) seconds[i]!.push((a[i]! - a[i - 1]!) / 1000)
    }
  }
  return people.map((n, i) => ({
    people: n,
    fromPrevious: i === 0 ? null : ratio(n, people[i - 1]!),
    fromFirst: ratio(n, people[0]!),
    dropOff: i === 0 ? 0 : people[i - 1]! - n,
    medianSeconds: i === 0 ? null : median(seconds[i]!),
  }))
}

/** Counts each person once at the furthest step they reached, overall and per group. */
export const funnel = (people: readonly FunnelPerson[], options: FunnelOptions): Funnel => {
  const { steps, window = 14 * DAY, order = 'any' } = options
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError('funnel: steps must be a positive integer')
  if (!(window >= 0)) throw new RangeError('funnel: window must be at least 0')
  const attempts = people.map((p) => bestAttempt(p.events, steps, window, order === 'strict'))
  const byGroup = new Map<string, (Attempt | undefined)[]>()
  people.forEach((p, i) => {
    if (p.group === undefined) return
    const list = byGroup.get(p.group) ?? []
    list.push(attempts[i])
    byGroup.set(p.group, list)
  })
  const groups = [...byGroup].map(([group, list]) => ({ group, steps: summarise(list, steps) }))
  groups.sort((a, b) => b.steps[0]!.people - a.steps[0]!.people || (a.group < b.group ? -1 : 1))
  return { steps: summarise(attempts, steps), groups }
}
