// npm run drills [-- name …]: each drill in full, then one table. npm run drill:<name> runs one.
//   DRILL_MODE=short runs the test command's short versions instead.
import { type DrillMode, type DrillResult, drillTable, passed } from './drill.ts'
import { DRILLS } from './registry.ts'

const mode: DrillMode = process.env.DRILL_MODE === 'short' ? 'short' : 'full'
const names = process.argv.slice(2).length > 0 ? process.argv.slice(2) : Object.keys(DRILLS)
const unknown = names.filter((n) => !(n in DRILLS))
if (unknown.length > 0) {
  console.error(`unknown drill: ${unknown.join(', ')} (known: ${Object.keys(DRILLS).join(', ')})`)
  process.exit(2)
}

const results: DrillResult[] = []
for (const name of names) {
  const drill = await DRILLS[name]!()
  console.log(`drill ${name} (${mode}): ${drill.summary}`)
  const started = performance.now()
  let result: DrillResult
  try {
    result = await drill.run(mode)
  } catch (err) {
    result = { name, figures: {}, failures: [`crashed: ${err instanceof Error ? err.stack : String(err)}`] }
  }
  result.figures.seconds = Math.round((performance.now() - started) / 1000)
  console.log(`  ${passed(result) ? 'pass' : `FAIL\n    ${result.failures.join('\n    ')}`}`)
  results.push(result)
}
console.log(`\n${drillTable(results)}\n`)
console.log(`${new Date().toISOString().slice(0, 10)}, mode ${mode}, Node ${process.version}`)
process.exitCode = results.every(passed) ? 0 : 1
