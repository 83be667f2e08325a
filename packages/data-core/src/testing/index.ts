/** Test helpers of @semadapt/data-core (import as `@semadapt/data-core/testing`; never shipped in the main entry). */
export * from './dataset-fixtures';
export * from './spec-label-table';
export * from './temp-root';
