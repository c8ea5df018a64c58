// The admin API's customers report (routes/report-customers.ts).

import { customersQuery } from '../reports/customers/customers-query.ts'
import { jsonOrCsv, operation, type Row } from './operations.ts'
import { queryParameters } from './schemas.ts'

export const customersPaths = (): Row[] => [
  [
    '/admin/api/reports/customers',
    'get',
    operation({
      id: 'reportCustomers',
      summary: 'Customers of a revenue goal as RFM segments, clusters and lifetime value',
      description:
        'docs/api.md#customers defines customers and orders, the RFM quintiles and segment map, the clusters (k by silhouette), historical CLV by cohort and predicted CLV (BG/NBD and Gamma-Gamma, fitted only with enough repeat customers), and for each RFM group a `rule`: a segment rule with the cut points of this report frozen as thresholds, which selects exactly the customers of the group as of `to` (null, with `ruleRefusal` saying why, when segment terms cannot read the orders of the goal), for each cluster a `rule` selecting the customers nearest its frozen centroid, and for each cohort a `rule` selecting its customers by the time of their first order. Groups, counts and means only: no answer names a person.',
      tag: 'Reports',
      admin: true,
      parameters: queryParameters(customersQuery),
      answers: {
        200: jsonOrCsv(
          '`{ site, timezone, goal, from, to, customers, orders, revenue, repeatRate, segments: [{ segment, name, customers, share, revenue, meanRecencyDays, meanOrders, meanRevenue, meanR, meanF, meanM, rule, ruleRefusal }], grid, clusters: { k, silhouette, scores, sampled, features, clusters: [{ cluster, customers, centroid, description, rule, ruleRefusal }] }, cohorts: [{ cohort, customers, revenue, meanRevenue, rule, ruleRefusal }], predicted: null | { horizonMonths, discountRate, repeatCustomers, bgnbd, gammaGamma, total, bySegment, byCluster }, predictedReason }`; with `format=csv`, the `table` (segments, clusters or cohorts) as an attachment.',
        ),
      },
      refusals: ['invalid_query', 'site_not_found', 'goal_not_found', 'report_too_large'],
    }),
  ],
]
