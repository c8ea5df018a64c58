// The admin API's reports (routes/reports.ts): traffic over a period in the site's time zone.

import { breakdownQuery, goalsQuery, reportQuery } from '../reports/query.ts'
import { jsonOrCsv, type Row, reportOperation } from './operations.ts'
import { attributionPaths } from './report-attribution-paths.ts'
import { customersPaths } from './report-customers-paths.ts'
import { funnelPaths } from './report-funnel-paths.ts'
import { kpisPaths } from './report-kpis-paths.ts'
import { retentionPaths } from './report-retention-paths.ts'
import { queryParameters } from './schemas.ts'

export const reportPaths = (): Row[] => [
  [
    '/admin/api/reports/overview',
    'get',
    reportOperation({
      id: 'reportOverview',
      summary: 'Visitors, visits, page views and their series over a period',
      description: 'docs/api.md#reports says what each number is and how visits are counted.',
      parameters: queryParameters(reportQuery),
      answers: {
        200: jsonOrCsv(
          '`{ site, timezone, from, to, interval, filter, visitors, devices, visits, pageviews, viewsPerVisit, bounceRate, visitDuration, engagedTime, scrollDepth, estimated, realtime: { visitors, minutes }, series: [{ bucket, visitors, visits, pageviews }], previous? }`; `estimated`: visitors and devices are HyperLogLog estimates (an unfiltered period of more than 50,000 visits, added up by the hour); with `format=csv`, the series as an attachment.',
        ),
      },
    }),
  ],
  [
    '/admin/api/reports/breakdown',
    'get',
    reportOperation(
      {
        id: 'reportBreakdown',
        summary: 'Visitors, visits and page views by one dimension over a period',
        description:
          "docs/api.md#reports lists the dimensions and the channel rules; with `goal`, each row also has that goal's conversions, conversion rate and revenue.",
        parameters: queryParameters(breakdownQuery),
        answers: {
          200: jsonOrCsv(
            '`{ site, timezone, from, to, interval, filter, dimension, goal?, total, rows: [{ value, visitors, visits, pageviews, bounceRate, visitDuration, conversions?, conversionRate?, revenue?, previousVisitors? }] }`, most visitors first; with `format=csv`, the rows as an attachment.',
          ),
        },
      },
      ['goal_not_found'],
    ),
  ],
  [
    '/admin/api/reports/goals',
    'get',
    reportOperation(
      {
        id: 'reportGoals',
        summary:
          "Each goal's conversions, converted people, conversion rate, revenue and average order value",
        description:
          "Goals are the site config's `goals`, the same ones experiments measure; docs/api.md#reports.",
        parameters: queryParameters(goalsQuery),
        answers: {
          200: jsonOrCsv(
            '`{ site, timezone, from, to, interval, filter, visitors, goals: [{ key, name, conversions, visitors, conversionRate, revenue, averageOrderValue, previous? }] }`; with `format=csv`, the goals as an attachment.',
          ),
        },
      },
      ['goal_not_found'],
    ),
  ],
  ...funnelPaths(),
  ...retentionPaths(),
  ...attributionPaths(),
  ...customersPaths(),
  ...kpisPaths(),
]
