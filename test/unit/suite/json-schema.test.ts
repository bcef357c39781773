import { describe, expect, it } from 'vitest';
import { SUITE_SCHEMA_ID, suiteJsonSchema } from '../../../src/suite/json-schema.js';

describe('suite JSON Schema', () => {
  const schema = suiteJsonSchema();

  it('names itself and makes defaulted keys optional', () => {
    expect(schema.$id).toBe(SUITE_SCHEMA_ID);
    expect(schema.title).toBe('TemporalCI suite');
    expect(schema.required).toEqual([
      'version',
      'project',
      'suite_name',
      'models',
      'tests',
      'metrics',
      'gates',
    ]);
    expect(schema.additionalProperties).toBe(false);
  });

  it('matches the snapshot', () => {
    expect(schema).toMatchSnapshot();
  });
});
