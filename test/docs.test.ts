import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { BUNDLES } from '../bundles.mjs'
import { DRILLS } from './drills/registry.ts'

// Docs that cannot drift: every command they name exists, every relative link and anchor they
// hold leads somewhere, and the README stays a first page rather than the whole manual.
const ROOT = resolve(import.meta.dirname, '..')
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8')
const DOCS = readdirSync(join(ROOT, 'docs'))
  .filter((file) => file.endsWith('.md'))
  .sort()
  .map((file) => `docs/${file}`)
const LINKED = ['README.md', ...DOCS]
const COMMANDS = [...LINKED, 'ARCHITECTURE.md']
const SCRIPTS = Object.keys((JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts)

/** Every `npm run <name>` of a text; `npm run drill:<name>` is a prefix any script must start with. */
const npmRuns = (text: string) =>
  [...text.matchAll(/npm\s+run\s+([\w:.-]+)(<)?/g)].map((m) => ({ name: m[1]!, prefix: m[2] === '<' }))

/** The text outside fenced code blocks, and outside inline code when `inline` is false. */
const prose = (text: string, inline = false) => {
  const outside = text
    .split('\n')
    .reduce<{ fenced: boolean; kept: string[] }>(
      ({ fenced, kept }, line) =>
        /^\s*(```|~~~)/.test(line)
          ? { fenced: !fenced, kept }
          : { fenced, kept: fenced ? kept : [...kept, line] },
      { fenced: false, kept: [] },
    )
    .kept.join('\n')
  return inline ? outside : outside.replace(/`[^`]*`/g, '')
}

/** GitHub's anchor for a heading: lowercase, punctuation but '-' and '_' dropped, spaces to '-'. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
    .replace(/ /g, '-')

/** The anchors of a markdown file's headings, repeated ones numbered as GitHub does (`-1`, `-2`). */
const anchors = (text: string) => {
  const seen = new Map<string, number>()
  return prose(text, true)
    .split('\n')
    .flatMap((line) => {
      const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)
      if (!heading) return []
      const base = slug(heading[1]!)
      const count = seen.get(base) ?? 0
      seen.set(base, count + 1)
      return [count === 0 ? base : `${base}-${count}`]
    })
}

/** Relative links `[text](path)` and `[text](path#anchor)` that lead nowhere, with the reason. */
const brokenLinks = (file: string) => {
  const text = read(file)
  const targets = [...prose(text).matchAll(/\[[^\]]*\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]!)
  return targets
    .filter((target) => !/^[a-z][a-z0-9+.-]*:/i.test(target))
    .flatMap((target) => {
      const [path = '', anchor] = target.split('#', 2)
      const absolute = path === '' ? join(ROOT, file) : resolve(ROOT, dirname(file), decodeURI(path))
      const shown = relative(ROOT, absolute)
      if (!existsSync(absolute)) return [`${target}: no file ${shown}`]
      if (anchor === undefined) return []
      if (!absolute.endsWith('.md')) return [`${target}: an anchor into a file that is not markdown`]
      return anchors(readFileSync(absolute, 'utf8')).includes(anchor)
        ? []
        : [`${target}: no heading in ${shown} whose anchor is #${anchor}`]
    })
}

describe('commands named in the docs', () => {
  it.each(COMMANDS)('every npm run script %s names exists in package.json', (file) => {
    const runs = npmRuns(read(file))
    const missing = runs
      .filter(({ name, prefix }) =>
        prefix ? !SCRIPTS.some((script) => script.startsWith(name)) : !SCRIPTS.includes(name),
      )
      .map(({ name, prefix }) => (prefix ? `${name}<…>` : name))
    expect(missing).toEqual([])
  })

  it('has npm run drill:<name> for every registered drill, as the docs promise', () => {
    const missing = Object.keys(DRILLS).filter((name) => !SCRIPTS.includes(`drill:${name}`))
    expect(missing).toEqual([])
  })

  it('finds the commands it checks, including a placeholder and a command wrapped over two lines', () => {
    expect(npmRuns('`npm run drill:<name>` and `npm run\nledger -- verify`, `npm run bench`.')).toEqual([
      { name: 'drill:', prefix: true },
      { name: 'ledger', prefix: false },
      { name: 'bench', prefix: false },
    ])
  })
})

describe('README', () => {
  it('stays under 160 lines', () => {
    expect(read('README.md').trimEnd().split('\n').length).toBeLessThan(160)
  })
})

describe('scripts the collector serves', () => {
  it.each(BUNDLES.map((b) => [b.file, b.entry]))(
    '%s is built from %s and in the API reference',
    (file, entry) => {
      expect(existsSync(join(ROOT, entry))).toBe(true)
      expect(read('docs/api.md')).toContain(`GET /${file}`)
    },
  )
})

describe('links in the docs', () => {
  it.each(LINKED)('every relative link in %s leads to a file and heading that exist', (file) => {
    expect(brokenLinks(file)).toEqual([])
  })

  it('makes anchors as GitHub does', () => {
    expect(slug('Delivery: nothing lost, nothing twice')).toBe('delivery-nothing-lost-nothing-twice')
    expect(slug('Past one PostgreSQL (on paper)')).toBe('past-one-postgresql-on-paper')
    expect(slug("Visitors' own rights")).toBe('visitors-own-rights')
    expect(slug('Content-Security-Policy')).toBe('content-security-policy')
    expect(anchors('# A\n\n```md\n# Not a heading\n```\n## A\n')).toEqual(['a', 'a-1'])
  })
})
