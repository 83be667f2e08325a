/** Public API of @semadapt/segmenter. */
export {};
