/** Public API of @semadapt/data-synthia. */
export * from './lib/synthia/synthia';
