import { Hono } from 'hono'
import type { ReportKit } from './report-kit.ts'

/** The kpis report and ad spend (placeholder, filled in this change). */
export const kpisRoutes = (_kit: ReportKit, _now: () => number) => new Hono()
