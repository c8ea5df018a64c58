// Entry of the personalization chunk (bundles.mjs): segments, the local history and content slots,
// loaded by p.js only with personalization consent and a site config that has segments or slots.
import { PERSONALIZE_CHUNK } from '../../../bundles.mjs'
import { startPersonalizer } from './personalizer.ts'
import type { StartPersonalizer } from './start.ts'

type Hand = (start: StartPersonalizer) => void
;(window as unknown as Record<string, Hand | undefined>)[PERSONALIZE_CHUNK.global]?.(startPersonalizer)
