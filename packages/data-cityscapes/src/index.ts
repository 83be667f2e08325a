/** Public API of @semadapt/data-cityscapes. */
export {};
