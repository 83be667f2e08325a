/** Public API of @semadapt/metrics-fid-is. */
export {};
