// The rule keys that read a visitor's behaviour (their history), not the event itself: shared by
// the segment engine and the config schema, in a module of its own so neither imports the other
// (and zod stays out of the browser bundle).
export const BEHAVIOUR_KEYS = [
  'count',
  'recency',
  'first',
  'frequency',
  'monetary',
  'top',
  'rfm',
  'nearest',
] as const
export type BehaviourKey = (typeof BEHAVIOUR_KEYS)[number]
