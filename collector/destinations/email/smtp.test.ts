import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { type AddressInfo, createServer } from 'node:net'
import { type ParsedMail, simpleParser } from 'mailparser'
import { SMTPServer } from 'smtp-server'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { outcomeOf } from '../retry.ts'
import { type EmailDestination, emailSchema } from './config.ts'
import { createSmtpSender, type EmailMessage, smtpProblem, smtpResult } from './smtp.ts'
import { renderEmail } from './templates.ts'

interface Received {
  mail: ParsedMail
  to: string[]
  user: unknown
}

const reply = (responseCode: number, message: string) => Object.assign(new Error(message), { responseCode })

let received: Received[] = []
let connections = 0

// A real SMTP server on the loopback, plain text (no STARTTLS), with a password for `news`.
const server = new SMTPServer({
  disabledCommands: ['STARTTLS'],
  authOptional: true,
  allowInsecureAuth: true,
  logger: false,
  onConnect(_session, callback) {
    connections++
    callback()
  },
  onAuth(auth, _session, callback) {
    if (auth.username === 'news' && auth.password === 'p@ss:w/rd') callback(null, { user: 'news' })
    else callback(reply(535, 'authentication failed'))
  },
  onRcptTo({ address }, _session, callback) {
    if (address.startsWith('busy@')) return callback(reply(450, 'mailbox busy, try again later'))
    if (address.startsWith('nobody@')) return callback(reply(550, 'no such user here'))
    callback()
  },
  onData(stream, session, callback) {
    simpleParser(stream).then((mail) => {
      received.push({ mail, to: session.envelope.rcptTo.map((a) => a.address), user: session.user })
      callback()
    }, callback)
  },
})

let port = 0
let closedPort = 0

beforeAll(async () => {
  server.listen(0, '127.0.0.1')
  await once(server.server, 'listening')
  port = (server.server.address() as AddressInfo).port
  // A port nothing listens on any more.
  const closed = createServer().listen(0, '127.0.0.1')
  await once(closed, 'listening')
  closedPort = (closed.address() as AddressInfo).port
  await new Promise((resolve) => closed.close(resolve))
})

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

beforeEach(() => {
  received = []
})

const destination = (smtp: string): EmailDestination =>
  emailSchema.parse({
    key: 'news',
    kind: 'email',
    smtp,
    from: 'Shop <news@shop.example>',
    replyTo: 'help@shop.example',
  })

const UNSUBSCRIBE = 'https://c.shop.example/v1/unsubscribe?t=eyJzaXRlIjoic2hvcCJ9.c2lnbmF0dXJl'
const mail = renderEmail({
  template: 'welcome',
  language: 'zh-CN',
  variables: { name: 'Ada' },
  unsubscribeUrl: UNSUBSCRIBE,
})
const message = (to = 'ada@example.com'): EmailMessage => ({
  id: 'dlv_01HZX.news',
  to,
  subject: mail.subject,
  text: mail.text,
  html: mail.html,
  unsubscribeUrl: UNSUBSCRIBE,
})

const send = createSmtpSender({ allowPrivate: true })
const kind = (result: object) => outcomeOf(result, 1, 0, 0, () => 0).kind

