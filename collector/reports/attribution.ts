// Attribution: which visits get the credit for a person's conversions, after five common models.
// Pure: the caller gives each person's touches (visits from all their devices) and conversions.
//
// Exact definitions:
// - A conversion looks back over the touches with conversion.at - lookback <= at <= conversion.at
//   (both ends inclusive: a visit starting at the conversion's instant counts, a later one never).
//   Touches are ordered by `at`; touches at the same instant keep the caller's order.
// - Each conversion is credited on its own, with fractions summing to 1, so a model's rows sum to
//   the number of conversions that had a touch; those without one are `unattributed`.
// - first          the earliest touch gets 1 (direct or not).
// - lastNonDirect  the latest touch that is not direct gets 1; the latest touch only when all are
//                  direct (Google's rule: direct never takes credit from a known source).
// - linear         1/n each.
// - position       40 % first, 40 % last, 20 % shared by the middle; 1 touch 100 %, 2 touches 50/50.
// - timeDecay      weight 2^(-Δt / halfLife), Δt from touch to conversion, normalised to 1.
// - A touch's value credit is its fraction of the conversion's value.

const DAY = 86_400_000

/** A touchpoint: a visit, from any of the person's devices. */
export interface Touch {
  /** When the visit started. */
  at: number
  /** The visit's channel (channels.ts); `Direct` is direct by default. */
  channel: string
  campaign: string | null
  source: string | null
}

/** A conversion of a person and what it was worth. */
export interface Conversion {
  at: number
  value: number
}

/** A person (a profile across devices): touches in any order, and conversions. */
export interface AttributionPerson<T extends Touch = Touch> {
  touches: readonly T[]
  conversions: readonly Conversion[]
}

export const MODELS = ['first', 'lastNonDirect', 'linear', 'position', 'timeDecay'] as const

/** An attribution model (see the definitions at the top of attribution.ts). */
export type Model = (typeof MODELS)[number]

/** How touches are credited. */
export interface AttributionOptions<T extends Touch = Touch> {
  /** Touches older than this before a conversion are ignored, in ms; default 90 days (GA4's). */
  lookback?: number
  /** The time-decay model's half-life, in ms; default 7 days. */
  halfLife?: number
  /** What a row is credited to; default the channel. Channel and campaign: a key joining both. */
  key?: (touch: T) => string
  /** Whether a touch is direct, for lastNonDirect; default its channel is `Direct`. */
  isDirect?: (touch: T) => boolean
}

/** The credit one key gets under one model. */
export interface Credit {
  key: string
  /** Fractions of conversions. */
  conversions: number
  /** The same fractions of their values. */
  value: number
}

/** Conversions counted and their value. */
export interface Total {
  conversions: number
  value: number
}

/** An attribution report. */
export interface Attribution {
  /** Per model, one row per credited key, most credited first (then by key). */
  models: Record<Model, Credit[]>
  /** Conversions with a touch in the lookback: each model's rows sum to these. */
  attributed: Total
  /** Conversions without any touch in the lookback. */
  unattributed: Total
}

const byTime = <T extends Touch>(a: T, b: T) => a.at - b.at

/**
 * Each touch's fraction of one conversion under `model`. `touches` are those in its lookback,
 * sorted by `at`; the fractions sum to 1 (none when there is no touch).
 */
export const shares = <T extends Touch>(
  model: Model,
  touches: readonly T[],
  halfLife = 7 * DAY,
  isDirect: (touch: T) => boolean = (t) => t.channel === 'Direct',
): number[] => {
  const n = touches.length
  if (n === 0) return []
  const out = new Array<number>(n).fill(0)
  switch (model) {
    case 'first':
      out[0] = 1
      break
    case 'lastNonDirect': {
      let i = n - 1
      while (i >= 0 && isDirect(touches[i]!)) i--
      out[i < 0 ? n - 1 : i] = 1
      break
    }
    case 'linear':
      out.fill(1 / n)
      break
    case 'position':
      if (n <= 2) out.fill(1 / n)
      else {
        out.fill(0.2 / (n - 2))
        out[0] = 0.4
        out[n - 1] = 0.4
      }
      break
    case 'timeDecay': {
      // Δt from the latest touch rather than the conversion: the same ratios once normalised, but
      // the largest weight is 1, so a long lookback and a short half-life cannot underflow to 0/0.
      const latest = touches[n - 1]!.at
      const weights = touches.map((t) => 2 ** (-(latest - t.at) / halfLife))
      const sum = weights.reduce((s, w) => s + w, 0)
      weights.forEach((w, i) => {
        out[i] = w / sum
      })
      break
    }
  }
  return out
}

/** Credits every conversion to the touches before it, under each model. */
export const attribute = <T extends Touch>(
  people: readonly AttributionPerson<T>[],
  options: AttributionOptions<T> = {},
): Attribution => {
  const {
    lookback = 90 * DAY,
    halfLife = 7 * DAY,
    key = (t: T) => t.channel,
    isDirect = (t: T) => t.channel === 'Direct',
  } = options
  if (!(lookback >= 0)) throw new RangeError('attribution: lookback must be at least 0')
  if (!(halfLife > 0)) throw new RangeError('attribution: halfLife must be more than 0')
  const credits = new Map<Model, Map<string, Credit>>(MODELS.map((m) => [m, new Map()]))
  const attributed: Total = { conversions: 0, value: 0 }
  const unattributed: Total = { conversions: 0, value: 0 }

  for (const person of people) {
    const touches = [...person.touches].sort(byTime)
    const keys = touches.map(key)
    for (const conversion of person.conversions) {
      const from = touches.findIndex((t) => t.at >= conversion.at - lookback)
      let to = touches.length - 1
      while (to >= 0 && touches[to]!.at > conversion.at) to--
      if (from < 0 || to < from) {
        unattributed.conversions++
        unattributed.value += conversion.value
        continue
      }
      attributed.conversions++
      attributed.value += conversion.value
      const window = touches.slice(from, to + 1)
      for (const model of MODELS) {
        const rows = credits.get(model)!
        shares(model, window, halfLife, isDirect).forEach((share, i) => {
          if (share === 0) return
          const k = keys[from + i]!
          const row = rows.get(k) ?? { key: k, conversions: 0, value: 0 }
          row.conversions += share
          row.value += share * conversion.value
          rows.set(k, row)
        })
      }
    }
  }

  const sorted = (rows: Map<string, Credit>) =>
    [...rows.values()].sort((a, b) => b.conversions - a.conversions || (a.key < b.key ? -1 : 1))
  const models = Object.fromEntries(MODELS.map((m) => [m, sorted(credits.get(m)!)])) as Record<
    Model,
    Credit[]
  >
  return { models, attributed, unattributed }
}
