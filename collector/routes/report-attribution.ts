import { Hono } from 'hono'
import type { ReportKit } from './report-kit.ts'

/** The attribution report (placeholder, filled in this change). */
export const attributionRoutes = (_kit: ReportKit, _now: () => number) => new Hono()
