import { constants } from 'node:fs';
import { access, chmod, stat } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { TemporalCIError } from '../errors.js';
import { runProcess } from '../platform/process.js';

export interface FfmpegInstall {
  ffmpeg: string;
  ffprobe: string;
  /** Where the ffmpeg binary came from (ffprobe is searched the same way and may come from elsewhere). */
  source: 'env' | 'system' | 'npm';
  /** Version token of ffmpeg, e.g. `5.1.9-0+deb12u1` or `N-47683-g0e8eb07980-static`. */
  version: string;
}

export interface Capability {
  name: string;
  ok: boolean;
  detail: string;
}

type Tool = 'ffmpeg' | 'ffprobe';
type Source = FfmpegInstall['source'];

interface Found {
  path: string;
  source: Source;
  version: string;
}

const ENV_VAR: Record<Tool, string> = { ffmpeg: 'TEMPORALCI_FFMPEG', ffprobe: 'TEMPORALCI_FFPROBE' };
const NPM_PACKAGE: Record<Tool, string> = {
  ffmpeg: '@ffmpeg-installer/ffmpeg',
  ffprobe: '@ffprobe-installer/ffprobe',
};
const INSTALL_HINT =
  'install ffmpeg: apt-get install ffmpeg (Debian/Ubuntu), or npm install @ffmpeg-installer/ffmpeg @ffprobe-installer/ffprobe';

let cached: Promise<FfmpegInstall> | undefined;

/** Forget the located binaries (tests change the environment between cases). */
export function resetFfmpegCache(): void {
  cached = undefined;
}

/**
 * Find a working ffmpeg and ffprobe, once per process. Order per binary: the TEMPORALCI_FFMPEG /
 * TEMPORALCI_FFPROBE override, then the program on PATH, then the optional npm installer packages.
 *
 * A set override that does not run is an error, not a fall-through: the user asked for that exact binary
 * (often to pin the build the baselines were measured with), and silently measuring with another one
 * would make results incomparable without anyone noticing.
 */
export function locateFfmpeg(): Promise<FfmpegInstall> {
  if (cached === undefined) {
    cached = locate();
    // A failure is not cached: the user may install ffmpeg and retry within the same process (doctor).
    cached.catch(() => {
      cached = undefined;
    });
  }
  return cached;
}

async function locate(): Promise<FfmpegInstall> {
  const ffmpeg = await locateTool('ffmpeg');
  const ffprobe = await locateTool('ffprobe');
  return { ffmpeg: ffmpeg.path, ffprobe: ffprobe.path, source: ffmpeg.source, version: ffmpeg.version };
}

async function locateTool(tool: Tool): Promise<Found> {
  const looked: string[] = [];
  const override = process.env[ENV_VAR[tool]];
  if (override !== undefined && override !== '') {
    const version = await runsVersion(override, tool);
    if (version !== undefined) return { path: override, source: 'env', version };
    throw new TemporalCIError(
      'FFMPEG_MISSING',
      `${ENV_VAR[tool]}=${override} does not run as ${tool} (\`${override} -version\` failed)`,
      { hint: `point ${ENV_VAR[tool]} at a working ${tool} binary, or unset it to use the one on PATH` },
    );
  }
  const onPath = await findOnPath(tool);
  if (onPath !== undefined) {
    const version = await runsVersion(onPath, tool);
    if (version !== undefined) return { path: onPath, source: 'system', version };
    looked.push(`${onPath} (on PATH, does not run)`);
  } else {
    looked.push(`\`${tool}\` on PATH`);
  }

  const npmPath = await npmBinary(tool);
  if (npmPath === undefined) {
    looked.push(`${NPM_PACKAGE[tool]} (not installed)`);
    throw notFound(looked, INSTALL_HINT);
  }
  return runnableNpmBinary(tool, npmPath, looked);
}

function notFound(looked: readonly string[], hint: string): TemporalCIError {
  return new TemporalCIError(
    'FFMPEG_MISSING',
    `no working ffmpeg/ffprobe found (looked at ${looked.join(', ')})`,
    { hint },
  );
}

