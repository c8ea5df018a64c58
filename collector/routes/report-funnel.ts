import { Hono } from 'hono'
import type { ReportKit } from './report-kit.ts'

/** The funnel report (placeholder, filled in this change). */
export const funnelRoutes = (_kit: ReportKit, _now: () => number) => new Hono()
