// `npm run openapi`: writes the collector's OpenAPI document to docs/openapi.json, formatted as
// `npm run lint` wants it; collector/openapi/document.test.ts fails when the file drifts from it.
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { openApiDocument } from '../collector/openapi/document.ts'

export const OPENAPI_FILE = join(import.meta.dirname, '..', 'docs', 'openapi.json')

if (process.argv[1] === import.meta.filename) {
  writeFileSync(OPENAPI_FILE, `${JSON.stringify(openApiDocument(), null, 2)}\n`)
  // Biome keeps the two-space indents and puts short arrays on one line.
  execFileSync('npx', ['biome', 'format', '--write', OPENAPI_FILE], { stdio: 'inherit' })
  console.log(`wrote ${OPENAPI_FILE}`)
}