/**
 * The npm fallback binary at `file`, made runnable first if it has to be. The installer packages ship it
 * without its execute bit and set it in a postinstall script, which does not run under --ignore-scripts or
 * npm 11's install-script policy (a package not in `allowScripts`); so the bit is set here at first use, as
 * `chmod +x` would. When that is not permitted (another owner, a read-only node_modules), the error says
 * the exact command to run.
 */
export async function runnableNpmBinary(tool: Tool, file: string, looked: string[] = []): Promise<Found> {
  let version = await runsVersion(file, tool);
  if (version !== undefined) return { path: file, source: 'npm', version };
  if (await isExecutable(file)) {
    looked.push(`${NPM_PACKAGE[tool]} (${file} does not run)`);
    throw notFound(looked, INSTALL_HINT);
  }
  const refused = await addExecuteBit(file);
  version = refused === undefined ? await runsVersion(file, tool) : undefined;
  if (version !== undefined) return { path: file, source: 'npm', version };
  looked.push(
    refused === undefined
      ? `${NPM_PACKAGE[tool]} (${file} does not run after setting its execute bit)`
      : `${NPM_PACKAGE[tool]} (${file} is not executable: its install script did not run, and setting the bit failed: ${refused})`,
  );
  throw notFound(
    looked,
    refused === undefined
      ? INSTALL_HINT
      : `run \`chmod +x ${shellQuote(file)}\` as the owner of node_modules (or reinstall with install scripts allowed); or ${INSTALL_HINT}`,
  );
}

/** A path as one shell word, for a command the user copies. */
const shellQuote = (p: string): string => (/^[\w@%+=:,./-]+$/.test(p) ? p : `'${p.replace(/'/g, "'\\''")}'`);

/** `chmod +x`: execute wherever read is allowed. Undefined when done, else why not (EPERM, EROFS, ...). */
async function addExecuteBit(file: string): Promise<string | undefined> {
  try {
    const { mode } = await stat(file);
    await chmod(file, mode | ((mode & 0o444) >> 2));
    return undefined;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? String(e);
  }
}

/**
 * The first executable `name` in PATH, as an absolute path: doctor can show which binary is used, and a
 * later PATH change inside the process cannot swap binaries between probe and decode.
 */
async function findOnPath(name: string): Promise<string | undefined> {
  for (const folder of (process.env.PATH ?? '').split(delimiter)) {
    if (folder === '') continue;
    const candidate = join(folder, name);
    // Not in this folder (or not executable): keep walking PATH, as a shell would.
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false; // EACCES (no execute bit) or gone: either way it cannot be run
  }
}

/** The version token if `<bin> -version` runs and says it is `tool`; undefined otherwise. */
async function runsVersion(bin: string, tool: Tool): Promise<string | undefined> {
  try {
    const res = await runProcess(bin, ['-version'], { maxStdout: 1024 * 1024 });
    if (res.code !== 0) return undefined;
    const first = res.stdout.toString('utf8').split('\n', 1)[0] ?? '';
    const match = new RegExp(`^${tool} version (\\S+)`).exec(first);
    return match?.[1];
  } catch {
    // Not startable (ENOENT, EACCES): this candidate simply is not there; the caller lists it as looked at.
    return undefined;
  }
}

/**
 * The binary path exported by an optional installer package. The specifier is a variable so the build
 * does not depend on the package being present; its index throws when the platform binary is missing.
 */
