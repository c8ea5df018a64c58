import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['{sdk,consent,collector,test}/**/*.test.ts'],
    exclude: ['test/e2e/**', 'node_modules/**'],
  },
})
