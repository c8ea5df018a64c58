// The admin API's attribution report (routes/report-attribution.ts): a goal's conversions credited
// to the visits before them under five models, per channel or campaign.
import { attributionQuery } from '../reports/attribution-query.ts'
import { jsonOrCsv, type Row, reportOperation } from './operations.ts'
import { queryParameters } from './schemas.ts'

const FIGURES = '{ conversions, revenue }'

export const attributionPaths = (): Row[] => [
  [
    '/admin/api/reports/attribution',
    'get',
    reportOperation(
      {
        id: 'reportAttribution',
        summary: "A goal's conversions and revenue credited to channels or campaigns under five models",
        description:
          "Touches are visits from all of the person's devices within `lookback` days (1-180, default 30) before each conversion; models first touch, last non-direct touch, linear, position-based (40/20/40) and time decay (7-day half-life). docs/api.md#attribution has the exact definitions.",
        parameters: queryParameters(attributionQuery),
        answers: {
          200: jsonOrCsv(
            `\`{ site, timezone, from, to, filter, goal, lookback, halfLife, by, conversions, revenue, attributed: ${FIGURES}, unattributed: ${FIGURES}, rows: [{ key, touches, clicks, first, lastNonDirect, linear, position, timeDecay }] }\`, each model ${FIGURES}, most last non-direct conversions first; with \`format=csv\`, the rows as an attachment.`,
          ),
        },
      },
      ['goal_not_found'],
    ),
  ],
]