async function npmBinary(tool: Tool): Promise<string | undefined> {
  const specifier: string = NPM_PACKAGE[tool];
  try {
    const mod: unknown = await import(specifier);
    const exported = isRecord(mod) && 'default' in mod ? mod.default : mod;
    if (isRecord(exported) && typeof exported.path === 'string') return exported.path;
    return undefined;
  } catch {
    return undefined;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

const ENCODERS: Array<{ name: string; why: string }> = [
  { name: 'libx264', why: 'codec h264' },
  { name: 'libx265', why: 'codec h265' },
  { name: 'libvpx-vp9', why: 'codec vp9' },
];
const FILTERS: Array<{ name: string; why: string }> = [
  { name: 'ssim', why: 'SSIM parity checks' },
  { name: 'psnr', why: 'PSNR parity checks' },
  { name: 'vmafmotion', why: 'motion parity checks' },
  { name: 'siti', why: 'SI/TI parity checks' },
  { name: 'scdet', why: 'scene-cut parity checks' },
  { name: 'minterpolate', why: 'interpolation references' },
];

/** What this ffmpeg build can do, for `temporalci doctor`. */
export async function ffmpegCapabilities(install: FfmpegInstall): Promise<Capability[]> {
  const [encoders, filters, passthrough] = await Promise.all([
    listNames(install.ffmpeg, '-encoders'),
    listNames(install.ffmpeg, '-filters'),
    supportsFpsMode(install),
  ]);
  const caps: Capability[] = [
    { name: 'ffmpeg', ok: true, detail: `${install.version} at ${install.ffmpeg} (${install.source})` },
    { name: 'ffprobe', ok: true, detail: install.ffprobe },
  ];
  for (const e of ENCODERS) {
    const ok = encoders.has(e.name);
    caps.push({
      name: `encoder ${e.name}`,
      ok,
      detail: ok ? `available (${e.why})` : `missing: needed for ${e.why}`,
    });
  }
  for (const f of FILTERS) {
    const ok = filters.has(f.name);
    caps.push({
      name: `filter ${f.name}`,
      ok,
      detail: ok ? `available (${f.why})` : `missing: needed for ${f.why}`,
    });
  }
  caps.push({
    name: 'option -fps_mode',
    ok: true,
    detail: passthrough
      ? 'supported'
      : 'not supported by this (older) build; using -vsync passthrough instead',
  });
  return caps;
}

/** Names in the second column of `ffmpeg -encoders` / `-filters` listings (after the flag column). */
async function listNames(ffmpeg: string, flag: '-encoders' | '-filters'): Promise<Set<string>> {
  const res = await runProcess(ffmpeg, ['-hide_banner', flag]);
  if (res.code !== 0) {
    throw new TemporalCIError('FFMPEG_FAILED', `\`${ffmpeg} ${flag}\` exited with code ${res.code}`, {
      hint: 'check the ffmpeg installation with `ffmpeg -version`',
    });
  }
  const names = new Set<string>();
  for (const line of res.stdout.toString('utf8').split('\n')) {
    const match = /^\s*[A-Z.|]{3,6}\s+(\S+)\s/.exec(line);
    if (match?.[1] !== undefined) names.add(match[1]);
  }
  return names;
}

const fpsModeCache = new Map<string, Promise<boolean>>();

/**
 * Does this ffmpeg accept `-fps_mode` (added in 5.1)? Older builds, such as the 2018 npm one, only know
 * `-vsync`, which newer builds deprecate. Detected by trying it on a one-frame synthetic input, because
 * version strings of git builds ("N-47683-...") say nothing comparable.
 */
export function supportsFpsMode(install: FfmpegInstall): Promise<boolean> {
  let hit = fpsModeCache.get(install.ffmpeg);
  if (hit === undefined) {
    hit = runProcess(install.ffmpeg, [
      ...['-nostdin', '-hide_banner', '-loglevel', 'error'],
      ...['-f', 'lavfi', '-i', 'color=c=black:s=16x16:r=1:d=1'],
      ...['-frames:v', '1', '-fps_mode', 'passthrough', '-f', 'null', '-'],
    ]).then((r) => r.code === 0);
    // Cache answers, not failures to ask (e.g. a binary that vanished): the next call should try again.
    hit.catch(() => fpsModeCache.delete(install.ffmpeg));
    fpsModeCache.set(install.ffmpeg, hit);
  }
  return hit;
}

/** Output options that keep every decoded frame exactly once (no duplication, no dropping). */
export async function passthroughArgs(install: FfmpegInstall): Promise<string[]> {
  return (await supportsFpsMode(install)) ? ['-fps_mode', 'passthrough'] : ['-vsync', 'passthrough'];
}
