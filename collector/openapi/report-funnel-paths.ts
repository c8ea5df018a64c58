// The admin API's funnel report (routes/report-funnel.ts): a POST whose body holds the steps.

import { funnelBody, funnelQuery } from '../reports/funnel-query.ts'
import { jsonOrCsv, operation, type Row } from './operations.ts'
import { queryParameters, toSchema } from './schemas.ts'

export const funnelPaths = (): Row[] => [
  [
    '/admin/api/reports/funnel',
    'post',
    operation({
      id: 'reportFunnel',
      summary: 'How many people reach each step of a sequence of page views and events',
      description:
        'Counted per person across devices; step 0 within the local dates `from`..`to`, later steps within `window` of it. It reads and changes nothing (a POST because the steps are a body). docs/api.md#funnel gives the exact definitions.',
      tag: 'Reports',
      admin: true,
      parameters: queryParameters(funnelQuery, ['site', 'format']),
      body: {
        schema: toSchema(funnelBody),
        description:
          '`{ steps: [{ event | page, where?, name? }] (1-10), from?, to?, window?, order?, breakdown?, filter? }`',
      },
      answers: {
        200: jsonOrCsv(
          '`{ site, timezone, from, to, filter, window, order, breakdown?, steps: [{ step, label, event?, page?, where?, people, fromPrevious, fromFirst, dropOff, medianSeconds }], groups?: [{ value, steps }], groupsTotal? }`, steps in order; with `format=csv`, one row per group and step as an attachment.',
        ),
      },
      refusals: [
        'invalid_query',
        'invalid_json',
        'invalid_body',
        'unsupported_media_type',
        'payload_too_large',
        'site_not_found',
        'goal_not_found',
        'segment_not_found',
        'segment_too_small',
        'report_too_large',
      ],
    }),
  ],
]
