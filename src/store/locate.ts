import path from 'node:path';
import { describeError, TemporalCIError } from '../errors.js';
import { safeSegment } from './paths.js';
import type { ModelKey, RunKey } from './types.js';

/**
 * Where a `--model-root` folder sits in its artifacts folder: `<artifactsDir>/<project>/<suite>/<model>`.
 * The CLI's commands name a model by its folder; the store names it by key.
 */
export function locateModelRoot(dir: string): { artifactsDir: string; model: ModelKey } {
  const abs = path.resolve(dir);
  const [model, suite, project] = abs.split(path.sep).reverse();
  const artifactsDir = path.resolve(abs, '..', '..', '..');
  const bad = () =>
    new TemporalCIError('USAGE', `${dir} is not a model folder (<artifacts>/<project>/<suite>/<model>)`, {
      hint: 'pass artifacts/<project>/<suite_name>/<model>, the folder holding index.json',
    });
  if (!model || !suite || !project || artifactsDir === abs) throw bad();
  try {
    return {
      artifactsDir,
      model: {
        project: safeSegment(project, 'project folder'),
        suite: safeSegment(suite, 'suite folder'),
        model: safeSegment(model, 'model folder'),
      },
    };
  } catch (e) {
    throw new TemporalCIError('USAGE', `${dir} is not a model folder: ${describeError(e)}`, {
      hint: 'pass artifacts/<project>/<suite_name>/<model>, the folder holding index.json',
    });
  }
}

/** A `--suite-root` folder: `<artifactsDir>/<project>/<suite>`. */
export function locateSuiteRoot(dir: string): { artifactsDir: string; project: string; suite: string } {
  const abs = path.resolve(dir);
  const [suite, project] = abs.split(path.sep).reverse();
  const artifactsDir = path.resolve(abs, '..', '..');
  try {
    if (!suite || !project || artifactsDir === abs) throw new Error('it is too close to the root');
    return {
      artifactsDir,
      project: safeSegment(project, 'project folder'),
      suite: safeSegment(suite, 'suite folder'),
    };
  } catch (e) {
    throw new TemporalCIError('USAGE', `${dir} is not a suite folder: ${describeError(e)}`, {
      hint: 'pass artifacts/<project>/<suite_name>, the folder holding one folder per model',
    });
  }
}

/** A run folder given to `run --resume` or `report --run-dir`: `<artifactsDir>/<project>/<suite>/<model>/<id>`. */
export function locateRunDir(dir: string): { artifactsDir: string; run: RunKey } {
  const abs = path.resolve(dir);
  const located = locateModelRoot(path.dirname(abs));
  return { artifactsDir: located.artifactsDir, run: { ...located.model, runId: path.basename(abs) } };
}
