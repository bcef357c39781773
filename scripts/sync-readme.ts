/** `npm run docs`: rewrites the generated sections of README.md from the code. */
import { promises as fs } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { syncedReadme } from './readme-sections.js';

const file = fileURLToPath(new URL('../README.md', import.meta.url));
const before = await fs.readFile(file, 'utf8');
const after = await syncedReadme(before);
if (after !== before) {
  await fs.writeFile(file, after);
  console.log('README.md: generated sections updated');
} else console.log('README.md: up to date');
