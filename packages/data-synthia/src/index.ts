/** Public API of @semadapt/data-synthia. */
export * from './lib/synthia/synthia';
export { CLASSES_16, CLASSES_13 } from '@semadapt/data-core';
