import { Hono } from 'hono'
import type { ReportKit } from './report-kit.ts'

/** The retention report (placeholder, filled in this change). */
export const retentionRoutes = (_kit: ReportKit, _now: () => number) => new Hono()
