/** Command handlers of the `semadapt` CLI (wired in `src/cli.ts`). */
export { showConfig, report } from './misc';
export { fid, inceptionScore } from './fid-is';
export { dataCheck } from './data-check';
export {
  trainSource, trainOracle, trainTranslator, translate, pseudoLabel, trainSegmenter, merge, adapt, evaluate, exportOnnx, importWeights,
} from './stage-commands';
export { demo } from './demo';
export { fakeGuidance } from './fake-guidance';
export { smoke } from './smoke';
