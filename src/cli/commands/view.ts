import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import type { Command } from 'commander';
import { TemporalCIError } from '../../errors.js';
import { LocalStore } from '../../store/local.js';
import { createViewerApp } from '../../viewer/app.js';
import { localCatalog } from '../../viewer/catalog.js';
import { out, warn } from '../io.js';
import { nonNegativeInt } from './options.js';

interface ViewFlags {
  artifactsDir: string;
  port: number;
  host: string;
  open?: boolean;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** The single-page app beside the compiled viewer (dist/viewer/app, copied there by `npm run build`). */
const ASSETS_DIR = fileURLToPath(new URL('../../viewer/app/', import.meta.url));

/** Opens the page in the desktop's browser; a machine without one just keeps the printed URL. */
function openBrowser(url: string): void {
  const cmd = process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  const child = spawn(cmd, [url], { stdio: 'ignore', detached: true });
  child.on('error', () => warn(`could not start ${cmd}; open ${url} yourself`));
  child.unref();
}

export function registerView(program: Command): void {
  program
    .command('view')
    .description('a local, read-only web viewer of the runs in an artifacts folder')
    .option('--artifacts-dir <dir>', 'root of the local run store', 'artifacts')
    .option('--port <n>', 'TCP port (0 = any free port)', nonNegativeInt, 8430)
    .option('--host <address>', 'address to listen on', '127.0.0.1')
    .option('--open', 'open the viewer in the default browser')
    .action(async (flags: ViewFlags) => {
      const dir = path.resolve(flags.artifactsDir);
      const st = await fs.stat(dir).catch(() => null);
      if (!st?.isDirectory()) {
        throw new TemporalCIError('RUN_NOT_FOUND', `artifacts folder ${dir} does not exist`, {
          hint: 'pass --artifacts-dir, the folder `temporalci run` wrote its runs to',
        });
      }
      // Read-only: reading an index must not repair it (that would write), so runs a writer left
      // unindexed show up once a writing command has read the index.
      const store = new LocalStore(dir, { warn, repairOnRead: false });
      const loopback = LOOPBACK.has(flags.host);
      if (!loopback) warn(`listening on ${flags.host}: anyone who can reach it can read every run`);
      const app = createViewerApp({
        store,
        artifacts: store,
        catalog: localCatalog(dir),
        artifactsRoot: await fs.realpath(dir),
        assetsDir: ASSETS_DIR,
        warn,
        hosts: loopback ? ['127.0.0.1', 'localhost', '[::1]'] : undefined,
      });
      const server = serve({ fetch: app.fetch, port: flags.port, hostname: flags.host });
      await new Promise<void>((resolve, reject) => {
        server.once('listening', resolve);
        server.once('error', (e: NodeJS.ErrnoException) =>
          reject(
            new TemporalCIError(
              'USAGE',
              `cannot listen on ${flags.host}:${flags.port}: ${e.code ?? e.message}`,
              {
                hint: 'pick another --port (0 = any free port)',
              },
            ),
          ),
        );
      });
      const port = (server.address() as AddressInfo).port;
      const shown = flags.host.includes(':') && !flags.host.startsWith('[') ? `[${flags.host}]` : flags.host;
      const url = `http://${shown}:${port}/`;
      out(`temporalci viewer on ${url} (read-only, ${dir})`);
      if (flags.open) openBrowser(url);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      // Players keep connections open; close them, or close() would wait for the browser to let go.
      (server as import('node:http').Server).closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
}
