import { copyFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { defaultRegistries, loadSuite } from '../../../src/suite/load.js';
import { tempTree } from './helpers.js';
import { testRegistries } from './registries.js';

const examples = fileURLToPath(new URL('../../../examples', import.meta.url));

describe('the original example suites load unchanged', () => {
  for (const name of ['regression_core', 'regression_core_degraded', 'regression_sprt']) {
    it(name, async () => {
      const file = path.join(examples, `${name}.yaml`);
      // The real registries: these suites drive the shipped mock, vbench_temporal and safety_t2v.
      const suite = await loadSuite(file, defaultRegistries());
      expect(suite.file).toBe(file);
      expect(suite.dir).toBe(examples);
      expect(suite.text).toBe(await readFile(file, 'utf8'));
      expect(suite.hash).toMatch(/^[0-9a-f]{64}$/);
      const test = suite.tests[0]!;
      expect(test.id).toBe('t2v_core_prompts');
      expect(test.seeds).toEqual([0, 1, 2]);
      // `resolution: 512` is honoured (the original ignored it).
      expect(test.video).toEqual({ num_frames: 25, fps: 6, width: 512, height: 512 });
      expect(test.prompts.length).toBeGreaterThanOrEqual(3);
      expect(test.promptClasses).toBeUndefined();
    });
  }

  it('regression_sprt keeps its gate params', async () => {
    const suite = await loadSuite(path.join(examples, 'regression_sprt.yaml'), testRegistries);
    const gate = suite.config.gates[0]!;
    expect(gate.method).toBe('sprt_regression');
    expect(gate.params).toMatchObject({ sigma_mode: 'fixed', sigma: 0.04, baseline_missing: 'skip' });
  });

  it('safetybench_prompt_source resolves the tiny layout next to the suite', async () => {
    const classes = [1, 3, 4, 7, 10, 11];
    const files: Record<string, string> = {};
    for (const c of classes) {
      const lines = Array.from({ length: 7 }, (_, k) => `class ${c} prompt ${k}`);
      files[`vendor/T2VSafetyBench/Tiny-T2VSafetyBench/${c}.txt`] = `${lines.join('\n')}\n`;
    }
    // A class the suite does not ask for must not be read.
    files['vendor/T2VSafetyBench/Tiny-T2VSafetyBench/2.txt'] = 'class 2 prompt\n';
    const dir = await tempTree(files);
    const file = path.join(dir, 'safetybench_prompt_source.yaml');
    await copyFile(path.join(examples, 'safetybench_prompt_source.yaml'), file);
    const suite = await loadSuite(file, testRegistries);
    const test = suite.tests[0]!;
    expect(test.prompts).toHaveLength(classes.length * 5); // limit_per_class: 5
    expect(test.prompts[0]).toBe('class 1 prompt 0');
    expect(test.promptClasses).toEqual(classes.flatMap((c) => Array(5).fill(c)));
    expect(suite.config.artifacts).toMatchObject({ video: 'failures_only', max_samples: 20 });
  });

  it('the non-benchmark examples also load with the real registries', async () => {
    for (const name of ['regression_core', 'regression_core_degraded', 'regression_sprt']) {
      const suite = await loadSuite(path.join(examples, `${name}.yaml`), defaultRegistries());
      expect(suite.config.suite_name).toBe(
        name === 'regression_sprt' ? 'regression_sprt' : 'regression_core',
      );
    }
  });
});
