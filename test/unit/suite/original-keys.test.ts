import { describe, expect, it } from 'vitest';
import { translateOriginalKeys } from '../../../src/suite/original-keys.js';

const svd = (video: Record<string, unknown>, video2?: Record<string, unknown>) => ({
  models: [
    {
      name: 'svd',
      adapter: 'diffusers_img2vid',
      params: { checkpoint: 'org/svd', torch_dtype: 'fp16', variant: '', init_images: ['a.png'] },
    },
    { name: 'm', adapter: 'mock', params: { noise_scale: 0.1 } },
  ],
  tests: [{ id: 't', video }, ...(video2 ? [{ id: 'u', video: video2 }] : [])],
});

describe('translateOriginalKeys', () => {
  it("reads the original's diffusers keys as ours and maps positions back to what was written", () => {
    const r = translateOriginalKeys(svd({ num_frames: 8, num_inference_steps: 10, motion_bucket_id: 127 }));
    const data = r.data as ReturnType<typeof svd>;
    expect(data.models[0]!.params).toEqual({
      model_id: 'org/svd',
      dtype: 'float16',
      steps: 10,
      pipeline_kwargs: { motion_bucket_id: 127 },
    });
    expect(data.models[1]!.params).toEqual({ noise_scale: 0.1 });
    expect(data.tests[0]).toEqual({ id: 't', video: { num_frames: 8 }, init_images: ['a.png'] });
    expect(r.toSource(['models', 0, 'params', 'steps'])).toEqual([
      'tests',
      0,
      'video',
      'num_inference_steps',
    ]);
    expect(r.toSource(['tests', 0, 'init_images', 0])).toEqual(['models', 0, 'params', 'init_images', 0]);
    expect(r.toSource(['models', 0, 'params', 'dtype'])).toEqual(['models', 0, 'params', 'torch_dtype']);
    expect(r.problems).toEqual([]);
    expect(r.notes.map((n) => n.path.join('.'))).toContain('models.0.params.variant');
  });

  it('reports tests that disagree on a sampler setting instead of picking one', () => {
    const r = translateOriginalKeys(svd({ num_inference_steps: 10 }, { num_inference_steps: 4 }));
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]!.path).toEqual(['tests', 1, 'video', 'num_inference_steps']);
    expect(r.problems[0]!.hint).toContain('models[].params');
  });

  it("reads the original http adapter's timeout_sec as request_timeout_s", () => {
    const r = translateOriginalKeys({
      models: [{ name: 'h', adapter: 'http', params: { endpoint: 'http://x', timeout_sec: 30 } }],
    });
    expect((r.data as { models: { params: unknown }[] }).models[0]!.params).toEqual({
      endpoint: 'http://x',
      request_timeout_s: 30,
    });
  });

  it('leaves a suite of our own keys as it is (same object)', () => {
    const ours = {
      models: [{ name: 'd', adapter: 'diffusers', params: { model_id: 'x', steps: 4 } }],
      tests: [],
    };
    const r = translateOriginalKeys(ours);
    expect(r.data).toEqual(ours);
    expect(r.notes).toEqual([]);
  });
});
