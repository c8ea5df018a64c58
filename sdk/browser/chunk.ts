/**
 * Loads one of the tag's chunks (bundles.mjs) once, when it is first needed: a script that hands
 * its API to `window[name]`. Keeps p.js small for the visits that never need the chunk.
 */
export const loadChunk = <T>(win: Window, src: string, name: string): (() => Promise<T>) => {
  let loading: Promise<T> | undefined
  return () =>
    (loading ??= new Promise<T>((resolve, reject) => {
      ;(win as unknown as Record<string, unknown>)[name] = resolve
      const script = win.document.createElement('script')
      script.src = src
      script.async = true
      script.onerror = reject
      win.document.head.append(script)
    }))
}
