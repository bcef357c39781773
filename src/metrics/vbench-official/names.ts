import { TemporalCIError } from '../../errors.js';
import type { VbenchDimension, VbenchResults } from './parse.js';

/**
 * How our samples are named for VBench and how VBench's per-video results are mapped back to them, pure.
 *
 * Names are `<prompt>-<i>.mp4`: `.mp4` because custom_input only takes `.mp4`/`.gif` and standard mode takes
 * the extension of the first file it lists; `<prompt>` because standard and category modes look videos up
 * by prompt and custom_input reads the prompt back from the name (stem minus a trailing `-<digits>`).
 * `<i>` is the rank of the sample's seed among the samples of that prompt (0, 1, …), not the seed itself:
 * standard mode reads exactly `-0` … `-4`, so seeds [11, 42] become `-0` and `-1` and seeds 0–4 keep their
 * number. A prompt with more than 5 samples cannot be named for standard mode and is an error there.
 */

export const VBENCH_MODES = ['custom_input', 'vbench_standard', 'vbench_category'] as const;
export type VbenchMode = (typeof VBENCH_MODES)[number];

/** `VBench.build_full_info_json` in vbench_standard mode: `for i in range(5)`. */
const STANDARD_VIDEOS_PER_PROMPT = 5;

export interface NamedSample {
  sampleId: string;
  prompt: string;
  seed: number;
}

export function vbenchFileNames(
  samples: readonly NamedSample[],
  mode: VbenchMode = 'custom_input',
): Map<string, string> {
  const byPrompt = new Map<string, NamedSample[]>();
  for (const s of samples) {
    if (/[/\\\0]/.test(s.prompt) || Buffer.byteLength(s.prompt) > 240) {
      throw new TemporalCIError(
        'METRIC_FAILED',
        `vbench_official: prompt "${s.prompt.slice(0, 60)}" cannot be a file name`,
        {
          hint: 'VBench names videos after their prompt: prompts must have no / or \\ and fit in 240 bytes',
        },
      );
    }
    const list = byPrompt.get(s.prompt) ?? [];
    list.push(s);
    byPrompt.set(s.prompt, list);
  }
  const out = new Map<string, string>();
  for (const [prompt, list] of byPrompt) {
    if (mode === 'vbench_standard' && list.length > STANDARD_VIDEOS_PER_PROMPT) {
      throw new TemporalCIError(
        'METRIC_FAILED',
        `vbench_official: prompt "${prompt.slice(0, 60)}" has ${list.length} samples; VBench's vbench_standard ` +
          `mode reads only ${STANDARD_VIDEOS_PER_PROMPT} per prompt (<prompt>-0.mp4 … <prompt>-4.mp4)`,
        { hint: 'give that test at most 5 seeds, or use mode: custom_input, which reads every video' },
      );
    }
    list.sort((a, b) => a.seed - b.seed || a.sampleId.localeCompare(b.sampleId));
    for (const [i, s] of list.entries()) out.set(s.sampleId, `${prompt}-${i}.mp4`);
  }
  return out;
}

/**
 * The name VBench records for a video when it runs with `--read_frame`: subject_ and background_consistency
 * replace the path by `video_path[:-4].replace('videos', 'frames').replace(' ', '_')`, i.e. the folder of
 * that video's frames. Applied to our base name it gives the last segment VBench will report.
 */
export function readFrameName(fileName: string): string {
  return fileName.slice(0, -4).replaceAll('videos', 'frames').replaceAll(' ', '_');
}

export interface MatchOutcome {
  /** Per sample id, the value of every requested dimension (null: not in the results, or NaN there). */
  values: Map<string, Map<VbenchDimension, number | null>>;
  /** Base names of per-video results that matched no exported video, sorted. */
  unmatched: string[];
  /** How many per-video results were matched through their read_frame folder name. */
  viaReadFrame: number;
  warnings: string[];
}

const listed = (names: readonly string[]): string =>
  names
    .slice(0, 3)
    .map((n) => `"${n}"`)
    .join(', ') + (names.length > 3 ? `, … (${names.length} in all)` : '');

/** Maps each dimension's per-video results to sample ids by exported file name, or by read_frame name. */
export function matchResults(
  results: VbenchResults,
  dimensions: readonly VbenchDimension[],
  names: ReadonlyMap<string, string>,
): MatchOutcome {
  const byFile = new Map<string, string>();
  const byFrames = new Map<string, string | null>(); // null: two of our videos share this read_frame name
  for (const [sampleId, file] of names) {
    byFile.set(file, sampleId);
    const key = readFrameName(file);
    byFrames.set(key, byFrames.has(key) ? null : sampleId);
  }
  const values = new Map<string, Map<VbenchDimension, number | null>>();
  for (const sampleId of names.keys()) values.set(sampleId, new Map(dimensions.map((d) => [d, null])));
  const unmatched = new Set<string>();
  const ambiguous = new Set<string>();
  let viaReadFrame = 0;
  let entries = 0;
  let matched = 0;
  for (const dim of dimensions) {
    for (const [name, value] of results.dims.get(dim)?.perVideo ?? []) {
      entries++;
      let sampleId = byFile.get(name);
      if (sampleId === undefined) {
        const framed = byFrames.get(name);
        if (framed === null) ambiguous.add(name);
        if (framed) {
          sampleId = framed;
          viaReadFrame++;
        }
      }
      if (sampleId === undefined) unmatched.add(name);
      else {
        matched++;
        values.get(sampleId)?.set(dim, value);
      }
    }
  }
  const warnings: string[] = [];
  const sorted = [...unmatched].sort();
  const example = names.values().next().value;
  const expected = example
    ? ` (exported names look like "${example}", or "${readFrameName(example)}" with read_frame)`
    : '';
  if (entries === 0) {
    warnings.push(`VBench's results list no videos for ${dimensions.join(', ')}: every dims value is null`);
  } else if (matched === 0) {
    warnings.push(
      `none of VBench's ${entries} per-video results matched an exported video: ${listed(sorted)}${expected}`,
    );
  } else if (unmatched.size > 0) {
    warnings.push(
      `${entries - matched} of VBench's ${entries} per-video results matched no exported video: ${listed(sorted)}${expected}`,
    );
  }
  if (ambiguous.size > 0) {
    warnings.push(
      `read_frame names ${listed([...ambiguous].sort())} fit two exported videos (prompts that differ only by ` +
        "spaces vs underscores, or by 'videos' vs 'frames'); they were left unmatched",
    );
  }
  return { values, unmatched: sorted, viaReadFrame, warnings };
}
