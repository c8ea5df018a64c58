// The admin API's KPI report and ad spend (routes/report-kpis.ts).

import { kpisQuery, spendBody, spendQuery } from '../routes/report-kpis.ts'
import { jsonOrCsv, operation, type Row } from './operations.ts'
import { queryParameters, toSchema } from './schemas.ts'

export const kpisPaths = (): Row[] => [
  [
    '/admin/api/reports/kpis',
    'get',
    operation({
      id: 'reportKpis',
      summary:
        'Visitors, conversions, revenue and spend per campaign or channel, with CPC, CAC, ROAS, ROI and CLV',
      description:
        "The visits of the period joined with a revenue goal's conversions and the imported ad spend; docs/api.md#kpis defines each figure.",
      tag: 'Reports',
      admin: true,
      parameters: queryParameters(kpisQuery),
      answers: {
        200: jsonOrCsv(
          '`{ site, timezone, from, to, interval, filter, by, goal, currency, spendIgnoresFilters, total, totals, slots, campaigns, rows: [{ value, visitors, visits, conversions, customers, conversionRate, revenue, aov, revenuePerCustomer, spend, cpc, cac, roas, roi, acquired, clv, clvToCac }] }`, most spend first. `acquired`: the people whose first conversion ever was in a visit of the row; `clv`: their goal revenue up to `to` per person; `clvToCac` = clv / cac; null without a revenue goal. With `format=csv`, the rows as an attachment (also `acquired`, `clv`, `clv_to_cac`).',
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
  [
    '/admin/api/spend',
    'get',
    operation({
      id: 'listSpend',
      summary: 'The imported ad spend of a period, one row per day and campaign',
      tag: 'Reports',
      admin: true,
      parameters: queryParameters(spendQuery),
      answers: {
        200: jsonOrCsv(
          '`{ site, timezone, from, to, currency, total, rows: [{ date, campaign, source, medium, channel, cost, currency }] }`; with `format=csv`, the rows in the import format.',
        ),
      },
      refusals: ['invalid_query', 'site_not_found'],
    }),
  ],
  [
    '/admin/api/spend',
    'post',
    operation({
      id: 'importSpend',
      summary: 'Import ad spend per day and campaign; importing a day again replaces it',
      description:
        'JSON `{ rows }` or `{ csv }`, or the CSV itself as `text/csv` (header `date,campaign,source,medium,cost,currency`). A refusal names the row and column; nothing is stored then.',
      tag: 'Reports',
      admin: true,
      parameters: queryParameters(spendQuery.pick({ site: true })),
      body: { schema: toSchema(spendBody), description: '`{ rows: [...] }`, `{ csv: "..." }` or text/csv' },
      answers: {
        200: {
          description: '`{ site, rows, days, replaced, from, to }`',
          content: { 'application/json': {} },
        },
      },
      refusals: [
        'invalid_query',
        'invalid_json',
        'invalid_body',
        'unsupported_media_type',
        'payload_too_large',
        'site_not_found',
      ],
    }),
  ],
]
