// A destination's circuit: after `threshold` failures in a row it opens, and deliveries to it wait
// instead of piling on a receiver that is down; after the cool-down one delivery probes it
// (half-open): success closes it, failure opens it again for twice as long (up to a cap). Pure:
// the state is a value, the clock is given.

export interface Circuit {
  /** Failures in a row. */
  failures: number
  /** Until when it stays open (epoch ms); 0 when closed. */
  openUntil: number
  /** The last cool-down, doubled at each failed probe. */
  coolDownMs: number
}

export interface CircuitPolicy {
  threshold: number
  coolDownMs: number
  maxCoolDownMs: number
}

export const CIRCUIT_POLICY: CircuitPolicy = { threshold: 5, coolDownMs: 30_000, maxCoolDownMs: 1_800_000 }

export const closedCircuit = (): Circuit => ({ failures: 0, openUntil: 0, coolDownMs: 0 })

/**
 * Whether a delivery may be tried now, and the circuit after asking: closed, yes; open within its
 * cool-down, no; open past it, yes for this one (the probe), the others waiting while it runs.
 */
export const tryNow = (
  c: Circuit,
  now: number,
  policy: CircuitPolicy = CIRCUIT_POLICY,
): { allowed: boolean; circuit: Circuit } => {
  if (c.failures < policy.threshold) return { allowed: true, circuit: c }
  if (now < c.openUntil) return { allowed: false, circuit: c }
  return { allowed: true, circuit: { ...c, openUntil: now + c.coolDownMs } }
}

/** The circuit after an attempt at `now` that succeeded or failed. */
export const afterAttempt = (
  c: Circuit,
  ok: boolean,
  now: number,
  policy: CircuitPolicy = CIRCUIT_POLICY,
): Circuit => {
  if (ok) return closedCircuit()
  const failures = c.failures + 1
  if (failures < policy.threshold) return { ...c, failures }
  // Opening for the first time, or a failed probe: twice the last cool-down.
  const coolDownMs = c.coolDownMs === 0 ? policy.coolDownMs : Math.min(policy.maxCoolDownMs, c.coolDownMs * 2)
  return { failures, openUntil: now + coolDownMs, coolDownMs }
}
