// Pure helpers for slot content, shared by the site config's schema and the browser's renderer.

/** http(s) URLs and paths on the site; never javascript:, data: or any other scheme. */
export const isSafeUrl = (url: string) =>
  // Browsers drop whitespace and control characters inside a scheme ("java\tscript:"): refuse them all.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for
  !/[\s\u0000-\u001f\u007f]/.test(url) && (/^https?:\/\//i.test(url) || !/^[a-z][a-z\d+.-]*:/i.test(url))

/**
 * Fills `{{traits.firstName}}` (or `{{traits.firstName|there}}`, with a fallback) from the
 * attributes. The result is text: the renderer sets it with textContent, never as HTML.
 */
export const fill = (template: string, attributes: Record<string, unknown>) =>
  template.replace(/\{\{\s*([\w.]+)\s*(?:\|([^}]*))?\}\}/g, (_, path: string, fallback = '') => {
    let value: unknown = attributes
    for (const part of path.split('.'))
      value =
        value && typeof value === 'object' && Object.hasOwn(value, part) ? (value as never)[part] : undefined
    return typeof value === 'string' || typeof value === 'number' ? String(value) : fallback
  })
