// The one edge that leaves the collector for a destination: an HTTP(S) POST whose connection goes
// only where the address guard allows (a host written as an address is checked here, a name at the
// look-up the connection itself uses, so DNS rebinding gains nothing), with a timeout. It answers
// with what the retry rules need; a refused address is a refusal, not a failure to try again.
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { isIP } from 'node:net'
import { addressProblem, type GuardOptions, guardedLookup } from './address-guard.ts'
import type { DeliveryRequest } from './payload.ts'
import type { Attempt } from './retry.ts'

export type SendResult = Attempt & {
  /** Why the request was not made and never will be (the address or scheme is refused). */
  refused?: string
}

export type Send = (request: DeliveryRequest) => Promise<SendResult>

/** How long a receiver may take to answer. */
const TIMEOUT_MS = 10_000

/** Why `url` may not be connected to, before any look-up; undefined when it may. */
export const sendProblem = (url: string, allowPrivate: boolean): string | undefined => {
  const u = new URL(url)
  if (u.protocol !== 'https:' && !(allowPrivate && u.protocol === 'http:'))
    return 'must be https (PRECIS_ALLOW_PRIVATE_DESTINATIONS=true allows http, for local receivers)'
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1')
  if (!allowPrivate && isIP(host)) {
    const problem = addressProblem(host)
    if (problem) return `${host} is ${problem}`
  }
  return undefined
}

export const httpSend = (options: GuardOptions & { timeoutMs?: number }): Send => {
  const lookup = guardedLookup(options)
  return (req) =>
    new Promise((resolve) => {
      const refused = sendProblem(req.url, options.allowPrivate)
      if (refused) return resolve({ refused })
      const url = new URL(req.url)
      const make = url.protocol === 'https:' ? httpsRequest : httpRequest
      const timeoutMs = options.timeoutMs ?? TIMEOUT_MS
      const r = make(
        url,
        {
          method: 'POST',
          headers: { ...req.headers, 'content-length': String(Buffer.byteLength(req.body)) },
          lookup,
        },
        (res) => {
          clearTimeout(deadline)
          // The status line and headers are the answer; a body is not read, so a receiver that
          // drips one forever holds nothing.
          resolve({
            status: res.statusCode ?? 0,
            retryAfter: res.headers['retry-after'],
            error: res.statusMessage,
          })
          res.destroy()
        },
      )
      // One deadline for the whole exchange up to the answer's headers, however slowly bytes move.
      const deadline = setTimeout(() => r.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)
      r.on('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(deadline)
        resolve(err.code === 'EDESTINATIONREFUSED' ? { refused: err.message } : { error: err.message })
      })
      r.end(req.body)
    })
}
