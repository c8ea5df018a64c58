// The collector's HTTP API as an OpenAPI 3.1 document, generated from the zod schemas the routes
// validate with. Served at /openapi.json (route.ts) and checked in as docs/openapi.json
// (`npm run openapi`); document.test.ts fails when either drifts from the routes.
import { accessPaths } from './access-paths.ts'
import { adminPaths } from './admin-paths.ts'
import { audiencePaths } from './audience-paths.ts'
import { configPaths } from './config-paths.ts'
import { journeyPaths } from './journey-paths.ts'
import { commonComponents, pathsOf } from './operations.ts'
import { publicPaths } from './public-paths.ts'
import { reportPaths } from './report-paths.ts'
import { componentSchemas, type Json } from './schemas.ts'

const DESCRIPTION = [
  'Every route of the collector: what browsers and servers send, what it answers, and the admin API (docs/api.md explains each).',
  'Request bodies and parameters are the zod schemas the routes validate with, as clients send them; rules the schemas check in code (refinements) are not in JSON Schema, so a body may still be refused.',
  'Answers without a schema are described in words. Every refusal is `{ error: { code, message, path? } }` (`Error`); its codes never change.',
  'Not described: CORS preflights (`OPTIONS /v1/*`), the dashboard (`/admin/`) and the demo shop (`/demo/`).',
].join('\n\n')

/** The document; a new object each call (callers may change theirs). */
export const openApiDocument = (): Json => ({
  openapi: '3.1.0',
  info: { title: 'Precis collector', version: '1', description: DESCRIPTION },
  tags: [
    { name: 'Ingestion', description: "Segment's HTTP Tracking API." },
    { name: 'Consent', description: 'Proof-of-consent records.' },
    { name: "Visitors' rights", description: "A visitor's own data, from their browser, with a token." },
    { name: 'Script tag', description: 'The scripts and the site config they load.' },
    { name: 'Health' },
    { name: 'Events and consent records', description: 'Admin: stored events, consent history, the chain.' },
    { name: 'Profiles', description: 'Admin: look-up, export, erasure.' },
    { name: 'Personalization', description: 'Admin: segment sizes and previews, slot results.' },
    { name: 'Experiments', description: 'Admin: experiments and their results.' },
    { name: 'Reports', description: 'Admin: traffic, sources, pages and visitors over a period.' },
    {
      name: 'Site config',
      description:
        'Admin: experiments, goals, segments, slots, destinations, journeys, audiences and consent, item by item.',
    },
    {
      name: 'Journeys',
      description: "Admin: journeys' results and entries; the unsubscribe link of their mails.",
    },
    { name: 'Audiences', description: 'Admin: audience sizes and customer-match files.' },
    { name: 'Sites', description: 'Admin: sites, their settings and keys.' },
    { name: 'Refusals', description: 'Admin: refusals counted by code.' },
    {
      name: 'People and sign-in',
      description: 'The first run, sessions, users, roles, API tokens, the access log.',
    },
  ],
  paths: pathsOf([
    ...publicPaths(),
    ...accessPaths(),
    ...adminPaths(),
    ...reportPaths(),
    ...configPaths(),
    ...journeyPaths(),
    ...audiencePaths(),
  ]),
  components: { schemas: componentSchemas(), ...commonComponents() },
})
