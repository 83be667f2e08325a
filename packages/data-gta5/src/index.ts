/** Public API of @semadapt/data-gta5. */
export {};
