/** Public API of @semadapt/data-gta5. */
export * from './lib/gta5/gta5';
