import type { ConsentPersistence } from '../core/state.ts'

export const CONSENT_COOKIE = 'precis_consent'

/**
 * The choice lives in a first-party cookie so the collector can read it too. Writing it is
 * strictly necessary (it records the refusal as well), so it needs no consent of its own.
 */
export const cookiePersistence = (doc: Document, name = CONSENT_COOKIE): ConsentPersistence => ({
  load() {
    for (const part of doc.cookie.split('; ')) {
      if (part.startsWith(`${name}=`)) {
        try {
          return decodeURIComponent(part.slice(name.length + 1))
        } catch {
          return null
        }
      }
    }
    return null
  },
  save(value, expiresAt) {
    const secure = doc.location?.protocol === 'https:' ? '; Secure' : ''
    doc.cookie = `${name}=${encodeURIComponent(value)}; Path=/; Expires=${new Date(expiresAt).toUTCString()}; SameSite=Lax${secure}`
  },
})
