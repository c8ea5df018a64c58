/**
 * Each RFM group of one report as a segment rule (sdk/rules/segments.ts), so a marketer can save
 * it and the page and later campaigns can target it. The report's quintile cut points are frozen
 * into explicit thresholds: recency in days, order count and revenue total over the report's
 * history. As of the report's end the rule selects exactly the customers the report put in the
 * group; afterwards membership follows the frozen thresholds, not new quintiles.
 *
 * The terms: `count` (orders: RFM's F is an order count; the engine's `frequency` counts days),
 * `monetary` (it sums the site's `personalization.rfm.revenue`, so that must be the goal's revenue
 * property) and `recency` (days since the newest order, fractional: `$lt: 10` is "at most 9 whole
 * days"). Where a goal cannot be read by those terms, every group gets a refusal instead.
 */
import type { Goal } from '../../../sdk/rules/goal-schema.ts'
import type { Personalization } from '../../../sdk/rules/personalization-schema.ts'
import type { Rule } from '../../../sdk/rules/segments.ts'
import { addDays, startOfDate } from '../time.ts'
import { type RfmSegment, type ScoredCustomer, segmentOf, segments } from './rfm.ts'

const MINUTE = 60_000
const HOUR = 3_600_000
const DAY = 86_400_000

/** The terms' filter for the report's orders, or why the groups cannot be rules. */
export type RuleBasis =
  | { orders: { event: string; where?: Record<string, unknown> }; within: string }
  | { refusal: string }

export interface GroupRule {
  rule: Rule | null
  /** Why `rule` is null, in plain words; null when there is a rule. */
  ruleRefusal: string | null
}

/** A span as the terms' `within` (1-5 digits of m, h or d); undefined when it cannot be one. */
const durationOf = (ms: number) => {
  for (const [unit, size] of [
    ['d', DAY],
    ['h', HOUR],
    ['m', MINUTE],
  ] as const)
    if (ms % size === 0 && ms / size <= 99_999) return `${ms / size}${unit}`
  return undefined
}

/**
 * Why a goal's `where` would read differently in a person's history, or undefined. History keeps
 * only top-level properties with small values (segments.ts pickProperties): a nested path or a
 * look inside an array's objects would see nothing there.
 */
const whereProblem = (condition: unknown): string | undefined => {
  if (!condition || typeof condition !== 'object') return undefined
  for (const [k, v] of Object.entries(condition)) {
    if (k === '$and' || k === '$or' || k === '$nor' || k === '$not') {
      for (const part of [v].flat()) {
        const problem = whereProblem(part)
        if (problem) return problem
      }
    } else if (k.includes('.')) return `its where reads the nested property ${k}`
    else if (v && typeof v === 'object' && ('$elemMatch' in v || '$size' in v))
      return `its where looks inside the list ${k}`
  }
  return undefined
}

type Dates = { from: string; to: string; zone: string }
type HistoryDays = { history: Pick<Personalization['history'], 'maxDays'> }

/**
 * How the report's orders read as segment terms: the goal's event (and where) over the history
 * read, as `within` the evaluation instant, or a refusal. `dates` are the report's local dates.
 * With `revenue` (what the terms that sum revenue sum), the goal must value orders by it.
 */
const basisOf = (goal: Goal, p: HistoryDays, dates: Dates, revenue?: string): RuleBasis => {
  if (goal.event === undefined) return { refusal: 'The goal counts page views; segment terms count events.' }
  if (goal.event === 'page')
    return { refusal: 'The goal’s event is named "page", which segment history keeps for page views.' }
  if (revenue !== undefined && goal.revenue !== revenue)
    return {
      refusal: `The goal values orders by its property "${goal.revenue ?? '(none)'}", but segment revenue terms sum "${revenue}" (personalization.rfm.revenue).`,
    }
  const problem = whereProblem(goal.where)
  if (problem)
    return { refusal: `The goal cannot be a segment term: ${problem}, which segment history does not keep.` }
  const end = startOfDate(addDays(dates.to, 1), dates.zone)
  const span = end - startOfDate(dates.from, dates.zone)
  const max = p.history.maxDays
  if (span > max * DAY) {
    // The earliest first date whose history segments still see whole.
    let earliest = addDays(dates.to, -(max - 1))
    if (end - startOfDate(earliest, dates.zone) > max * DAY) earliest = addDays(earliest, 1)
    return {
      refusal: `Segments see the last ${max} days of a person's history (personalization.history.maxDays); this report reads from ${dates.from}. Choose ${earliest} or later as the first date${max < 400 ? ', or raise history.maxDays (at most 400)' : ''}.`,
    }
  }
  const within = durationOf(span)
  if (within === undefined)
    return { refusal: `The history read (${span} ms) is not a whole number of minutes.` }
  const orders = { event: goal.event, ...(goal.where === undefined ? {} : { where: goal.where }) }
  return { orders, within }
}

