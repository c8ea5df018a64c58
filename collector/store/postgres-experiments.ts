// PLACEHOLDER until the PostgreSQL experiment store lands.
import type { ExperimentStore } from '../experiments/types.ts'
import type { Migration, Sql } from './postgres-schema.ts'

export const EXPERIMENTS_MIGRATIONS: Migration[] = []

const todo = async (): Promise<never> => {
  throw new Error('PostgreSQL experiments: not implemented yet')
}

export const postgresExperiments = (_sql: Sql): ExperimentStore => ({
  prepareExperiments: todo,
  syncExperiments: todo,
  experimentPeople: todo,
  experimentMetric: todo,
  experimentSizes: todo,
})
