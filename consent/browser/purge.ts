import type { ServiceConfig } from '../core/config.ts'
import { matchesPattern } from '../core/patterns.ts'
import type { Purpose } from '../core/state.ts'

const quietly = (fn: () => void) => {
  try {
    fn()
  } catch {
    // Blocked storage must not stop the rest of the cleanup.
  }
}

/**
 * Deletes what the services of withdrawn purposes stored: cookies, localStorage and
 * sessionStorage keys, IndexedDB databases, by the names and `*` patterns of the site config.
 */
export const removeServiceData = async (
  win: Window,
  services: readonly ServiceConfig[],
  withdrawn: readonly Purpose[],
) => {
  const listed = services.filter((s) => withdrawn.includes(s.purpose))
  const matcher = (pick: (s: ServiceConfig) => string[]) => {
    const patterns = listed.flatMap(pick)
    return (name: string) => patterns.some((p) => matchesPattern(p, name))
  }
  const cookie = matcher((s) => s.cookies)
  const key = matcher((s) => s.storage)
  const database = matcher((s) => s.indexedDB)
  const { document: doc, location } = win

  // A cookie is deleted only by naming its domain and path as set: try the host, every parent
  // domain (tags like to use the registrable one) and the root and current paths.
  const labels = location.hostname.split('.')
  const isIp = /^[\d.]+$|:/.test(location.hostname)
  const domains = [
    '',
    ...(isIp ? [] : labels.slice(0, -1).map((_, i) => `; Domain=${labels.slice(i).join('.')}`)),
  ]
  const paths = ['/', location.pathname.replace(/[^/]*$/, '') || '/']
  for (const part of doc.cookie.split('; ')) {
    const name = part.slice(0, part.indexOf('=') >>> 0)
    if (!name || !cookie(name)) continue
    for (const domain of domains)
      for (const path of paths) doc.cookie = `${name}=; Max-Age=0; Path=${path}${domain}`
  }

  for (const area of ['localStorage', 'sessionStorage'] as const) {
    quietly(() => {
      const store = win[area]
      for (const k of Object.keys(store)) if (key(k)) store.removeItem(k)
    })
  }

  try {
    for (const db of await win.indexedDB.databases())
      if (db.name && database(db.name)) win.indexedDB.deleteDatabase(db.name)
  } catch {
    // No IndexedDB (or no databases()): nothing to delete.
  }
}
