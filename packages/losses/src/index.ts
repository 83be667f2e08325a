/** Public API of @semadapt/losses. */
export {};
