import { promises as fs } from 'node:fs';
import path from 'node:path';
import { isSafeName } from '../schema/limits.js';

/**
 * The suites a store holds. The RunStore port lists the models of one suite; which suites exist is the
 * viewer's question alone, so it is asked here, of the local artifacts folder (`<project>/<suite>/`). A
 * fleet store answers it from its database behind the same interface.
 */
interface SuiteKey {
  project: string;
  suite: string;
}

export interface Catalog {
  suites(): Promise<SuiteKey[]>;
}

async function folders(dir: string): Promise<string[]> {
  const dirents = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  // Only names the engine could have made: anything else in the folder is not a project or suite of ours.
  return dirents
    .filter((d) => d.isDirectory() && isSafeName(d.name))
    .map((d) => d.name)
    .sort((a, b) => a.localeCompare(b));
}

export function localCatalog(artifactsDir: string): Catalog {
  return {
    async suites() {
      const out: SuiteKey[] = [];
      for (const project of await folders(artifactsDir)) {
        for (const suite of await folders(path.join(artifactsDir, project))) out.push({ project, suite });
      }
      return out;
    },
  };
}
