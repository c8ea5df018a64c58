// @ts-check
// Entry of the resolver's worker thread. Worker threads do not share the main thread's
// TypeScript loader, so this plain module loads the TypeScript one through tsx's API.
import { tsImport } from 'tsx/esm/api'

await tsImport('./resolver-worker.ts', import.meta.url)
