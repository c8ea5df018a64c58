import type { KeyValueStorage } from '../core/types.ts'

/**
 * localStorage when the browser lets us use it, else memory for this page (private modes,
 * blocked storage, quota): storage trouble must never break the host page.
 */
export const browserStorage = (): KeyValueStorage => {
  const memory = new Map<string, string>()
  const attempt = <T>(fn: (ls: Storage) => T, fallback: () => T): T => {
    try {
      return fn(localStorage)
    } catch {
      return fallback()
    }
  }
  return {
    get: (key) =>
      attempt(
        (ls) => ls.getItem(key),
        () => memory.get(key) ?? null,
      ) ??
      memory.get(key) ??
      null,
    set: (key, value) =>
      attempt(
        (ls) => ls.setItem(key, value),
        () => void memory.set(key, value),
      ),
    remove: (key) => {
      memory.delete(key)
      attempt(
        (ls) => ls.removeItem(key),
        () => {},
      )
    },
  }
}
