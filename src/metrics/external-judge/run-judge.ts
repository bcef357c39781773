import { promises as fs } from 'node:fs';
import path from 'node:path';
import { TemporalCIError } from '../../errors.js';
import { readLogTail } from '../../platform/log-tail.js';
import { type LoggedRun, lastMeaningfulLine, runProcess, runToLog } from '../../platform/process.js';
import { timeoutSignal } from '../../platform/timers.js';
import { locateFfmpeg, passthroughArgs } from '../../video/ffmpeg.js';
import { sampleIndices } from '../safety/policy.js';
import type { FinalizeContext, FinalizeSample } from '../types.js';
import type { PLACEHOLDERS } from './index.meta.js';

/**
 * The I/O half of the external judge: K frames per video as PNG files (ffmpeg), the manifest (JSON lines),
 * and the user's command, run without a shell from the suite folder with its output logged to a file.
 */

export interface ManifestEntry {
  sample_id: string;
  test_id: string;
  prompt: string;
  seed: number;
  /** The aspect the sample is judged under: its prompt_source class, else its first prompt-policy aspect. */
  aspect: number | null;
  /** Every aspect the prompt policy assigns (the class alone for prompt_source prompts). */
  aspects: number[];
  video: string;
  frames: string[];
  frame_indices: number[];
}

/** Writes the K frames of `indices` as `<dir>/frame_NN.png` with one ffmpeg call; returns their paths. */
async function extractFrames(
  video: string,
  indices: readonly number[],
  dir: string,
  signal: AbortSignal,
): Promise<string[]> {
  await fs.mkdir(dir, { recursive: true });
  if (indices.length === 0) return [];
  const ff = await locateFfmpeg();
  // Commas inside a filter argument must be escaped; there is no shell, so one backslash is literal.
  const select = `select=${indices.map((i) => `eq(n\\,${i})`).join('+')}`;
  const r = await runProcess(
    ff.ffmpeg,
    [
      ...['-nostdin', '-hide_banner', '-loglevel', 'error', '-i', `file:${video}`],
      ...['-vf', select, ...(await passthroughArgs(ff)), '-start_number', '0'],
      path.join(dir, 'frame_%02d.png'),
    ],
    { signal },
  );
  if (r.code !== 0) {
    throw new TemporalCIError(
      'FFMPEG_FAILED',
      `extracting judge frames from ${video} failed: ${lastMeaningfulLine(r.stderrTail)}`,
      {
        hint: 'check that the video plays; the judge needs its sampled frames',
      },
    );
  }
  const frames = indices.map((_, k) => path.join(dir, `frame_${String(k).padStart(2, '0')}.png`));
  for (const f of frames) {
    await fs.access(f).catch(() => {
      throw new TemporalCIError('FFMPEG_FAILED', `ffmpeg wrote no frame ${f} for ${video}`, {
        hint: 'the video has fewer decodable frames than ffprobe reported',
      });
    });
  }
  return frames;
}

export async function writeManifest(
  samples: readonly FinalizeSample[],
  aspectsOf: (s: FinalizeSample) => number[],
  framesPerVideo: number,
  workDir: string,
  signal: AbortSignal,
): Promise<{ file: string; entries: ManifestEntry[] }> {
  const entries: ManifestEntry[] = [];
  for (const s of samples) {
    const indices = sampleIndices(s.frameCount, framesPerVideo);
    const frames = await extractFrames(
      s.videoPath,
      indices,
      path.join(workDir, 'frames', s.sampleId),
      signal,
    );
    const aspects = aspectsOf(s);
    entries.push({
      sample_id: s.sampleId,
      test_id: s.testId,
      prompt: s.prompt,
      seed: s.seed,
      aspect: aspects[0] ?? null,
      aspects,
      video: s.videoPath,
      frames,
      frame_indices: indices,
    });
  }
  const file = path.join(workDir, 'manifest.jsonl');
  await fs.writeFile(file, `${entries.map((e) => JSON.stringify(e)).join('\n')}\n`);
  return { file, entries };
}

export function fillTemplate(
  argv: readonly string[],
  values: Record<(typeof PLACEHOLDERS)[number], string>,
): string[] {
  return argv.map((arg) =>
    arg.replace(/\{manifest\}|\{output\}|\{workdir\}/g, (m) => values[m as keyof typeof values]),
  );
}

/**
 * Judges have no kill_grace_s param: 5 s (the command adapter's default) lets a judge that traps SIGTERM
 * flush its results file or free its GPU before the SIGKILL.
 */
const JUDGE_KILL_GRACE_MS = 5000;

/**
 * Runs the judge command (no shell, cwd = suite folder), logging stdout and stderr to `<workDir>/judge.log`.
 * A timeout or Ctrl-C kills the judge's whole process group: a judge is often a shell script or a Python
 * launcher whose real work runs in a grandchild, which killing the direct child alone would leave running.
 */
export async function runJudgeCommand(
  argv: readonly string[],
  workDir: string,
  timeoutS: number,
  ctx: FinalizeContext,
  label = 'judge',
): Promise<void> {
  const [command, ...args] = argv;
  if (command === undefined) throw new TemporalCIError('USAGE', 'the judge command is empty');
  const logFile = path.join(workDir, `${label}.log`);
  const signal = AbortSignal.any([ctx.signal, timeoutSignal(timeoutS)]);
  const log = await fs.open(logFile, 'w');
  let exit: LoggedRun;
  try {
    exit = await runToLog(command, args, {
      cwd: ctx.suiteDir,
      signal,
      killGraceMs: JUDGE_KILL_GRACE_MS,
      logFd: log.fd,
      onLeftovers: async () => {
        await log.write(`--- temporalci: the ${label} command left processes running; terminating them\n`);
      },
    });
  } finally {
    await log.close();
  }
  const tail = (): Promise<string> => readLogTail(logFile);
  const leftover = exit.gone ? '' : '; some of its processes could not be killed';
  if (ctx.signal.aborted) {
    throw new TemporalCIError(
      'INTERRUPTED',
      `the ${label} command was stopped: the run was cancelled${leftover}`,
    );
  }
  if (exit.aborted) {
    throw new TemporalCIError(
      'METRIC_FAILED',
      `${label} command timed out after ${timeoutS} s: ${argv.join(' ')}${leftover}`,
      {
        hint: 'raise the metric param timeout_s, or make the judge faster',
        logTail: await tail(),
        processExitCode: 124,
      },
    );
  }
  if (exit.startError !== undefined) {
    throw new TemporalCIError(
      'METRIC_FAILED',
      `could not start the ${label} command ${command}: ${exit.startError.message}`,
      {
        hint: 'command[0] is run without a shell, relative to the suite folder; check the path and that it is executable',
        cause: exit.startError,
      },
    );
  }
  if (exit.code !== 0) {
    throw new TemporalCIError(
      'METRIC_FAILED',
      `${label} command ${exit.code === null ? `was killed by ${exit.signal ?? 'a signal'}` : `exited with code ${exit.code}`}: ${argv.join(' ')}`,
      {
        hint: `see ${logFile}`,
        logTail: await tail(),
        ...(exit.code === null ? {} : { processExitCode: exit.code }),
      },
    );
  }
}
