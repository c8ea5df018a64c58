// Pure: experiment results as CSV, one row per metric and variation, from the same numbers the
// API returns and the dashboard draws, so the three cannot disagree.
import { csvOf } from '../csv.ts'
import type { ExperimentResults } from './results.ts'

const COLUMNS = [
  'metric',
  'property',
  'role',
  'kind',
  'variation',
  'users',
  'conversions',
  'mean',
  'ci_low',
  'ci_high',
  'relative_lift',
  'relative_ci_low',
  'relative_ci_high',
  'absolute_lift',
  'absolute_ci_low',
  'absolute_ci_high',
  'p_value',
  'adjusted_p_value',
  'significant',
  'chance_to_win',
  'risk_treatment',
  'risk_control',
  // CUPED's cut in the variance of this treatment's lift; empty when not applied.
  'variance_reduction',
  // The value each person's value was capped at (a metric with a cap); empty without one.
  'cap_value',
] as const

export const resultsCsv = (results: ExperimentResults) => {
  const rows = results.metrics.flatMap((m) =>
    m.variations.map((v) => {
      const x = v.vsControl
      return [
        m.event,
        m.property,
        m.role,
        m.kind,
        v.key,
        v.users,
        v.conversions,
        v.mean,
        v.ci?.[0],
        v.ci?.[1],
        x?.relative.lift,
        x?.relative.ci?.[0],
        x?.relative.ci?.[1],
        x?.absolute.lift,
        x?.absolute.ci?.[0],
        x?.absolute.ci?.[1],
        x?.pValue,
        x?.adjustedPValue,
        x?.significant,
        x?.chanceToWin,
        x?.risk?.treatment,
        x?.risk?.control,
        x?.varianceReduction,
        m.cap?.value,
      ]
    }),
  )
  return csvOf(COLUMNS, rows)
}
