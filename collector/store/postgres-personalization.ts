// PLACEHOLDER until the PostgreSQL personalization reads land.
import type { PersonalizationStore } from '../segments/types.ts'
import type { Migration, Sql } from './postgres-schema.ts'

export const PERSONALIZATION_MIGRATIONS: Migration[] = []

const todo = async (): Promise<never> => {
  throw new Error('PostgreSQL personalization: not implemented yet')
}

export const postgresPersonalization = (_sql: Sql): PersonalizationStore => ({
  personalizationHistory: todo,
  personalizationRefused: todo,
  latestSituation: todo,
  profilePage: todo,
  segmentVisitors: todo,
  slotEventCounts: todo,
  slotVisitors: todo,
})
