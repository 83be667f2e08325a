/** Public API of @semadapt/data-cityscapes. */
export * from './lib/cityscapes/cityscapes';
export { cityscapesLut } from '@semadapt/data-core';
