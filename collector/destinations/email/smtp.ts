// The edge that hands a mail to the site's SMTP server: one connection per mail (no pool, so a
// changed URL or password takes effect at once), timeouts at every step, and an answer the delivery
// worker's retry rules read like an HTTP one. The server's host passes the address guard: a name is
// resolved here, checked, and the connection made to that very address (the certificate still
// checked against the name), so DNS rebinding gains nothing.
import { createHash } from 'node:crypto'
import { lookup } from 'node:dns/promises'
import { isIP } from 'node:net'
import { createTransport } from 'nodemailer'
import { addressProblem, type GuardOptions, type Resolve } from '../address-guard.ts'
import type { SendResult } from '../send.ts'
import type { EmailDestination } from './config.ts'

export interface EmailMessage {
  /** The delivery's idempotency key: the Message-ID, the same at every attempt. */
  id: string
  /** One address, nothing else: not a list, not `Name <address>`. */
  to: string
  subject: string
  text: string
  html: string
  unsubscribeUrl: string
}

export type SendEmail = (destination: EmailDestination, message: EmailMessage) => Promise<SendResult>

/** How long connecting, the greeting and each reply may take; the whole exchange, three times it. */
const TIMEOUT_MS = 10_000

interface Server {
  host: string
  port: number
  /** smtps: TLS from the first byte; smtp: STARTTLS. */
  secure: boolean
  auth?: { user: string; pass: string }
}

/** A user or password as written in the URL: percent-decoded, or as it is when that fails (`%ZZ`). */
const decoded = (s: string) => {
  try {
    return decodeURIComponent(s)
  } catch {
    return s
  }
}

/** The server a destination's `smtp` URL names (the config schema made sure it is one). */
export const smtpServer = (url: string): Server => {
  const u = new URL(url)
  const secure = u.protocol === 'smtps:'
  return {
    host: u.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: u.port ? Number(u.port) : secure ? 465 : 587,
    secure,
    ...(u.username ? { auth: { user: decoded(u.username), pass: decoded(u.password) } } : {}),
  }
}

const resolveAll: Resolve = (host) => lookup(host, { all: true, verbatim: true })

/**
 * The address to connect to for `host`: itself when it is one, else the first IPv4 address its
 * name resolves to (or the first, when none; IPv4 is the path more likely to work); `refused` when
 * any is an address the guard refuses (unless allowPrivate), `error` when the name does not
 * resolve (perhaps only for now).
 */
export const smtpAddress = async (
  host: string,
  options: GuardOptions,
): Promise<{ address: string } | { refused: string } | { error: string }> => {
  let addresses: { address: string }[]
  try {
    addresses = isIP(host) ? [{ address: host }] : await (options.resolve ?? resolveAll)(host)
  } catch {
    return { error: `the SMTP host ${host} does not resolve` }
  }
  if (addresses.length === 0) return { error: `the SMTP host ${host} does not resolve` }
  const problem = options.allowPrivate
    ? undefined
    : addresses.map((a) => addressProblem(a.address)).find(Boolean)
  if (problem) {
    const where = isIP(host) ? problem : `${host} resolves to ${problem}`
    return { refused: `the SMTP host ${where} (PRECIS_ALLOW_PRIVATE_DESTINATIONS=true allows it)` }
  }
  return { address: (addresses.find((a) => isIP(a.address) === 4) ?? addresses[0]!).address }
}

/**
 * Why a destination's SMTP URL (schema-checked) is refused when it is saved, or undefined. A name
 * that does not resolve now is not refused: the send tries again.
 */
export const smtpProblem = async (url: string, options: GuardOptions) => {
  const target = await smtpAddress(smtpServer(url).host, options)
  return 'refused' in target ? target.refused : undefined
}

/** A bare address, one: no display name, no second recipient, no line break. */
const ADDRESS = /^[^\s@<>()[\],;:"\\]+@[^\s@<>()[\],;:"\\]+$/

/** The Message-ID's left part: the id when it is a dot-atom, else its SHA-256 (as stable). */
const idPart = (id: string) =>
  /^[A-Za-z0-9_=+-]+(\.[A-Za-z0-9_=+-]+)*$/.test(id) && id.length <= 200
    ? id
    : createHash('sha256').update(id).digest('hex')

/**
 * What an attempt's error means to the retry rules (retry.ts): a 4xx reply, or 503 (commands out
 * of sequence, fine on a new connection), is worth another try, so no status (transient) and the
 * reply as the error; any other 5xx will not change, so refused; a connection error or timeout has
 * no reply, so no status (transient).
 */
export const smtpResult = (err: unknown): SendResult => {
  const e = err as { responseCode?: unknown; response?: unknown; message?: unknown; code?: unknown }
  const message = (typeof e?.message === 'string' ? e.message : String(err)).trim()
  if (typeof e?.responseCode === 'number') {
    const reply = typeof e.response === 'string' ? e.response.trim() : message
    const said = reply.startsWith(String(e.responseCode)) ? reply : `${e.responseCode} ${reply}`
    if (e.responseCode >= 500 && e.responseCode !== 503) return { refused: `SMTP ${said}` }
    return { error: `SMTP ${said}` }
  }
  return { error: e?.code === 'EABORT' ? 'the SMTP exchange took too long' : message }
}

/**
 * Sends through the destination's SMTP server. Accepted answers `{ status: 250 }` (SMTP's "OK",
 * inside the 2xx that retry.ts reads as delivered); see smtpResult for the rest.
 */
export const createSmtpSender =
  (options: GuardOptions & { timeoutMs?: number }): SendEmail =>
  async (destination, message) => {
    if (!ADDRESS.test(message.to)) return { refused: 'the recipient is not one plain email address' }
    const server = smtpServer(destination.smtp)
    const target = await smtpAddress(server.host, options)
    if (!('address' in target)) return target
    const timeoutMs = options.timeoutMs ?? TIMEOUT_MS
    const transport = createTransport({
      host: target.address,
      port: server.port,
      secure: server.secure,
      // The certificate is for the name, not the address connected to.
      ...(isIP(server.host) ? {} : { servername: server.host }),
      // Plain text only where http is allowed too: on a public network, STARTTLS or no mail.
      requireTLS: !server.secure && !options.allowPrivate,
      ...(server.auth ? { auth: server.auth } : {}),
      pool: false,
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
      // Nothing in a mail may name a file or URL for the sender to read.
      disableFileAccess: true,
      disableUrlAccess: true,
      logger: false,
    })
    try {
      await transport.sendMail({
        from: destination.from,
        ...(destination.replyTo ? { replyTo: destination.replyTo } : {}),
        to: message.to,
        subject: message.subject,
        text: message.text,
        html: message.html,
        // The same at every attempt, so a receiver can drop a repeat.
        messageId: `<${idPart(message.id)}@precis>`,
        list: { unsubscribe: message.unsubscribeUrl },
        // RFC 8058: mail clients may unsubscribe with one POST, without opening the page.
        headers: { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' },
        // However slowly a server drips its replies, the exchange ends.
        signal: AbortSignal.timeout(3 * timeoutMs),
      })
      return { status: 250 }
    } catch (err) {
      return smtpResult(err)
    } finally {
      transport.close()
    }
  }
