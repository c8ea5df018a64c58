// The reference for collector throughput: a bare Hono handler on the same Node adapter that only
// parses the JSON body and answers 204. Prints "listening on http://localhost:<port>".
import { serve } from '@hono/node-server'
import { Hono } from 'hono'

const app = new Hono()
app.post('/v1/batch', async (c) => {
  await c.req.json()
  return c.body(null, 204)
})
serve({ fetch: app.fetch, port: 0 }, (info) => console.log(`listening on http://localhost:${info.port}`))
