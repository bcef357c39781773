import type { Command } from 'commander';
import { suiteJsonSchema } from '../../suite/json-schema.js';
import { out } from '../io.js';

export function registerSchema(program: Command): void {
  program
    .command('schema')
    .description('print the JSON Schema of the suite YAML (for editors; shipped as temporalci/schema.json)')
    .action(() => {
      out(JSON.stringify(suiteJsonSchema(), null, 2));
    });
}
