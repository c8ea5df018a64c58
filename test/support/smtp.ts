// A real SMTP server for the tests (smtp-server), on 127.0.0.1 with a free port: it keeps every
// mail it accepted, parsed (mailparser), and lets a test wait for a mail by a condition.
import type { AddressInfo } from 'node:net'
import { type ParsedMail, simpleParser } from 'mailparser'
import { SMTPServer } from 'smtp-server'

export interface Mail {
  to: string[]
  parsed: ParsedMail
  /** A header's value as written ('' when absent). */
  header: (name: string) => string
}

export interface SmtpCatcher {
  /** `smtp://user:pass@127.0.0.1:<port>`, what an email destination is given. */
  url: string
  mails: Mail[]
  /** Resolves with the first mail (already or later received) for which `match` holds. */
  waitFor: (match: (mail: Mail) => boolean) => Promise<Mail>
  close: () => Promise<void>
}

export const startSmtp = async (auth = { user: 'shop', pass: 'secret-pass' }): Promise<SmtpCatcher> => {
  const mails: Mail[] = []
  const waiting: { match: (m: Mail) => boolean; resolve: (m: Mail) => void }[] = []
  const server = new SMTPServer({
    secure: false,
    hideSTARTTLS: true,
    // Plain-text AUTH without TLS is what a local catcher allows; production SMTP uses STARTTLS or smtps.
    allowInsecureAuth: true,
    onAuth: (a, _session, callback) =>
      a.username === auth.user && a.password === auth.pass
        ? callback(null, { user: a.username })
        : callback(new Error('invalid credentials')),
    onData: (stream, session, callback) => {
      simpleParser(stream).then(
        (parsed) => {
          const mail: Mail = {
            to: session.envelope.rcptTo.map((r) => r.address),
            parsed,
            // As written (mailparser turns some headers into objects): `Name: value` lines, unfolded.
            header: (name) => {
              const line = parsed.headerLines.find((h) => h.key === name.toLowerCase())?.line ?? ''
              return line
                .slice(line.indexOf(':') + 1)
                .replace(/\r?\n\s+/g, ' ')
                .trim()
            },
          }
          mails.push(mail)
          for (const w of waiting.splice(0)) w.match(mail) ? w.resolve(mail) : waiting.push(w)
          callback()
        },
        (err: Error) => callback(err),
      )
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.server.address() as AddressInfo
  return {
    url: `smtp://${auth.user}:${auth.pass}@127.0.0.1:${port}`,
    mails,
    waitFor: (match) =>
      new Promise((resolve) => {
        const found = mails.find(match)
        if (found) resolve(found)
        else waiting.push({ match, resolve })
      }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
