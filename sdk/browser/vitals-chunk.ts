// Entry of the web-vitals chunk (bundles.mjs): the package, loaded by p.js only when it is needed.
import { onCLS, onFCP, onINP, onLCP, onTTFB } from 'web-vitals'
import { VITALS_CHUNK } from '../../bundles.mjs'
import type { VitalsApi } from './capture/vitals.ts'

const hand = (window as unknown as Record<string, ((api: VitalsApi) => void) | undefined>)[
  VITALS_CHUNK.global
]
hand?.({ onCLS, onFCP, onINP, onLCP, onTTFB } as unknown as VitalsApi)
