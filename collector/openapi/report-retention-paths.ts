// The admin API's retention report (routes/report-retention.ts).

import { retentionQuery } from '../reports/retention-query.ts'
import { jsonOrCsv, operation, type Row } from './operations.ts'
import { queryParameters } from './schemas.ts'

export const retentionPaths = (): Row[] => [
  [
    '/admin/api/reports/retention',
    'get',
    operation({
      id: 'reportRetention',
      summary: 'Cohorts of people by the day or week of their first visit, and how many came back',
      description:
        'docs/api.md#retention defines the cohorts, the returns (any visit or a site goal), complete periods and the curve.',
      tag: 'Reports',
      admin: true,
      parameters: queryParameters(retentionQuery),
      answers: {
        200: jsonOrCsv(
          '`{ site, timezone, from, to, filter, by, periods, return, people, cohorts: [{ cohort, people, periods: [{ period, people, rate }] }], curve: [{ period, people, of, rate }] }`, oldest cohort first, complete periods only; with `format=csv`, one row per cohort and period (`cohort, cohort_people, period, people, rate`) as an attachment.',
        ),
      },
      refusals: [
        'invalid_query',
        'site_not_found',
        'goal_not_found',
        'segment_not_found',
        'segment_too_small',
        'report_too_large',
      ],
    }),
  ],
]
