import type { ConsentStore } from '../../consent/core/state.ts'
import type { VisitorRights } from '../../consent/ui/mount.ts'
import type { Precis } from '../core/precis.ts'
import { STORAGE_KEYS } from '../core/tracker.ts'
import type { KeyValueStorage } from '../core/types.ts'

/**
 * The visitor's download and delete. The collector issues this browser a token for its
 * anonymousId once (kept with the ids, under analytics consent); the token, never the bare id,
 * proves the data is the visitor's own.
 */
export const visitorRights = (
  win: Window,
  apiHost: string,
  writeKey: () => string | undefined,
  storage: KeyValueStorage,
  precis: Pick<Precis, 'user' | 'reset'> & { outbox: { clear(): Promise<void> } },
  consent: Pick<ConsentStore, 'get' | 'on'>,
): VisitorRights & { ensureToken(): void } => {
  const call = (path: string, body: object) =>
    fetch(`${apiHost}/v1/identity/${path}`, {
      method: 'POST',
      body: JSON.stringify({ ...body, writeKey: writeKey() }),
      headers: { 'Content-Type': 'text/plain' },
      credentials: 'omit',
    })
  const token = () => {
    const t = storage.get(STORAGE_KEYS.token)
    const id = precis.user().anonymousId
    return t && id && t.startsWith(`${id}.`) ? t : undefined
  }
  const ensureToken = () => {
    const anonymousId = precis.user().anonymousId
    if (!writeKey() || !consent.get().purposes.analytics || !anonymousId || token()) return
    call('token', { anonymousId })
      .then((res) => (res.ok ? (res.json() as Promise<{ token: string }>) : undefined))
      .then((body) => body && storage.set(STORAGE_KEYS.token, body.token))
      .catch(() => {})
  }
  consent.on('change', ensureToken)
  return {
    ensureToken,
    available: () => token() !== undefined,
    async download() {
      const res = await call('export', { token: token() }).catch(() => undefined)
      if (!res?.ok) return false
      const link = win.document.createElement('a')
      link.href = URL.createObjectURL(new Blob([await res.text()], { type: 'application/json' }))
      link.download = 'my-data.json'
      link.click()
      win.setTimeout(() => URL.revokeObjectURL(link.href), 60_000)
      return true
    },
    async erase() {
      const res = await call('delete', { token: token() }).catch(() => undefined)
      // 404: nothing was stored; the visitor's wish holds all the same.
      if (!res || (!res.ok && res.status !== 404)) return false
      // What waits to be sent carries the erased ids: it goes too. The visitor continues as a
      // new anonymous visitor, with a new token.
      await precis.outbox.clear()
      storage.remove(STORAGE_KEYS.token)
      precis.reset()
      ensureToken()
      return true
    },
  }
}
