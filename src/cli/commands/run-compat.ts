import type { ProjectConfig, ProjectRunDefaults } from '../project-config.js';
import type { RunFlags } from './run-flags.js';

/**
 * Where `run`'s settings come from besides our own flags: the project config's `run:` defaults, and the
 * original TemporalCI's flag names. Both are reduced to our flags here, so run-action.ts sees one shape.
 * docs/migrating.md lists every mapping.
 */

/** Whether the user typed this flag (commander's value source is 'cli'); a typed flag beats the file. */
export type GivenOnCli = (key: keyof RunFlags) => boolean;

type FlagValue = RunFlags[keyof RunFlags];

/** Each `run:` key: the flag it sets, how its value becomes the flag's, and the flags that override it. */
const CONFIG_KEYS: {
  [K in keyof ProjectRunDefaults]-?: {
    flag: keyof RunFlags;
    value?: (v: NonNullable<ProjectRunDefaults[K]>) => FlagValue;
    overriddenBy?: (keyof RunFlags)[];
  };
} = {
  workers: { flag: 'workers' },
  retry: { flag: 'retry', overriddenBy: ['retry', 'retries'] },
  retries: { flag: 'retries', overriddenBy: ['retry', 'retries'] },
  timeout: { flag: 'timeout', overriddenBy: ['timeout', 'adapterTimeout'] },
  adapter_timeout: { flag: 'adapterTimeout', overriddenBy: ['timeout', 'adapterTimeout'] },
  inter_sample_delay: { flag: 'interSampleDelay' },
  artifacts_dir: { flag: 'artifactsDir' },
  baseline_mode: { flag: 'baselineMode' },
  webhook_url: { flag: 'webhookUrl' },
  notify_on: { flag: 'notifyOn' },
  tag: { flag: 'tag' },
  sample_limit: { flag: 'sample' },
  sample: { flag: 'sample' },
  prune_keep_last: { flag: 'pruneKeepLast' },
  fail_on_skip: { flag: 'failOnSkip' },
  fail_fast: { flag: 'failFast' },
  no_progress: { flag: 'progress', value: (v) => !v, overriddenBy: ['progress', 'ci'] },
  ci: { flag: 'ci', overriddenBy: ['progress', 'ci'] },
  model_workers: { flag: 'modelWorkers' },
  env: { flag: 'env' },
};

/**
 * The flags with the project config's defaults filled in wherever the command line gave none; `fromFile`
 * names the flags the file set (so notes about them say where they came from).
 */
export function applyProjectConfig(
  flags: RunFlags,
  config: ProjectConfig,
  givenOnCli: GivenOnCli,
): { flags: RunFlags; fromFile: Map<keyof RunFlags, string> } {
  const out: Record<string, unknown> = { ...flags };
  const fromFile = new Map<keyof RunFlags, string>();
  for (const [key, value] of Object.entries(config.run)) {
    if (value === undefined) continue;
    const spec = CONFIG_KEYS[key as keyof ProjectRunDefaults] as {
      flag: keyof RunFlags;
      value?: (v: unknown) => FlagValue;
      overriddenBy?: (keyof RunFlags)[];
    };
    if ((spec.overriddenBy ?? [spec.flag]).some(givenOnCli)) continue;
    out[spec.flag] = spec.value ? spec.value(value) : value;
    fromFile.set(spec.flag, `run.${key} in ${config.file}`);
  }
  return { flags: out as unknown as RunFlags, fromFile };
}

/**
 * The original's flags as ours, each with a one-line note saying what it became. A flag of ours given too
 * wins over the original's. `fromFile` names the ones the project config set, for the notes.
 */
export function resolveOriginalFlags(
  flags: RunFlags,
  note: (line: string) => void,
  fromFile: ReadonlyMap<keyof RunFlags, string> = new Map(),
): RunFlags {
  const f: RunFlags = { ...flags };
  const say = (key: keyof RunFlags, written: string, meaning: string) => {
    const where = fromFile.get(key);
    const what =
      where === undefined ? `${written} is the original TemporalCI's flag` : `${where} (the original's)`;
    note(`${what}: ${meaning} (docs/migrating.md)`);
  };
  if (f.retry !== undefined) {
    // The original counted attempts (default 1); ours counts retries after the first attempt.
    f.retries ??= f.retry - 1;
    say('retry', `--retry ${f.retry}`, `read as --retries ${f.retries} (attempts = 1 + retries)`);
  }
  if (f.adapterTimeout !== undefined) {
    f.timeout ??= f.adapterTimeout;
    say('adapterTimeout', `--adapter-timeout ${f.adapterTimeout}`, `read as --timeout ${f.timeout}`);
  }
  if (f.ci) {
    f.progress = false;
    say('ci', '--ci', 'read as --no-progress (GitHub annotations appear whenever GITHUB_ACTIONS=true)');
  }
  if (f.failOnSkip) {
    f.maxFailedRatio ??= 0;
    say(
      'failOnSkip',
      '--fail-on-skip',
      `read as --max-failed-ratio ${f.maxFailedRatio} (a failed sample makes the run an error, exit 1)`,
    );
  }
  if (f.modelWorkers !== undefined && f.modelWorkers > 1) {
    say(
      'modelWorkers',
      `--model-workers ${f.modelWorkers}`,
      'accepted, but models run one after another here; --workers N generates N samples at once',
    );
  }
  return f;
}
