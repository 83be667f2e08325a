/** Public API of @semadapt/core-layers. */
export {};
