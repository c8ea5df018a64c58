// ARCHITECTURE.md's code map cannot drift: every source file under sdk/, consent/ and collector/
// is named in it, and every file it names exists. A row's first cell names folders or files (a
// bare name sits in the folder of the path before it); its second cell names the folder's files
// in backticks, relative to the row's folder, and a backticked `sub/` covers a whole subfolder.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join, posix } from 'node:path'
import { describe, expect, it } from 'vitest'
import { ROOT } from './support/collector-process.ts'

const MAPPED = ['sdk', 'consent', 'collector']
const SOURCE = /\.(ts|mjs|js)$/

const sourceFiles = (dir: string): string[] =>
  readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = posix.join(dir, name)
    if (statSync(join(ROOT, path)).isDirectory()) return sourceFiles(path)
    return SOURCE.test(name) && !name.endsWith('.test.ts') ? [path] : []
  })

interface Row {
  folders: string[]
  files: string[]
  named: string[]
}

const rows = (): Row[] =>
  readFileSync(join(ROOT, 'ARCHITECTURE.md'), 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const [first = '', ...rest] = line.split(' | ')
      const ticks = (text: string) => [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1]!)
      const folders: string[] = []
      const files: string[] = []
      let dir = ''
      for (const entry of ticks(first)) {
        const path = entry.includes('/') && !entry.startsWith('assets/') ? entry : posix.join(dir, entry)
        if (path.endsWith('/')) folders.push(path.slice(0, -1))
        else files.push(path)
        dir = path.endsWith('/') ? path.slice(0, -1) : posix.dirname(path)
      }
      return { folders, files, named: ticks(rest.join(' | ')) }
    })
    .filter((r) => [...r.folders, ...r.files].some((p) => MAPPED.some((m) => p.startsWith(m))))

/**
 * Where a name in a row's description points: in one of the row's folders (or the folder of its
 * files), in a subfolder the description names, or from the root.
 */
const resolve = (row: Row, name: string) => {
  const bases = [...row.folders, ...row.files.map((f) => posix.dirname(f))]
  const subfolders = row.named
    .filter((n) => n.endsWith('/'))
    .flatMap((n) => bases.map((b) => posix.join(b, n)))
  return [...bases, ...subfolders, '']
    .map((base) => posix.join(base, name))
    .find((p) => existsSync(join(ROOT, p)))
}

describe("ARCHITECTURE.md's code map", () => {
  it('names every source file under sdk/, consent/ and collector/', () => {
    const covered = new Set<string>()
    const coveredDirs: string[] = []
    for (const row of rows()) {
      for (const file of row.files) covered.add(file)
      for (const name of row.named) {
        const path = resolve(row, name)
        if (!path) continue
        if (name.endsWith('/')) coveredDirs.push(path.replace(/\/$/, ''))
        else covered.add(path)
      }
    }
    const missing = MAPPED.flatMap(sourceFiles).filter(
      (f) => !covered.has(f) && !coveredDirs.some((d) => f.startsWith(`${d}/`)),
    )
    expect(missing).toEqual([])
  })

  it('names no file or folder that does not exist', () => {
    const absent = rows().flatMap((row) => [
      ...[...row.folders, ...row.files].filter((p) => !existsSync(join(ROOT, p))),
      ...row.named
        .filter((name) => SOURCE.test(name) || name.endsWith('/'))
        .filter((name) => !/^(dist|https?:)/.test(name) && !name.startsWith('/'))
        .filter((name) => !resolve(row, name))
        .map((name) => `${[...row.folders, ...row.files][0]}: ${name}`),
    ])
    expect(absent).toEqual([])
  })
})

/** Relative imports of a source file (static, dynamic and re-exports, types included). */
const importsOf = (file: string) =>
  [
    ...readFileSync(join(ROOT, file), 'utf8').matchAll(
      /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g,
    ),
  ].map((m) => posix.normalize(posix.join(posix.dirname(file), (m[1] ?? m[2])!)))

/** The import circles among the given files, each as the path that closes it. */
const circles = (files: string[]) => {
  const graph = new Map(files.map((f) => [f, importsOf(f).filter((to) => files.includes(to))]))
  const found: string[][] = []
  const state = new Map<string, 'open' | 'done'>()
  const visit = (file: string, path: string[]) => {
    if (state.get(file) === 'done') return
    if (state.get(file) === 'open') return void found.push([...path.slice(path.indexOf(file)), file])
    state.set(file, 'open')
    for (const to of graph.get(file) ?? []) visit(to, [...path, file])
    state.set(file, 'done')
  }
  for (const file of files) visit(file, [])
  return found
}

describe('imports', () => {
  it('form no circles under sdk/, consent/ and collector/', () => {
    expect(circles(MAPPED.flatMap(sourceFiles))).toEqual([])
  })

  it('finds a circle when there is one', () => {
    const dir = join(ROOT, 'test', `circle-probe-${process.pid}`)
    const probe = (name: string) => posix.join('test', `circle-probe-${process.pid}`, name)
    mkdirSync(dir)
    try {
      writeFileSync(join(dir, 'a.ts'), "import type { B } from './b.ts'\nexport type A = B\n")
      writeFileSync(join(dir, 'b.ts'), "import type { A } from './a.ts'\nexport type B = A\n")
      expect(circles([probe('a.ts'), probe('b.ts')])).toEqual([[probe('a.ts'), probe('b.ts'), probe('a.ts')]])
    } finally {
      rmSync(dir, { recursive: true })
    }
  })
})
