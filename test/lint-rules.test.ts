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
