/**
 * Test helpers of @semadapt/core-layers, imported in specs as
 * `@semadapt/core-layers/testing`: those of `@semadapt/compute/testing`
 * (backends to loop over, closeness, finite differences, leak checks,
 * deterministic values), so packages above core-layers need no other import;
 * and a seeded stream for generated cases (`mulberry32`).
 */
export * from '@semadapt/compute/testing';
export * from './mulberry32';
