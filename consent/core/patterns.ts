/** Cookie, storage key and database name patterns of the site config: `*` matches any run of characters. */
export const matchesPattern = (pattern: string, name: string) =>
  pattern.includes('*')
    ? new RegExp(`^${pattern.split('*').map(literal).join('.*')}$`).test(name)
    : pattern === name

const literal = (s: string) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')
