/** The procedural street-scene demo benchmark (issue 7 item 3b). */
export { generateDemoBenchmark, readDemoManifest, demoCityscapesStem, DEMO_GENERATOR_VERSION } from './generate-demo-benchmark';
export type { DemoBenchmarkOptions, DemoBenchmarkManifest, DemoBenchmarkResult } from './generate-demo-benchmark';
export { measureDemoAppearanceGap } from './appearance-gap';
export type { AppearanceGapOptions, AppearanceGapReport } from './appearance-gap';
export { renderDemoScene } from './demo-scene';
export { syntheticStreetLabel, syntheticStreetRgb } from './synthetic-street';
export type { DemoScene } from './demo-scene';
export { LabelId as DemoLabelId, DEMO_LABEL_IDS } from './label-ids';
