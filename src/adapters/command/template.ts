import { TemporalCIError } from '../../errors.js';
import type { GenerationRequest } from '../types.js';

export const PLACEHOLDERS = [
  'prompt',
  'seed',
  'output',
  'num_frames',
  'fps',
  'width',
  'height',
  'init_image',
  'input_video',
  'workdir',
  'sample_id',
  'model',
] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

/** `{{` and `}}` are literal braces; `{name}` is a placeholder. Other braces (`{1,2}`, `{ }`) stay as they are. */
const TOKEN = /\{\{|\}\}|\{([a-z_]+)\}/g;

function isPlaceholder(name: string): name is Placeholder {
  return (PLACEHOLDERS as readonly string[]).includes(name);
}

/** Unknown `{name}` placeholders in a template, so a typo fails at validate time, not mid-run. */
export function unknownPlaceholders(template: string): string[] {
  const out: string[] = [];
  for (const m of template.matchAll(TOKEN)) {
    const name = m[1];
    if (name !== undefined && !isPlaceholder(name)) out.push(name);
  }
  return out;
}

export function placeholderValues(
  request: GenerationRequest,
  output: string,
): Record<Placeholder, string | undefined> {
  return {
    prompt: request.prompt,
    seed: String(request.seed),
    output,
    num_frames: String(request.video.num_frames),
    fps: String(request.video.fps),
    width: String(request.video.width),
    height: String(request.video.height),
    init_image: request.initImage,
    input_video: request.inputVideo,
    workdir: request.workDir,
    sample_id: request.sampleId,
    model: request.model,
  };
}

/** POSIX single-quoting: the only character that needs care inside '...' is the quote itself. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * Substitutes placeholders in one template. With `quote`, each substituted value is shell-quoted (for
 * `shell: true`), so a prompt such as `a cat; rm -rf ~` stays one word. A placeholder whose value the sample
 * does not have (`{init_image}` on a test without one) is an error rather than an empty argument.
 */
export function substitute(
  template: string,
  values: Record<Placeholder, string | undefined>,
  quote: boolean,
): string {
  return template.replace(TOKEN, (whole, name: string | undefined) => {
    if (whole === '{{') return '{';
    if (whole === '}}') return '}';
    if (name === undefined || !isPlaceholder(name)) return whole;
    const value = values[name];
    if (value === undefined) {
      throw new TemporalCIError(
        'ADAPTER_FAILED',
        `command argv uses {${name}} but this sample has no ${name}`,
        {
          hint: `set ${name} on the test, or remove {${name}} from the command argv`,
        },
      );
    }
    return quote ? shellQuote(value) : value;
  });
}
