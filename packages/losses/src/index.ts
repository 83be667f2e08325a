/** Public API of @semadapt/losses. */
export * from './lib/adversarial/lsgan';
export * from './lib/adversarial/bce-with-logits';
export * from './lib/pixel/l1';
export * from './lib/segmentation/cross-entropy';
export * from './lib/segmentation/symmetric-cross-entropy';
