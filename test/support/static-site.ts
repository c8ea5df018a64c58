// A site on another origin that embeds the script tag with an absolute URL, as an owner's site would.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

export interface StaticSite {
  origin: string
  /** Serves `html` at `path` from now on. */
  page(path: string, html: string): void
  stop(): Promise<void>
}

export const startStaticSite = async (): Promise<StaticSite> => {
  const pages = new Map<string, string>()
  const server: Server = createServer((req, res) => {
    const html = pages.get((req.url ?? '/').split('?')[0]!)
    res.writeHead(html ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' })
    res.end(html ?? 'not found')
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const { port } = server.address() as AddressInfo
  return {
    origin: `http://127.0.0.1:${port}`,
    page: (path, html) => void pages.set(path, html),
    stop: () =>
      new Promise((done) => {
        server.close(() => done())
        // The browser may still hold keep-alive connections; close() alone would wait for them.
        server.closeAllConnections()
      }),
  }
}

/** The snippet from the README, byte for byte. */
export const SNIPPET =
  'window.precis=window.precis||new Proxy({q:[]},{get:(t,k)=>t[k]||(t[k]=(...a)=>{t.q.push([k,a,Date.now()])})});'
