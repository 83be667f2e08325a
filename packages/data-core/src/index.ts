/** Public API of @semadapt/data-core. */
export * from './lib/image/image';
export * from './lib/codec/png';
