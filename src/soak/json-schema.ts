import { z } from 'zod';
import { soakSchema } from './config.js';

export const SOAK_SCHEMA_ID = 'https://temporalci.dev/schema/soak-v1.json';

/**
 * The JSON Schema of soak.yaml, for editors (`# yaml-language-server: $schema=...`) and the shipped
 * `temporalci/soak.schema.json`: the input side of the config's zod schema, plus the one rule it cannot
 * say — each job has `every` or `cron`, not both. Parsing the interval and the cron expression stays with
 * `temporalci soak`, which reports both with file:line:col.
 */
export function soakJsonSchema(): Record<string, unknown> {
  const { $schema: _, ...base } = z.toJSONSchema(soakSchema, {
    io: 'input',
    unrepresentable: 'any',
  }) as Record<string, unknown>;
  const jobs = (base.properties as { jobs: { items: Record<string, unknown> } }).jobs;
  jobs.items.oneOf = [
    { required: ['every'], not: { required: ['cron'] } },
    { required: ['cron'], not: { required: ['every'] } },
  ];
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: SOAK_SCHEMA_ID,
    title: 'TemporalCI soak config',
    description: 'Suites a `temporalci soak` supervisor runs on a schedule, and what each cycle must prove.',
    ...base,
  };
}

/** The text of the shipped `soak.schema.json` (`npm run docs` writes it; a test fails when it drifts). */
export function soakJsonSchemaFile(): string {
  return `${JSON.stringify(soakJsonSchema(), null, 2)}\n`;
}
