// The drills by name: every test/drills/<name>.drill.ts exporting `drill`, loaded when run.
import { readdirSync } from 'node:fs'
import type { Drill } from './drill.ts'

const SUFFIX = '.drill.ts'

export const DRILLS: Record<string, () => Promise<Drill>> = Object.fromEntries(
  readdirSync(import.meta.dirname)
    .filter((file) => file.endsWith(SUFFIX))
    .sort()
    .map((file) => [
      file.slice(0, -SUFFIX.length),
      async () => ((await import(/* @vite-ignore */ `./${file}`)) as { drill: Drill }).drill,
    ]),
)
