/** `npm run docs`: rewrites the generated sections of README.md and the shipped schema.json and soak.schema.json from the code. */
import { promises as fs } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { soakJsonSchemaFile } from '../src/soak/json-schema.js';
import { suiteJsonSchemaFile } from '../src/suite/json-schema.js';
import { syncedReadme } from './readme-sections.js';

async function sync(name: string, make: (before: string) => string | Promise<string>): Promise<void> {
  const file = fileURLToPath(new URL(`../${name}`, import.meta.url));
  const before = await fs.readFile(file, 'utf8').catch(() => '');
  const after = await make(before);
  if (after !== before) {
    await fs.writeFile(file, after);
    console.log(`${name}: generated content updated`);
  } else console.log(`${name}: up to date`);
}

await sync('README.md', syncedReadme);
await sync('schema.json', () => suiteJsonSchemaFile());
await sync('soak.schema.json', () => soakJsonSchemaFile());