describe('the SMTP sender', () => {
  it('delivers both parts, the unsubscribe headers and a Message-ID stable across attempts', async () => {
    const url = `smtp://127.0.0.1:${port}`
    const first = await send(destination(url), message())
    expect(first).toEqual({ status: 250 })
    expect(kind(first)).toBe('delivered')
    expect(await send(destination(url), message())).toEqual({ status: 250 })
    expect(received).toHaveLength(2)
    const [a, b] = received.map((r) => r.mail)
    expect(received[0]!.to).toEqual(['ada@example.com'])
    expect(a!.to).toMatchObject({ value: [{ address: 'ada@example.com' }] })
    expect(a!.from).toMatchObject({ value: [{ name: 'Shop', address: 'news@shop.example' }] })
    expect(a!.replyTo).toMatchObject({ value: [{ address: 'help@shop.example' }] })
    expect(a!.subject).toBe('Ada，欢迎加入！')
    expect(a!.text).toBe(mail.text)
    expect(a!.html).toBe(mail.html)
    expect(a!.messageId).toBe('<dlv_01HZX.news@precis>')
    expect(b!.messageId).toBe(a!.messageId)
    const header = (name: string) =>
      a!.headerLines.find((h) => h.key === name)?.line.replace(/\r?\n\s+/g, ' ')
    expect(header('list-unsubscribe')).toBe(`List-Unsubscribe: <${UNSUBSCRIBE}>`)
    expect(header('list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click')
    expect(header('auto-submitted')).toBeUndefined()
    expect(received[0]!.user).toBeUndefined()
  })

  it('logs in with the user and password of the URL, and a wrong password is refused', async () => {
    const ok = await send(destination(`smtp://news:p%40ss%3Aw%2Frd@127.0.0.1:${port}`), message())
    expect(ok).toEqual({ status: 250 })
    expect(received.map((r) => r.user)).toEqual(['news'])
    const wrong = await send(destination(`smtp://news:nope@127.0.0.1:${port}`), message())
    expect(wrong.refused).toMatch(/^SMTP 535 /)
    expect(received).toHaveLength(1)
  })

  it('tries again after a 4xx reply, and gives up on a 5xx one', async () => {
    const busy = await send(destination(`smtp://127.0.0.1:${port}`), message('busy@example.com'))
    expect(busy.refused).toBeUndefined()
    expect(busy.error).toMatch(/^SMTP 450 .*mailbox busy/)
    expect(kind(busy)).toBe('retry')
    const nobody = await send(destination(`smtp://127.0.0.1:${port}`), message('nobody@example.com'))
    expect(nobody.refused).toMatch(/^SMTP 550 .*no such user here/)
    expect(received).toHaveLength(0)
  })

  it('tries again when nothing listens', async () => {
    const result = await send(destination(`smtp://127.0.0.1:${closedPort}`), message())
    expect(result.refused).toBeUndefined()
    expect(result.status).toBeUndefined()
    expect(result.error).toMatch(/ECONNREFUSED|connect/i)
    expect(kind(result)).toBe('retry')
  })

  it("refuses the operator's own network without connecting, unless allowed", async () => {
    const before = connections
    const guarded = createSmtpSender({ allowPrivate: false })
    const literal = await guarded(destination(`smtp://127.0.0.1:${port}`), message())
    expect(literal.refused).toMatch(/^the SMTP host 127\.0\.0\.1 is a loopback address/)
    const asked: string[] = []
    const rebinding = createSmtpSender({
      allowPrivate: false,
      resolve: async (host) => {
        asked.push(host)
        return [
          { address: '93.184.216.34', family: 4 },
          { address: '::ffff:127.0.0.1', family: 6 },
        ]
      },
    })
    const named = await rebinding(destination(`smtp://mx.shop.test:${port}`), message())
    expect(named.refused).toMatch(
      /^the SMTP host mx\.shop\.test resolves to ::ffff:127\.0\.0\.1 is a loopback address/,
    )
    expect(asked).toEqual(['mx.shop.test'])
    expect(connections).toBe(before)
    expect(received).toHaveLength(0)
    expect(await smtpProblem(`smtps://u:p@10.0.0.8:465`, { allowPrivate: false })).toMatch(/private/)
    expect(await smtpProblem(`smtps://u:p@10.0.0.8:465`, { allowPrivate: true })).toBeUndefined()
  })

  it('connects to the address the name resolved to, checked then', async () => {
    const asked: string[] = []
    const resolving = createSmtpSender({
      allowPrivate: true,
      resolve: async (host) => {
        asked.push(host)
        return [{ address: '127.0.0.1', family: 4 }]
      },
    })
    expect(await resolving(destination(`smtp://mx.shop.test:${port}`), message())).toEqual({ status: 250 })
    expect(asked).toEqual(['mx.shop.test'])
    expect(received).toHaveLength(1)
    // IPv4 first: the server listens on 127.0.0.1 only.
    const both = createSmtpSender({
      allowPrivate: true,
      resolve: async () => [
        { address: '::1', family: 6 },
        { address: '127.0.0.1', family: 4 },
      ],
    })
    expect(await both(destination(`smtp://mx.shop.test:${port}`), message())).toEqual({ status: 250 })
    const failing = createSmtpSender({
      allowPrivate: true,
      resolve: () => Promise.reject(new Error('ENOTFOUND')),
    })
    const result = await failing(destination(`smtp://mx.shop.test:${port}`), message())
    expect(result).toEqual({ error: 'the SMTP host mx.shop.test does not resolve' })
    expect(kind(result)).toBe('retry')
  })

  it('makes a Message-ID of any id, the same at every attempt', async () => {
    const id = 'shop/news:evt 1'
    for (let i = 0; i < 2; i++) await send(destination(`smtp://127.0.0.1:${port}`), { ...message(), id })
    const hash = createHash('sha256').update(id).digest('hex')
    expect(received.map((r) => r.mail.messageId)).toEqual([`<${hash}@precis>`, `<${hash}@precis>`])
  })

  it('speaks TLS from the first byte to an smtps:// server', async () => {
    // The test server speaks plain SMTP, so the TLS handshake fails: proof TLS was asked for.
    const result = await send(destination(`smtps://127.0.0.1:${port}`), message())
    expect(result.error).toMatch(/SSL|TLS/i)
    expect(kind(result)).toBe('retry')
    expect(received).toHaveLength(0)
  })

  it('refuses a recipient that is not one plain address, without connecting', async () => {
    const before = connections
    for (const to of [
      'ada@example.com, eve@example.com',
      'Ada <ada@example.com>',
      'ada@example.com\r\nBcc: x@y',
      'ada',
    ])
      expect((await send(destination(`smtp://127.0.0.1:${port}`), message(to))).refused).toMatch(/one plain/)
    expect(connections).toBe(before)
  })
})

describe('smtpResult', () => {
  it('reads 4xx and 503 as worth another try, other 5xx as refused, no reply as transient', () => {
    expect(smtpResult(reply(421, 'closing'))).toEqual({ error: 'SMTP 421 closing' })
    const e = Object.assign(new Error('x'), { responseCode: 503, response: '503 5.5.1 Bad sequence' })
    expect(smtpResult(e)).toEqual({ error: 'SMTP 503 5.5.1 Bad sequence' })
    expect(smtpResult(reply(552, 'too big'))).toEqual({ refused: 'SMTP 552 too big' })
    expect(smtpResult(Object.assign(new Error('aborted'), { code: 'EABORT' }))).toEqual({
      error: 'the SMTP exchange took too long',
    })
    expect(smtpResult(new Error('Greeting never received'))).toEqual({ error: 'Greeting never received' })
  })
})
