import path from 'node:path';
import type { GenerationRequest } from '../../src/adapters/types.js';

/**
 * A generation request laid out as the engine lays it out in a run folder: the video at
 * `<runDir>/videos/<sampleId>.mp4`, scratch files and logs under `<runDir>/work/<sampleId>`.
 */
export function generationRequest(
  runDir: string,
  sampleId: string,
  fields: Pick<GenerationRequest, 'model' | 'prompt' | 'seed' | 'video'> & Partial<GenerationRequest>,
): GenerationRequest {
  return {
    sampleId,
    testId: 't',
    outputPath: path.join(runDir, 'videos', `${sampleId}.mp4`),
    workDir: path.join(runDir, 'work', sampleId),
    signal: new AbortController().signal,
    ...fields,
  };
}