/** For terms that only find orders (`count`, `recency`, `first`): the CLV cohorts' rules. */
export const orderBasisOf = (goal: Goal, p: HistoryDays, dates: Dates) => basisOf(goal, p, dates)

/** For the RFM groups, whose `monetary` sums the site's `personalization.rfm.revenue`. */
export const ruleBasisOf = (
  goal: Goal,
  p: HistoryDays & { rfm: Pick<Personalization['rfm'], 'revenue'> },
  dates: Dates,
) => basisOf(goal, p, dates, p.rfm.revenue)

/**
 * The number in (lo, hi] with the fewest digits, preferring one strictly below hi: a threshold
 * with a margin on both sides still separates the bands when a sum differs in its last bit or the
 * rule is evaluated a little before the report's end.
 */
export const cutBetween = (lo: number, hi: number, integer: boolean) => {
  const top = Math.floor(Math.log10(Math.max(Math.abs(lo), Math.abs(hi), 1))) + 1
  for (let k = top; k >= (integer ? 0 : -6); k--)
    for (const step of [5 * 10 ** k, 10 ** k]) {
      const c = Number(((Math.floor(lo / step) + 1) * step).toPrecision(12))
      if (c > lo && c < hi) return c
    }
  return hi
}

/**
 * One score's axis: the scores that occur, ascending, and before each but the lowest the value
 * that starts it: score ≥ scores[i] ⟺ value ≥ cuts[i] (higher is better), or ⟺ value < cuts[i]
 * (recency, lower is better).
 */
interface Axis {
  scores: number[]
  cuts: number[]
}

const axisOf = (
  customers: readonly ScoredCustomer[],
  score: 'r' | 'f' | 'm',
  value: 'recencyDays' | 'frequency' | 'monetary',
  higherIsBetter: boolean,
): Axis => {
  // Days and orders are whole numbers; revenue is not.
  const integer = value !== 'monetary'
  // Each score's lowest and highest value, in one pass (not spread: a report may have more
  // customers than a call takes arguments).
  const range = new Map<number, { min: number; max: number }>()
  for (const c of customers) {
    const v = c[value]
    const r = range.get(c[score])
    if (r) [r.min, r.max] = [Math.min(r.min, v), Math.max(r.max, v)]
    else range.set(c[score], { min: v, max: v })
  }
  const scores = [...range.keys()].sort((a, b) => a - b)
  const ranges = scores.map((s) => range.get(s)!)
  const cuts = scores.map((_, i) => {
    if (i === 0) return Number.NaN
    const under = ranges.slice(0, i)
    const over = ranges.slice(i)
    // Higher is better: from the highest value under the score to the lowest at or over it;
    // recency: from the most days at or over the score to the fewest under it.
    return higherIsBetter
      ? cutBetween(Math.max(...under.map((r) => r.max)), Math.min(...over.map((r) => r.min)), integer)
      : cutBetween(Math.max(...over.map((r) => r.max)), Math.min(...under.map((r) => r.min)), integer)
  })
  return { scores, cuts }
}

/** A box of score bands: [first, last] indices into each axis' scores (R, F, M). */
type Box = [[number, number], [number, number], [number, number]]

/**
 * A small set of boxes whose union is exactly the cells of `inside`: every maximal box, then
 * greedily the one covering most cells not yet covered (ties to the first found).
 */
