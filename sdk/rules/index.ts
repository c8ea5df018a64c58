// The package's rules entry (`precis/rules`): the same conditions, segments and hashing the SDK
// and the collector use, for the owner's own code (server-side decisions, tests, previews).
export { type Condition, evalCondition, type SavedGroups } from './conditions.ts'
export { fill, isSafeUrl } from './content.ts'
export type { Experiment, Metric, Variation } from './experiment-schema.ts'
export {
  type AssignContext,
  type AssignReason,
  assign,
  chooseVariation,
  type Decision,
  type ExperimentDef,
  getBucketRanges,
  getEqualWeights,
  getQAOverride,
  inNamespace,
  stickyKey,
  type VariationRange,
  weightsOf,
} from './experiments.ts'
export { fnv1a32, hash } from './hash.ts'
export type { Personalization, SlotConfig, SlotContent } from './personalization-schema.ts'
export {
  createSegmentEngine,
  type EngineOptions,
  type HistoryEntry,
  historyProperties,
  pickProperties,
  type Rule,
  type SegmentEngine,
} from './segments.ts'
