import { promises as fs } from 'node:fs';
import { constants } from 'node:os';
import path from 'node:path';
import { describeError, TemporalCIError } from '../errors.js';
import { envRefs, interpolateEnvRecord, redactFile } from '../platform/env.js';
import { secondsSince } from '../platform/format.js';
import { readLogTail } from '../platform/log-tail.js';
import { type LoggedRun, runToLog } from '../platform/process.js';
import { placeholderValues, substitute } from './command/template.js';
import { type CommandParams, commandAdapterMeta, commandParamsSchema } from './command.meta.js';
import { refusalMetadata, writeRefusalPlaceholder } from './shared/refusal.js';
import type {
  Adapter,
  AdapterDefinition,
  AdapterFactoryContext,
  GenerationRequest,
  GenerationResult,
} from './types.js';

export { type CommandParams, commandParamsSchema } from './command.meta.js';

/** coreutils `timeout` reports a killed command as 124; CI logs and dashboards already know the number. */
const TIMEOUT_EXIT_CODE = 124;
/** What a shell reports for a command it cannot find or start. */
const NOT_STARTED_EXIT_CODE = 127;
const COMMAND_LOG_NAME = 'adapter.log';

export const commandAdapter: AdapterDefinition<CommandParams> = {
  ...commandAdapterMeta,
  create(params: CommandParams, ctx: AdapterFactoryContext): Adapter {
    const parsed = commandParamsSchema.safeParse(params);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue === undefined || issue.path.length === 0 ? '' : ` at ${issue.path.join('.')}`;
      throw new TemporalCIError(
        'USAGE',
        `invalid command adapter params${where}: ${issue?.message ?? 'invalid'}`,
        {
          hint: 'see the command adapter params in the documentation (unknown keys are rejected)',
        },
      );
    }
    const checked = parsed.data;
    const cwd = path.resolve(ctx.suiteDir, checked.cwd ?? '.');
    return { name: 'command', generate: (request) => runCommand(checked, cwd, request) };
  },
};

function outputPathFor(request: GenerationRequest, ext: string): string {
  const current = path.extname(request.outputPath);
  const stem = current === '' ? request.outputPath : request.outputPath.slice(0, -current.length);
  return `${stem}${ext}`;
}

/** `work/<sample>` sits in the run folder; paths relative to it keep run.json portable. */
function relativeToRun(workDir: string, file: string): string {
  const parent = path.dirname(workDir);
  if (path.basename(parent) !== 'work') return file;
  return path.relative(path.dirname(parent), file);
}

