// Entry of the script-tag bundle (dist/p.js):
//   <script async src="https://collect.example/p.js" data-site="shop"></script>
// Calls made before it loads were queued by the snippet in window.precis.q and are replayed.
import type { SnippetCall } from '../core/precis.ts'
import { captureOptions } from './capture/options.ts'
import { startBrowserSdk } from './start.ts'

const w = window as unknown as Window & { precis?: { q?: SnippetCall[] } }
const script = (document.currentScript ??
  document.querySelector('script[data-site][src*="/p.js"]')) as HTMLScriptElement | null
const stub = w.precis

// A page that includes the tag twice gets one SDK: the real API has no snippet queue `q`.
if (script && (!stub || Array.isArray(stub.q))) {
  const queued = stub?.q ?? []
  const { dataset } = script
  const precis = startBrowserSdk(w, {
    apiHost: new URL(script.src).origin,
    site: dataset.site,
    writeKey: dataset.writeKey,
    capture: captureOptions({}, dataset),
    debug: dataset.debug !== undefined,
    ...(dataset.sessionMinutes ? { sessionMinutes: Number(dataset.sessionMinutes) } : {}),
  })
  const { replay, outbox: _, ...api } = precis
  // Code that kept a reference to the snippet's object keeps working: its methods become real.
  if (stub) Object.assign(stub, api)
  w.precis = api as typeof w.precis
  replay(queued)
}
