import { spawnSync } from 'node:child_process'
import { rmSync, writeFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

// The isomorphic rules folder runs in browsers and in the collector alike, so the linter must
// refuse platform globals there (and only there). Probes are real files, removed at once.
const lint = (dir: string, code: string) => {
  const path = `${dir}/lint-probe-${process.pid}.ts`
  writeFileSync(path, code)
  try {
    const result = spawnSync('npx', ['biome', 'lint', path], { encoding: 'utf8' })
    return { status: result.status, output: result.stdout + result.stderr }
  } finally {
    rmSync(path)
  }
}

describe('lint rule for sdk/rules', () => {
  it.each(['window', 'document', 'navigator', 'process'])('refuses %s in sdk/rules', (global) => {
    const result = lint('sdk/rules', `export const probe = () => typeof ${global}.toString\n`)
    expect(result.status).not.toBe(0)
    expect(result.output).toContain('sdk/rules is shared by browser and server')
  })

  it('allows the same code elsewhere', () => {
    const result = lint('sdk/browser', 'export const probe = () => typeof window.toString\n')
    expect(result.output).not.toContain('noRestrictedGlobals')
    expect(result.status).toBe(0)
  })
})

// Layering: what may import what. Each rule refuses the crossing and allows the permitted path.
describe('layering rules', () => {
  const imports = (from: string) => `import { x } from '${from}'\nexport const probe = x\n`
  it.each([
    ['sdk/core', '../browser/delivery.ts', 'a core folder is pure logic'],
    ['consent/core', '../ui/banner.ts', 'a core folder is pure logic'],
    ['sdk/rules', '../browser/start.ts', 'a core folder is pure logic'],
    ['consent/browser', '../../sdk/core/tracker.ts', 'consent/ stands alone'],
    // consent/core falls under two rules (biome: a later override replaces a rule's options).
    ['consent/core', '../../sdk/rules/segments.ts', 'consent/ stands alone'],
    ['collector/ledger', '../../sdk/browser/delivery.ts', 'collector/ reaches outside itself only'],
    ['collector/routes', '../../consent/ui/banner.ts', 'collector/ reaches outside itself only'],
    ['collector', '../test/support/prng.ts', 'collector/ reaches outside itself only'],
  ])('refuses %s importing %s', (dir, from, message) => {
    const result = lint(dir, imports(from))
    expect(result.status).not.toBe(0)
    expect(result.output).toContain(message)
  })

  it.each([
    ['sdk/browser', '../core/tracker.ts'],
    ['consent/browser', '../core/state.ts'],
    ['collector/ledger', '../../consent/core/state.ts'],
    ['collector/routes', '../../sdk/rules/segments.ts'],
  ])('allows %s importing %s', (dir, from) => {
    const result = lint(dir, imports(from))
    expect(result.output).not.toContain('noRestrictedImports')
    expect(result.status).toBe(0)
  })
})

describe('domain folders and adapters', () => {
  const imports = (from: string) => `import { x } from '${from}'\nexport const probe = x\n`
  it.each([
    ['collector/identity', '../store/sqlite/resolver.ts'],
    ['collector/ledger', '../store/postgres/ledger.ts'],
    ['collector/routes', '../store/sqlite/store.ts'],
  ])('refuses %s importing %s', (dir, from) => {
    const result = lint(dir, imports(from))
    expect(result.status).not.toBe(0)
    expect(result.output).toContain("never import a database's adapter")
  })

  it.each([
    ['collector/identity', '../store/types.ts'],
    ['collector/store', './sqlite/store.ts'],
    ['collector/cli', '../store/postgres/schema.ts'],
  ])('allows %s importing %s', (dir, from) => {
    const result = lint(dir, imports(from))
    expect(result.output).not.toContain('noRestrictedImports')
    expect(result.status).toBe(0)
  })

  it('keeps the outside-reach rule in domain folders too', () => {
    const result = lint('collector/identity', imports('../../sdk/browser/start.ts'))
    expect(result.output).toContain('collector/ reaches outside itself only')
  })
})
