import { Hono } from 'hono'
import type { ReportKit } from './report-kit.ts'

/** The customers report (placeholder, filled in this change). */
export const customersRoutes = (_kit: ReportKit, _now: () => number) => new Hono()
