// Entry of dist/p-personalize.js: segments, the local history and content slots, loaded by p.js
// only with personalization consent and a site config that has segments or slots.
import { startPersonalizer } from './personalizer.ts'
import type { StartPersonalizer } from './start.ts'

;(window as Window & { precisPersonalize?: (start: StartPersonalizer) => void }).precisPersonalize?.(
  startPersonalizer,
)
