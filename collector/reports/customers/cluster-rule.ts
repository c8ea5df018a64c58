/**
 * A k-means cluster of one report as a segment rule (sdk/rules/segments.ts): a customer (an order
 * within the history read) whose features, z-scored with this report's means and deviations, lie
 * nearest this cluster's centroid: `{ $and: [{ count: orders }, { nearest: { features, center,
 * scale, centroids }, $eq: k }] }`. The features are the report's, as terms: `recency` (days since
 * the last order), `count` of orders and their `monetary` total within the history read, and the
 * `count` of page views within it. As of the report's end it selects exactly the cluster's
 * customers (kmeans.ts assigns every customer to the nearest centroid); afterwards the frozen
 * centroids apply to what people do, as the RFM groups' thresholds do.
 */
import type { Rule } from '../../../sdk/rules/segments.ts'
import type { Clustering } from './kmeans.ts'
import type { GroupRule, RuleBasis } from './rfm-rule.ts'

/** Cluster `k`'s rule, or why there is none (the RFM groups' basis: `monetary` sums revenue). */
export const clusterRuleOf = (
  found: Pick<Clustering, 'mean' | 'sd' | 'centroids'>,
  k: number,
  basis: RuleBasis,
): GroupRule => {
  if ('refusal' in basis) return { rule: null, ruleRefusal: basis.refusal }
  const orders = { ...basis.orders, within: basis.within }
  const features: Rule[] = [
    { recency: basis.orders },
    { count: orders },
    { monetary: orders },
    { count: { event: 'page', within: basis.within } },
  ]
  const rule: Rule = {
    $and: [
      { count: orders },
      {
        nearest: {
          features,
          center: found.mean,
          // A feature without spread scores 0 (kmeans.ts standardise): its deviation is 0 only
          // when every customer's value is the mean exactly, so with scale 1 it scores 0 here too.
          scale: found.sd.map((s) => (s === 0 ? 1 : s)),
          centroids: found.centroids,
        },
        $eq: k,
      },
    ],
  }
  return { rule, ruleRefusal: null }
}
