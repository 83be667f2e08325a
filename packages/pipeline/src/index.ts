/** Public API of @semadapt/pipeline. */
export {};
