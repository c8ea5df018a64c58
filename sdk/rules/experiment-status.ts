// What an experiment's status means for the page, apart from assignment (experiments.ts): small,
// because p.js applies plans before the first paint with it.
import type { Experiment } from './experiment-schema.ts'

type StatusOf = Pick<Experiment, 'variations'> & Partial<Pick<Experiment, 'status' | 'rollout'>>

/** The variation a stopped experiment shows everyone (its rollout), or -1. */
export const rolloutOf = (e: StatusOf) =>
  e.status === 'stopped' && e.rollout !== undefined ? e.variations.findIndex((v) => v.key === e.rollout) : -1

/**
 * Whether the experiment changes pages: running, or stopped with a rollout. Only these have their
 * targets hidden before the first paint and decided by a plan.
 */
export const changesPages = (e: StatusOf) => e.status === 'running' || rolloutOf(e) >= 0
