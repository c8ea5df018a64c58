// A real HTTP receiver for outbound tests: records every request and answers as told (a queue of
// answers, then 200). `until` waits for a condition on what arrived, never for time.
import { createServer, type IncomingHttpHeaders } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface Received {
  path: string
  headers: IncomingHttpHeaders
  body: string
}

export interface Answer {
  status: number
  headers?: Record<string, string>
  /** Never answer (the client times out); the socket is kept until close. */
  hang?: boolean
  /** Destroy the connection without answering. */
  reset?: boolean
}

export const startReceiver = async () => {
  const received: Received[] = []
  const answers: Answer[] = []
  let fallback: Answer = { status: 200 }
  let respond: ((request: Received) => Answer | undefined) | undefined
  const waiters = new Set<() => void>()
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      received.push({
        path: req.url ?? '/',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      })
      for (const w of waiters) w()
      const answer = answers.shift() ?? respond?.(received[received.length - 1]!) ?? fallback
      if (answer.hang) return
      if (answer.reset) return req.socket.destroy()
      res.writeHead(answer.status, answer.headers).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    received,
    /** Answers for the next requests, in order. */
    answer: (...next: Answer[]) => answers.push(...next),
    /** The answer once the queue is empty. */
    always: (answer: Answer) => {
      fallback = answer
    },
    /** Answers each request as `fn` says (after the queue; undefined: the fallback). */
    respondWith: (fn: (request: Received) => Answer | undefined) => {
      respond = fn
    },
    /** Resolves once `done()` holds over what arrived (checked at every request). */
    until: (done: (received: Received[]) => boolean) =>
      new Promise<void>((resolve) => {
        const check = () => {
          if (!done(received)) return
          waiters.delete(check)
          resolve()
        }
        waiters.add(check)
        check()
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

export type Receiver = Awaited<ReturnType<typeof startReceiver>>
