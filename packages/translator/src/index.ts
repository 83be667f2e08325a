/** Public API of @semadapt/translator. */
export {};
