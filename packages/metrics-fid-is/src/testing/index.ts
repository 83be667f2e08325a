/** Test helpers of @semadapt/metrics-fid-is (not part of the public entry). */
export * from './tiny-inception';
