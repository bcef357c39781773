import { createRequire } from 'node:module';
import path from 'node:path';
import { TemporalCIError } from '../../errors.js';
import { type ClassProbabilities, NSFW_CLASSES } from './policy.js';

/**
 * The offline NSFW frame classifier: nsfwjs (weights bundled in the npm package as JS modules) on
 * @tensorflow/tfjs with the wasm backend (≈15× faster than the pure-JS cpu backend; tfjs-node cannot install
 * offline). All three packages are optional dependencies, imported lazily so that suites without safety_t2v
 * never pay the ≈1–5 s load, and loaded once per process.
 *
 * Preprocessing is nsfwjs's own `infer`: pixels / 255, then tf.image.resizeBilinear to the model's square
 * input (224×224 for MobileNetV2 and MobileNetV2Mid, 299×299 for InceptionV3) with alignCorners = true: the
 * frame is stretched, its aspect ratio is not kept. Using it unchanged keeps our probabilities identical to
 * nsfwjs.classify on the same pixels. A frame with a side shorter than the input is enlarged on that axis,
 * and the model then judges interpolation blur, not detail (a 64 px mock clip of a beige scene was reported
 * flagged at 0.82), so callers report such frames (`isUpscaled`) instead of trusting the score silently.
 */

export type NsfwModelName = 'MobileNetV2' | 'MobileNetV2Mid' | 'InceptionV3';

/** One frame as packed rgb24, e.g. a FrameView. */
export interface RgbFrame {
  rgb: Uint8Array;
  width: number;
  height: number;
}

export interface Classifier {
  model: NsfwModelName;
  /** The side of the model's square input in pixels (nsfwjs's `options.size`), what every frame is resized to. */
  inputSize: number;
  /** Wall time of this model's load, including the tfjs runtime when it was loaded first (ms). */
  loadMs: number;
  /** Console output tfjs/nsfwjs produced while loading, kept here instead of polluting stdout. */
  loadLog: string[];
  classify(frames: readonly RgbFrame[]): Promise<ClassProbabilities[]>;
}

// Small local views of the dynamically imported packages (they are optional, so their types may be absent).
interface TfTensor {
  readonly shape: number[];
  data(): Promise<Float32Array | Int32Array | Uint8Array>;
  dispose(): void;
}
interface TfModule {
  setBackend(name: string): Promise<boolean>;
  ready(): Promise<void>;
  getBackend(): string;
  tensor3d(values: Int32Array, shape: [number, number, number], dtype: 'int32'): TfTensor;
}
interface WasmBackendModule {
  setWasmPaths(prefixOrFileMap: string, usePlatformFetch?: boolean): void;
}
interface NsfwModel {
  infer(img: TfTensor): TfTensor;
  /** nsfwjs's load options; `size` is the input side `infer` resizes to. */
  options?: { size?: unknown };
}
interface NsfwModule {
  load(model: NsfwModelName): Promise<NsfwModel>;
}

const MISSING_MESSAGE =
  'safety_t2v needs the optional packages nsfwjs, @tensorflow/tfjs and @tensorflow/tfjs-backend-wasm';
const MISSING_HINT = 'npm install nsfwjs @tensorflow/tfjs @tensorflow/tfjs-backend-wasm';
const WASM_FILE = '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm';
/** Stack frames from these packages identify their console noise and network attempts (see guardLoad). */
const NOISY_PACKAGES = /node_modules[\\/](?:@tensorflow|nsfwjs)[\\/]/;

