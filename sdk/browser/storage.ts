import type { KeyValueStorage } from '../core/types.ts'

/**
 * localStorage when the browser lets us use it, else memory for this page (private modes,
 * blocked storage, full quota): storage trouble must never break the host page.
 */
export const browserStorage = (): KeyValueStorage => {
  const memory = new Map<string, string>()
  const local = <T>(fn: (ls: Storage) => T): T | undefined => {
    try {
      return fn(localStorage)
    } catch {
      return undefined
    }
  }
  return {
    get: (key) => local((ls) => ls.getItem(key)) ?? memory.get(key) ?? null,
    set: (key, value) => {
      if (local((ls) => ls.setItem(key, value) ?? true) === undefined) memory.set(key, value)
    },
    remove: (key) => {
      memory.delete(key)
      local((ls) => ls.removeItem(key))
    },
  }
}
