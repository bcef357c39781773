import type { Command } from 'commander';
import { TEMPORALCI_VERSION } from '../../platform/version.js';
import { ffmpegCapabilities, locateFfmpeg } from '../../video/ffmpeg.js';
import { out } from '../io.js';

/** Optional packages that only some suites need, with what they enable. */
const OPTIONAL_PACKAGES: [string, string][] = [
  ['nsfwjs', 'safety_t2v frame classifier'],
  ['@tensorflow/tfjs', 'safety_t2v frame classifier'],
  ['@tensorflow/tfjs-backend-wasm', 'safety_t2v frame classifier (fast backend)'],
];

function resolvable(pkg: string): boolean {
  try {
    import.meta.resolve(pkg); // ESM resolution, like the lazy import that will load it
    return true;
  } catch {
    return false;
  }
}

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description(
      'report the ffmpeg in use, its version and capabilities, and which optional packages are present',
    )
    .option('--json', 'print as JSON')
    .action(async (flags: { json?: boolean }) => {
      const install = await locateFfmpeg(); // throws FFMPEG_MISSING with an install hint → exit 1
      const caps = await ffmpegCapabilities(install);
      const optional = OPTIONAL_PACKAGES.map(([name, purpose]) => ({
        name,
        purpose,
        installed: resolvable(name),
      }));
      if (flags.json) {
        out(
          JSON.stringify(
            {
              temporalci: TEMPORALCI_VERSION,
              node: process.version,
              ffmpeg: install,
              capabilities: caps,
              optional,
            },
            null,
            2,
          ),
        );
        return;
      }
      out(`temporalci ${TEMPORALCI_VERSION}, node ${process.version}`);
      out(`ffmpeg:  ${install.ffmpeg} (${install.source}, version ${install.version})`);
      out(`ffprobe: ${install.ffprobe}`);
      for (const c of caps) out(`  ${c.ok ? 'ok     ' : 'missing'} ${c.name.padEnd(14)} ${c.detail}`);
      for (const o of optional) {
        out(
          `  ${o.installed ? 'ok     ' : 'missing'} ${o.name.padEnd(30)} ${o.purpose}${o.installed ? '' : ` (npm install ${o.name})`}`,
        );
      }
    });
}