const coverOf = (sizes: [number, number, number], inside: (r: number, f: number, m: number) => boolean) => {
  const intervals = (n: number) =>
    Array.from({ length: n }, (_, a) =>
      Array.from({ length: n - a }, (_, d) => [a, a + d] as [number, number]),
    ).flat()
  /** A box's cells, each as one number (scores are at most five per axis). */
  const cellsOf = ([[r1, r2], [f1, f2], [m1, m2]]: Box) => {
    const cells: number[] = []
    for (let r = r1; r <= r2; r++)
      for (let f = f1; f <= f2; f++) for (let m = m1; m <= m2; m++) cells.push((r * 5 + f) * 5 + m)
    return cells
  }
  const grid = Array.from({ length: 125 }, (_, c) => {
    const [r, f, m] = [Math.floor(c / 25), Math.floor(c / 5) % 5, c % 5]
    return r < sizes[0] && f < sizes[1] && m < sizes[2] && inside(r, f, m)
  })
  const cellInside = (c: number) => grid[c]!
  const boxes: Box[] = []
  for (const r of intervals(sizes[0]))
    for (const f of intervals(sizes[1]))
      for (const m of intervals(sizes[2])) if (cellsOf([r, f, m]).every(cellInside)) boxes.push([r, f, m])
  const contains = (a: Box, b: Box) => a.every(([lo, hi], d) => lo <= b[d]![0] && b[d]![1] <= hi)
  const maximal = boxes.filter((b) => !boxes.some((a) => a !== b && contains(a, b)))
  const left = new Set(maximal.flatMap(cellsOf))
  const chosen: Box[] = []
  while (left.size > 0) {
    let best = maximal[0]!
    let most = 0
    for (const b of maximal) {
      const n = cellsOf(b).filter((c) => left.has(c)).length
      if (n > most) [best, most] = [b, n]
    }
    chosen.push(best)
    for (const c of cellsOf(best)) left.delete(c)
  }
  return chosen
}

/** Comparison operators of one term, only those that bound something. */
const bounds = (entries: [string, number | undefined][]) =>
  Object.fromEntries(entries.filter(([, v]) => v !== undefined))

/**
 * Every group's rule over the scored customers of one report (scoreRfm's answer), or why there is
 * none. A group is the (R, FM) cells the map names it on, FM = ⌊(F + M)/2⌋, read on the scores
 * that occur; its rule is an `$or` of boxes of adjacent bands, each an `$and` of terms.
 */
export const groupRules = (
  customers: readonly ScoredCustomer[],
  basis: RuleBasis,
): Record<RfmSegment, GroupRule> => {
  const refuse = (ruleRefusal: string) =>
    Object.fromEntries(segments.map((s) => [s, { rule: null, ruleRefusal }])) as Record<RfmSegment, GroupRule>
  if ('refusal' in basis) return refuse(basis.refusal)
  if (customers.length === 0) return refuse('The report has no customers, so it has no cut points to freeze.')
  const R = axisOf(customers, 'r', 'recencyDays', false)
  const F = axisOf(customers, 'f', 'frequency', true)
  const M = axisOf(customers, 'm', 'monetary', true)
  const orders = { ...basis.orders, within: basis.within }
  const below = (axis: Axis, last: number) =>
    last < axis.scores.length - 1 ? axis.cuts[last + 1] : undefined
  const from = (axis: Axis, first: number) => (first > 0 ? axis.cuts[first] : undefined)
  const termsOf = ([[r1, r2], [f1, f2], [m1, m2]]: Box): Rule => {
    const recency = bounds([
      ['$lt', from(R, r1)],
      ['$gte', below(R, r2)],
    ])
    const upper = below(F, f2)
    const count = bounds([
      ['$gte', from(F, f1) ?? 1],
      ['$lte', upper === undefined ? undefined : upper - 1],
    ])
    const monetary = bounds([
      ['$gte', from(M, m1)],
      ['$lt', below(M, m2)],
    ])
    return {
      $and: [
        ...(Object.keys(recency).length ? [{ recency: basis.orders, ...recency }] : []),
        { count: orders, ...count },
        ...(Object.keys(monetary).length ? [{ monetary: orders, ...monetary }] : []),
      ],
    }
  }
  const sizes: [number, number, number] = [R.scores.length, F.scores.length, M.scores.length]
  return Object.fromEntries(
    segments.map((segment) => {
      const boxes = coverOf(
        sizes,
        (r, f, m) => segmentOf(R.scores[r]!, Math.floor((F.scores[f]! + M.scores[m]!) / 2)) === segment,
      )
      if (boxes.length === 0)
        return [
          segment,
          {
            rule: null,
            ruleRefusal: 'None of the scores this report gives falls in this group, so it has no cut points.',
          },
        ]
      const parts = boxes.map(termsOf)
      return [segment, { rule: parts.length === 1 ? parts[0]! : { $or: parts }, ruleRefusal: null }]
    }),
  ) as Record<RfmSegment, GroupRule>
}