function isModuleNotFound(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

/** Imports an optional package; a missing one becomes the METRIC_FAILED error that names the install command. */
export async function importOptional<T>(specifier: string): Promise<T> {
  try {
    return (await import(specifier)) as T;
  } catch (e) {
    if (isModuleNotFound(e)) {
      throw new TemporalCIError('METRIC_FAILED', `${MISSING_MESSAGE} (cannot import ${specifier})`, {
        hint: MISSING_HINT,
        cause: e,
      });
    }
    throw new TemporalCIError('METRIC_FAILED', `safety_t2v: importing ${specifier} failed: ${String(e)}`, {
      hint: 'reinstall the optional packages: npm install nsfwjs @tensorflow/tfjs @tensorflow/tfjs-backend-wasm',
      cause: e,
    });
  }
}

/**
 * Runs `fn` with two process-wide guards, restored afterwards:
 * - globalThis.fetch: a call coming from tfjs/nsfwjs is refused and recorded, because the weights and the
 *   .wasm files must come from node_modules; a CI runner must never reach the network to load a metric.
 *   Calls from other code (an http adapter generating concurrently) pass through untouched.
 * - console.log/info/warn/debug: messages from tfjs/nsfwjs (nsfwjs prints "You're using the model…" with
 *   console.info, i.e. to stdout) go to `log` so the CLI's JSON output stays parseable.
 */
async function guardLoad<T>(log: string[], fn: (blocked: string[]) => Promise<T>): Promise<T> {
  const blocked: string[] = [];
  const realFetch = globalThis.fetch;
  const fromNoisyPackage = (): boolean => NOISY_PACKAGES.test(new Error().stack ?? '');
  const guardedFetch = (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
    if (fromNoisyPackage() || realFetch === undefined) {
      const url = input instanceof Request ? input.url : String(input);
      blocked.push(url);
      return Promise.reject(
        new Error(`safety_t2v: network access refused while loading the classifier: ${url}`),
      );
    }
    return realFetch(input, init);
  };
  globalThis.fetch = guardedFetch as typeof fetch;
  const methods = ['log', 'info', 'warn', 'debug'] as const;
  const saved = methods.map((m) => console[m]);
  methods.forEach((m, i) => {
    const original = saved[i]!;
    console[m] = (...args: unknown[]) => {
      if (fromNoisyPackage()) log.push(args.map((a) => (typeof a === 'string' ? a : String(a))).join(' '));
      else original.apply(console, args);
    };
  });
  try {
    return await fn(blocked);
  } finally {
    globalThis.fetch = realFetch;
    methods.forEach((m, i) => {
      console[m] = saved[i]!;
    });
  }
}

interface Runtime {
  tf: TfModule;
  nsfw: NsfwModule;
}

let runtimePromise: Promise<Runtime> | undefined;
const modelPromises = new Map<NsfwModelName, Promise<Classifier>>();

/** tfjs + the wasm backend, once per process: setWasmPaths must precede the backend's first use. */
async function loadRuntime(): Promise<Runtime> {
  const tf = await importOptional<TfModule>('@tensorflow/tfjs');
  const wasm = await importOptional<WasmBackendModule>('@tensorflow/tfjs-backend-wasm');
  const nsfw = await importOptional<NsfwModule>('nsfwjs');
  let wasmDir: string;
  try {
    wasmDir = path.dirname(createRequire(import.meta.url).resolve(WASM_FILE));
  } catch (e) {
    throw new TemporalCIError('METRIC_FAILED', `${MISSING_MESSAGE} (cannot find ${WASM_FILE})`, {
      hint: MISSING_HINT,
      cause: e,
    });
  }
  // A directory prefix with a trailing separator: emscripten reads `<prefix><file>.wasm` from disk under Node.
  wasm.setWasmPaths(`${wasmDir}${path.sep}`, false);
  const ok = await tf.setBackend('wasm');
  await tf.ready();
  if (!ok || tf.getBackend() !== 'wasm') {
    throw new TemporalCIError('METRIC_FAILED', `safety_t2v: the tfjs wasm backend did not initialise`, {
      hint: `check that ${wasmDir} holds the tfjs-backend-wasm .wasm files (reinstall @tensorflow/tfjs-backend-wasm)`,
    });
  }
  return { tf, nsfw };
}

/** Loads run one at a time: overlapping guards would restore each other's patched fetch/console. */
let loadQueue: Promise<unknown> = Promise.resolve();

function loadUncached(model: NsfwModelName): Promise<Classifier> {
  const next = loadQueue.then(() => loadSerialized(model));
  loadQueue = next.catch(() => undefined);
  return next;
}

async function loadSerialized(model: NsfwModelName): Promise<Classifier> {
  const log: string[] = [];
  const started = performance.now();
  const { tf, nsfw } = await guardLoad(log, async (blocked) => {
    try {
      if (runtimePromise === undefined) {
        const attempt = loadRuntime();
        runtimePromise = attempt;
        // Not cached on failure: the next sample retries and reports its own error.
        attempt.catch(() => {
          if (runtimePromise === attempt) runtimePromise = undefined;
        });
      }
      const runtime = await runtimePromise;
      return { tf: runtime.tf, nsfw: await runtime.nsfw.load(model) };
    } catch (e) {
      if (e instanceof TemporalCIError) throw e;
      if (blocked.length > 0) {
        throw new TemporalCIError(
          'METRIC_FAILED',
          `safety_t2v: loading ${model} tried to reach ${blocked[0]}`,
          {
            hint: 'the weights must come from the installed nsfwjs package; reinstall nsfwjs',
            cause: e,
          },
        );
      }
      throw new TemporalCIError(
        'METRIC_FAILED',
        `safety_t2v: loading the nsfwjs model ${model} failed: ${e}`,
        {
          hint: 'reinstall the optional packages: npm install nsfwjs @tensorflow/tfjs @tensorflow/tfjs-backend-wasm',
          cause: e,
        },
      );
    }
  });
  const loadMs = performance.now() - started;
  const inputSize = nsfw.options?.size;
  if (typeof inputSize !== 'number' || !Number.isInteger(inputSize) || inputSize < 1) {
    throw new TemporalCIError(
      'METRIC_FAILED',
      `safety_t2v: the nsfwjs model ${model} reports no input size (options.size = ${String(inputSize)})`,
      { hint: 'this nsfwjs version is not supported; reinstall the nsfwjs version in package.json' },
    );
  }
  return { model, inputSize, loadMs, loadLog: log, classify: (frames) => classifyWith(tf, nsfw, frames) };
}

/** Whether nsfwjs enlarges this frame on at least one axis to reach the model's square input. */
export function isUpscaled(frame: { width: number; height: number }, inputSize: number): boolean {
  return frame.width < inputSize || frame.height < inputSize;
}

async function classifyWith(
  tf: TfModule,
  net: NsfwModel,
  frames: readonly RgbFrame[],
): Promise<ClassProbabilities[]> {
  const out: ClassProbabilities[] = [];
  for (const f of frames) {
    if (f.width < 1 || f.height < 1 || f.rgb.length !== f.width * f.height * 3) {
      throw new TemporalCIError(
        'METRIC_FAILED',
        `safety_t2v: frame of ${f.width}x${f.height} has ${f.rgb.length} bytes, expected packed rgb24`,
        { hint: 'this is a bug in the frame source; please report it' },
      );
    }
    // int32 like tf.browser.fromPixels, which is what nsfwjs.infer expects before its own /255.
    const input = tf.tensor3d(Int32Array.from(f.rgb), [f.height, f.width, 3], 'int32');
    let probs: TfTensor | undefined;
    try {
      probs = net.infer(input);
      const data = await probs.data();
      if (data.length !== NSFW_CLASSES.length) {
        throw new TemporalCIError('METRIC_FAILED', `safety_t2v: the model returned ${data.length} outputs`, {
          hint: `expected ${NSFW_CLASSES.length} (${NSFW_CLASSES.join(', ')}); reinstall nsfwjs`,
        });
      }
      const p = {} as ClassProbabilities;
      NSFW_CLASSES.forEach((c, i) => {
        p[c] = data[i]!;
      });
      out.push(p);
    } finally {
      input.dispose();
      probs?.dispose();
    }
  }
  return out;
}

/**
 * The classifier for `model`, loaded on first use and then shared by every sample of the process. A failed
 * load is not cached, so a later sample reports the same clear error rather than a stale rejection.
 */
export function loadClassifier(model: NsfwModelName = 'MobileNetV2'): Promise<Classifier> {
  let p = modelPromises.get(model);
  if (p === undefined) {
    p = loadUncached(model);
    modelPromises.set(model, p);
    p.catch(() => {
      if (modelPromises.get(model) === p) modelPromises.delete(model);
    });
  }
  return p;
}
