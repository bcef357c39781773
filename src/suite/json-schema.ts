import { z } from 'zod';
import { suiteInputSchema } from '../schema/suite.js';

export const SUITE_SCHEMA_ID = 'https://temporalci.dev/schema/suite-v1.json';

/**
 * The JSON Schema of the suite YAML, for editors (`# yaml-language-server: $schema=...`). It describes the
 * input side, so keys with defaults are optional. Registry-dependent rules (adapter and metric params, gate
 * paths) are not expressible here; `temporalci validate` checks those.
 */
export function suiteJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(suiteInputSchema, { io: 'input' }) as Record<string, unknown>;
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: SUITE_SCHEMA_ID,
    title: 'TemporalCI suite',
    description:
      'A TemporalCI suite: models to drive, tests (prompts × seeds), metrics measured from pixels, gates.',
    ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== '$schema')),
  };
}
