import { gzipSync } from 'node:zlib'
import { nodeResolve } from '@rollup/plugin-node-resolve'
import terser from '@rollup/plugin-terser'
import esbuild from 'rollup-plugin-esbuild'
import { BUNDLES } from './bundles.mjs'

// Prints raw and gzip bytes of each minified chunk on every build, so size drift is seen at once.
/** @returns {import('rollup').Plugin} */
const sizeReport = () => ({
  name: 'size-report',
  generateBundle(_options, bundle) {
    for (const chunk of Object.values(bundle)) {
      if (chunk.type !== 'chunk') continue
      const gzip = gzipSync(chunk.code, { level: 9 }).length
      console.log(`${chunk.fileName}: ${chunk.code.length} B raw, ${gzip} B gzip`)
    }
  },
})

const transpile = () => esbuild({ target: 'es2020', tsconfig: 'tsconfig.json' })

/** Transpile and minify exactly as the script tag is built (the bench measures parts with it). */
export const scriptTagPlugins = () => [
  nodeResolve({ browser: true }),
  transpile(),
  terser({
    ecma: 2020,
    compress: { passes: 2, unsafe_arrows: true },
    // Properties starting with _ are private by convention and safe to shorten.
    mangle: { properties: { regex: /^_/ } },
    format: { comments: false },
  }),
]

export default [
  // p.js, and the chunks it loads only when needed (bundles.mjs names each and says when).
  ...BUNDLES.map(({ entry, file }) => ({
    input: entry,
    output: { file: `dist/${file}`, format: /** @type {const} */ ('iife') },
    plugins: [...scriptTagPlugins(), sizeReport()],
  })),
  {
    input: { index: 'sdk/index.ts', rules: 'sdk/rules/index.ts' },
    // The package's own dependencies stay imports, for the site's bundler to resolve.
    external: ['idb-keyval', 'web-vitals'],
    output: { dir: 'dist/esm', format: 'es', sourcemap: true },
    plugins: [transpile()],
  },
]
