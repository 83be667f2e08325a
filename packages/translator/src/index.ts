/** Public API of @semadapt/translator. */
export * from './lib/config/translator-config';
export * from './lib/networks/conv-blocks';
export * from './lib/networks/content-encoder';
export * from './lib/networks/spade-generator';
export * from './lib/networks/multiscale-discriminator';
export * from './lib/networks/translator';
export * from './lib/networks/translator-image';
export * from './lib/training/translator-trainer';
export * from './lib/export/export-translator';
