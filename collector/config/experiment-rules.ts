// Rules that protect an experiment's results when it is edited (the admin API): a change of
// variations or weights while it runs is a choice between re-bucketing everyone and keeping their
// assignments, recorded with the version; an experiment that ran never goes back to draft, and is
// archived, never deleted, so its results stay.
import type { Json } from './resources.ts'

export type Refusal = {
  code: 'rebucket_choice_required' | 'invalid_transition' | 'archive_instead'
  message: string
  path?: string
}

const statusOf = (x: Json | undefined) => (typeof x?.status === 'string' ? x.status : 'draft')
const ran = (x: Json | undefined) => x !== undefined && statusOf(x) !== 'draft'

/** Variation keys and weights, the part of an experiment assignment depends on. */
const split = (x: Json) =>
  JSON.stringify(
    (Array.isArray(x.variations) ? x.variations : []).map((v: Json) => [v?.key ?? null, v?.weight ?? null]),
  )

/**
 * Checks an edit from `before` (undefined: a new experiment) to `after`; `rebucket` is the caller's
 * answer when asked. Gives the config to save (bucketVersion raised when re-bucketing) and the
 * note that records the choice, or a refusal.
 */
export const checkExperimentEdit = (
  before: Json | undefined,
  after: Json,
  rebucket: boolean | undefined,
): { config: Json; note?: string } | { refusal: Refusal } => {
  if (ran(before) && statusOf(after) === 'draft')
    return {
      refusal: {
        code: 'invalid_transition',
        message: `experiment ${String(after.key)} has run: it cannot go back to draft (stop or archive it)`,
        path: 'status',
      },
    }
  const running = before !== undefined && statusOf(before) === 'running'
  const sameBucket = (after.bucketVersion ?? 0) === (before?.bucketVersion ?? 0)
  if (!running || !sameBucket || split(before) === split(after)) return { config: after }
  const current = Number(before.bucketVersion ?? 0)
  if (rebucket === undefined)
    return {
      refusal: {
        code: 'rebucket_choice_required',
        message: `experiment ${String(after.key)} is running and its variations or weights changed: send rebucket=true to assign everyone again under bucketVersion ${current + 1} (results start over), or rebucket=false to keep everyone's variation (new visitors get the new split)`,
        path: 'variations',
      },
    }
  return rebucket
    ? {
        config: { ...after, bucketVersion: current + 1 },
        note: `variations or weights changed while running: everyone re-bucketed (bucketVersion ${current + 1})`,
      }
    : {
        config: after,
        note: `variations or weights changed while running: assignments kept (bucketVersion ${current})`,
      }
}

/** Whether the experiment may be deleted: only a draft that never ran; the rest are archived. */
export const checkExperimentDelete = (before: Json): Refusal | undefined =>
  ran(before)
    ? {
        code: 'archive_instead',
        message: `experiment ${String(before.key)} has run and its results stay: archive it (status "archived") instead of deleting it`,
      }
    : undefined
