// Entry of dist/p-vitals.js: the web-vitals package, loaded by p.js only when it is needed.
import { onCLS, onFCP, onINP, onLCP, onTTFB } from 'web-vitals'
import type { VitalsApi } from './capture/vitals.ts'

const w = window as Window & { precisVitals?: (api: VitalsApi) => void }
w.precisVitals?.({ onCLS, onFCP, onINP, onLCP, onTTFB } as unknown as VitalsApi)
