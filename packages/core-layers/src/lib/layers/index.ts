/** The layers of core-layers (re-exported from the package entry). */
export * from './layer';
export * from './padding';
export * from './conv2d';
export * from './conv2d-bias';
export * from './conv-transpose2d';
export * from './spectral-norm';
export * from './instance-norm';
export * from './layer-norm';
export * from './batch-norm2d';
export * from './activations';
export * from './resize';
export * from './pooling';
export * from './dropout';
export * from './sequential';
export * from './residual';
export * from './spade';
export * from './spade-res-block';
