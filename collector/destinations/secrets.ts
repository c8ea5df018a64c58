// A destination's secrets through the admin API: written, never read back. Answers show whether
// one is set; a change that leaves one out keeps the one stored; a new webhook without a secret
// gets one, shown once in the answer that made it. Pure (randomness given).
import { SECRET_FIELDS } from './config.ts'
import { newSecret } from './signature.ts'

type Json = Record<string, unknown>

/** `secret` → `hasSecret`, `writeKey` → `hasWriteKey`: what answers show instead. */
const shownAs = (field: string) => `has${field[0]!.toUpperCase()}${field.slice(1)}`

/** The destination as answers show it: each secret replaced by whether it is set. */
export const withoutSecrets = (config: Json): Json => {
  const out: Json = { ...config }
  for (const field of SECRET_FIELDS)
    if (field in out) {
      delete out[field]
      out[shownAs(field)] = true
    }
  return out
}

/**
 * The destination to save from what a caller sent: the `has…` flags answers carry dropped, and
 * each secret it left out taken from `before` (the stored one), or made for a new webhook.
 * `made` is the secret generated, to show once.
 */
export const withSecrets = (
  sent: Json,
  before: Json | undefined,
  random: (n: number) => Buffer,
): { config: Json; made?: string } => {
  const config: Json = { ...sent }
  for (const field of SECRET_FIELDS) {
    delete config[shownAs(field)]
    if (config[field] === undefined && before?.[field] !== undefined && before.kind === config.kind)
      config[field] = before[field]
  }
  if (config.kind === 'webhook' && config.secret === undefined) {
    const made = newSecret(random)
    return { config: { ...config, secret: made }, made }
  }
  return { config }
}
