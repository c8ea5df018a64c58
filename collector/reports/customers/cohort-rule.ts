/**
 * A CLV cohort of one report (its customers by the local month of their first order in the history
 * read) as a segment rule (sdk/rules/segments.ts): the `first` of the report's orders within the
 * history read falls in that month, `{ first: { event, where?, within }, $gte, $lt }` with the
 * month's first instant and the next month's as ISO instants. As of the report's end it selects
 * exactly the cohort's customers; afterwards `within` looks back the same span from the day it is
 * evaluated, so a customer whose earlier orders leave it moves to a later cohort.
 */
import { startOfDate } from '../time.ts'
import type { GroupRule, RuleBasis } from './rfm-rule.ts'

/** The month after `YYYY-MM`, as its first date. */
const nextMonth = (month: string) => {
  const [y, m] = month.split('-').map(Number) as [number, number]
  return m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, '0')}-01`
}

/** The rule of cohort `month` (`YYYY-MM`, local to `zone`), or why there is none. */
export const cohortRuleOf = (month: string, basis: RuleBasis, zone: string): GroupRule => {
  if ('refusal' in basis) return { rule: null, ruleRefusal: basis.refusal }
  const instant = (date: string) => new Date(startOfDate(date, zone)).toISOString()
  return {
    rule: {
      first: { ...basis.orders, within: basis.within },
      $gte: instant(`${month}-01`),
      $lt: instant(nextMonth(month)),
    },
    ruleRefusal: null,
  }
}
