/** Public API of @semadapt/data-core. */
export {};