async function runCommand(
  params: CommandParams,
  cwd: string,
  request: GenerationRequest,
): Promise<GenerationResult> {
  const { signal } = request;
  const started = performance.now();
  const output = outputPathFor(request, params.output_ext);
  const values = placeholderValues(request, output);
  const args = params.argv.map((a) => substitute(a, values, params.shell));
  const [file, ...rest] = params.shell ? ['/bin/sh', '-c', args[0] ?? ''] : args;
  if (file === undefined) throw new TemporalCIError('INTERNAL', 'command adapter: empty argv');
  // Env values come from ${VAR} and may be tokens: they go to the child only. The child may echo them
  // into its log, so the log is redacted before anything reads it (tail, log_regex, artifacts upload).
  const { values: extraEnv, secrets } = interpolateEnvRecord(params.env, 'command adapter env');

  await fs.mkdir(request.workDir, { recursive: true });
  await fs.mkdir(path.dirname(output), { recursive: true });
  const cwdStat = await fs.stat(cwd).catch(() => undefined);
  if (!cwdStat?.isDirectory()) {
    throw new TemporalCIError('ADAPTER_FAILED', `command adapter: working directory ${cwd} does not exist`, {
      hint: 'cwd is relative to the suite file folder',
    });
  }
  // A file left by an earlier attempt must not pass for this attempt's output.
  await fs.rm(output, { force: true });
  const logFile = path.join(request.workDir, COMMAND_LOG_NAME);
  const log = await fs.open(logFile, 'a');
  const { size: logStart } = await log.stat();
  const envNames = Object.entries(params.env)
    .map(([k, v]) => (envRefs(v).length > 0 ? `${k}=<from env>` : `${k}=${v}`))
    .join(' ');
  await log.write(
    `--- temporalci command adapter, sample ${request.sampleId}, ${new Date().toISOString()}\n` +
      `--- argv: ${JSON.stringify(params.argv)}${envNames === '' ? '' : `\n--- env: ${envNames}`}\n`,
  );
  const tail = (): Promise<string> => readLogTail(logFile, logStart);

  let outcome: LoggedRun;
  try {
    if (signal.aborted) throw abortError(request, await tail(), true);
    outcome = await runToLog(file, rest, {
      cwd,
      env: extraEnv,
      signal,
      killGraceMs: params.kill_grace_s * 1000,
      logFd: log.fd,
      onLeftovers: async () => {
        await log.write(
          '--- temporalci: the command left processes running; terminating its process group\n',
        );
      },
    });
  } finally {
    await log.close();
    await redactFile(logFile, secrets);
  }
  if (outcome.startError !== undefined) {
    throw new TemporalCIError(
      'ADAPTER_FAILED',
      `command adapter: cannot start ${file}: ${describeError(outcome.startError)}`,
      {
        hint: 'check that the program exists and is executable (argv[0] is looked up in PATH)',
        processExitCode: NOT_STARTED_EXIT_CODE,
        cause: outcome.startError,
      },
    );
  }
  if (outcome.aborted) throw abortError(request, await tail(), outcome.gone);
  if (outcome.code !== null && params.refusal_exit_codes.includes(outcome.code)) {
    return refusedResult(request, logFile, outcome.code, started);
  }
  if (outcome.code !== 0) {
    const how =
      outcome.code === null ? `was killed by ${outcome.signal ?? 'a signal'}` : `exited with ${outcome.code}`;
    throw new TemporalCIError(
      'ADAPTER_FAILED',
      `command ${path.basename(file)} ${how} (sample ${request.sampleId})`,
      {
        hint: `see the log ${logFile}`,
        logTail: await tail(),
        // A shell reports death by signal N as 128 + N; keep that convention so exit_code is always a number.
        processExitCode: outcome.code ?? 128 + signalNumber(outcome.signal),
      },
    );
  }
  const produced = await fs.stat(output).catch(() => undefined);
  if (produced === undefined || !produced.isFile() || produced.size === 0) {
    const what = produced === undefined ? 'did not write' : 'wrote an empty';
    throw new TemporalCIError(
      'ADAPTER_FAILED',
      `command ${path.basename(file)} ${what} output file ${output}`,
      {
        hint: 'the command must write the video to the path given by {output}',
        logTail: await tail(),
        processExitCode: 0,
      },
    );
  }
  const logPath = relativeToRun(request.workDir, logFile);
  return {
    videoPath: output,
    metadata: {
      adapter: 'command',
      exit_code: 0,
      log_path: logPath,
      // Absolute, for sample-level metrics (log_regex) that do not know the run folder.
      log_file: logFile,
      work_dir: request.workDir,
      duration_s: secondsSince(started),
    },
  };
}

/**
 * A refusal exit code: whatever the command wrote is discarded (a refusal has no content to measure) and a
 * black placeholder of the requested size takes its place, as an mp4 beside the sample's output.
 */
async function refusedResult(
  request: GenerationRequest,
  logFile: string,
  code: number,
  started: number,
): Promise<GenerationResult> {
  const placeholder = outputPathFor(request, '.mp4');
  await fs.appendFile(
    logFile,
    `--- temporalci: exit code ${code} is a refusal (refusal_exit_codes); writing a black placeholder video\n`,
  );
  await writeRefusalPlaceholder(request.video, placeholder);
  const logPath = relativeToRun(request.workDir, logFile);
  return {
    videoPath: placeholder,
    metadata: {
      adapter: 'command',
      exit_code: code,
      ...refusalMetadata(`exit code ${code}`),
      log_path: logPath,
      log_file: logFile,
      work_dir: request.workDir,
      duration_s: secondsSince(started),
    },
  };
}

function signalNumber(sig: NodeJS.Signals | null): number {
  return sig === null ? 0 : (constants.signals[sig] ?? 0);
}

function abortError(request: GenerationRequest, logTail: string, gone: boolean): TemporalCIError {
  const reason: unknown = request.signal.reason;
  const timedOut = reason instanceof Error && reason.name === 'TimeoutError';
  const what = timedOut ? 'timed out' : 'was interrupted';
  const leftover = gone ? '' : '; some of its processes could not be killed';
  return new TemporalCIError(
    'ADAPTER_FAILED',
    `command adapter ${what} on sample ${request.sampleId}; its process group was killed${leftover}`,
    {
      hint: 'raise run.timeout_s / --timeout, or make the model faster',
      logTail,
      processExitCode: TIMEOUT_EXIT_CODE,
    },
  );
}
