// Entry of dist/p-personalize.js: segments, the local history and content slots, loaded by p.js
// only with personalization consent and a site config that has segments or slots.
import type { StartPersonalizer } from '../personalize.ts'
import { startPersonalizer } from './personalizer.ts'

;(window as Window & { precisPersonalize?: (start: StartPersonalizer) => void }).precisPersonalize?.(
  startPersonalizer,
)
