/** Public API of @semadapt/data-synthia. */
export {};
