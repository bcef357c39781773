import { promises as fs } from 'node:fs';
import path from 'node:path';
import { TemporalCIError } from '../errors.js';
import type { MetricValues } from '../schema/values.js';
import { type LogRegexParams, logRegexMeta } from './log-regex.meta.js';
import type { MetricAccumulator, MetricDefinition, SampleContext } from './types.js';

/** Logs of long generations can be large; numbers worth gating on are never beyond this. */
const MAX_LOG_BYTES = 64 * 1024 * 1024;

function metaString(meta: Record<string, unknown>, key: string): string | undefined {
  const v = meta[key];
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/**
 * The file to read: `file` if given, else the adapter's log. Adapters that keep a log put its absolute path
 * in metadata.log_file (the command adapter does); metrics do not know the run folder, so a relative
 * `log_path` alone is only usable when it is absolute.
 */
export function resolveLogFile(params: LogRegexParams, ctx: SampleContext): string {
  const workDir = metaString(ctx.metadata, 'work_dir');
  if (params.file !== undefined) {
    if (params.file.includes('{workdir}') && workDir === undefined) {
      throw new TemporalCIError(
        'METRIC_FAILED',
        'log_regex: file uses {workdir} but the adapter reports none',
        {
          hint: 'use an absolute file path, or an adapter that reports work_dir (command)',
        },
      );
    }
    const file = params.file.replaceAll('{workdir}', workDir ?? '').replaceAll('{sample_id}', ctx.sampleId);
    if (path.isAbsolute(file)) return file;
    if (workDir === undefined) {
      throw new TemporalCIError(
        'METRIC_FAILED',
        `log_regex: relative file "${file}" but no work folder is known`,
        {
          hint: 'use an absolute path, or an adapter that reports work_dir (command)',
        },
      );
    }
    return path.join(workDir, file);
  }
  const logFile = metaString(ctx.metadata, 'log_file');
  if (logFile !== undefined && path.isAbsolute(logFile)) return logFile;
  const logPath = metaString(ctx.metadata, 'log_path');
  if (logPath !== undefined && path.isAbsolute(logPath)) return logPath;
  throw new TemporalCIError(
    'METRIC_FAILED',
    `log_regex: the adapter kept no log for sample ${ctx.sampleId}`,
    {
      hint: 'use an adapter that keeps a log (command), or set params.file',
    },
  );
}

/** Every numeric capture of `source` in `text`, in order; captures that are not numbers are skipped. */
export function matchNumbers(text: string, source: string): number[] {
  const out: number[] = [];
  for (const m of text.matchAll(new RegExp(source, 'gm'))) {
    const raw = m[1];
    if (raw === undefined) continue;
    const n = Number(raw.trim().replace(/,/g, ''));
    if (raw.trim() !== '' && Number.isFinite(n)) out.push(n);
  }
  return out;
}

export function takeValue(values: readonly number[], take: LogRegexParams['take']): number | null {
  if (values.length === 0) return null; // no match: "metric missing" for the gate, never 0
  switch (take) {
    case 'first':
      return values[0] ?? null;
    case 'last':
      return values[values.length - 1] ?? null;
    case 'max':
      return values.reduce((a, b) => Math.max(a, b), Number.NEGATIVE_INFINITY);
    case 'mean':
      return values.reduce((a, b) => a + b, 0) / values.length;
  }
}

async function readLog(file: string): Promise<string | undefined> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new TemporalCIError('METRIC_FAILED', `log_regex: cannot read ${file}: ${(e as Error).message}`);
  }
  try {
    const { size } = await handle.stat();
    // Keep the end of an oversized log: final figures (peak memory, totals) are printed last.
    const start = Math.max(0, size - MAX_LOG_BYTES);
    const buf = Buffer.alloc(size - start);
    await handle.read(buf, 0, buf.length, start);
    return buf.toString('utf8');
  } finally {
    await handle.close();
  }
}

export const logRegex: MetricDefinition<LogRegexParams> = {
  ...logRegexMeta,
  create(params: LogRegexParams, ctx: SampleContext): MetricAccumulator {
    const file = resolveLogFile(params, ctx);
    return {
      push: () => undefined,
      async finish(): Promise<MetricValues> {
        const text = await readLog(file);
        const out: MetricValues = {};
        for (const [name, source] of Object.entries(params.patterns)) {
          // A missing file is like a log that printed nothing: every value is missing for this sample.
          out[name] = text === undefined ? null : takeValue(matchNumbers(text, source), params.take);
        }
        return out;
      },
    };
  },
};
