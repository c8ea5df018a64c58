// The bench's receiver of deliveries, in a process of its own so that it does not share the
// measured process's CPU time: answers 204 at once, counts events, tells its port over IPC.
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'

let received = 0
const server = createServer((req, res) => {
  const chunks: Buffer[] = []
  req.on('data', (c: Buffer) => chunks.push(c))
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { batch?: unknown[] }
    received += body.batch ? body.batch.length : 1
    res.writeHead(204).end()
  })
})
server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as AddressInfo).port }))
process.on('message', () => process.send?.({ received }))
process.on('SIGTERM', () => server.close(() => process.exit(0)))
