// A consent id belongs to the browser that made it. The browser keeps a random secret beside the id
// in its consent cookie and sends it with every record; the ledger keeps only its hash (the
// binding). The first record of an id binds it; a later one that presents another secret is
// refused, so nobody who merely learned an id can write that visitor's history.
import { createHash } from 'node:crypto'

export class ConsentProofError extends Error {}

/** What the ledger keeps of a browser's secret. */
export const bindingOf = (proof: string) => createHash('sha256').update(proof).digest('base64url')

/**
 * Checks a new record's binding against the id's latest stored record: none means a new id (this
 * record binds it); a record without a binding is an id from before binding, which no browser can
 * prove any more (the SDK starts a new id for it).
 */
export const checkBinding = (latest: { binding: string | null } | undefined, binding: string | null) => {
  if (latest === undefined) return
  if (latest.binding === null || latest.binding !== binding)
    throw new ConsentProofError('this consent id belongs to another browser')
}
