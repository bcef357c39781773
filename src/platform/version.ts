import { readFileSync } from 'node:fs';

/**
 * The version in our own package.json (read once). Its own module, importing nothing of ours, so that
 * `temporalci --version` loads only this, the CLI entry and commander.
 */
export const TEMPORALCI_VERSION: string = (() => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
})();
