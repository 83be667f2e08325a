/** Public API of @semadapt/labels: the one definition of the label space. */
export * from './lib/train-ids';
export * from './lib/label-maps';
export * from './lib/palette';
