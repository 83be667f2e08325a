'use strict';
/**
 * Loads the compiled addon. Throws (with the reason) when it was not built —
 * callers treat that as "native kernels off".
 */
module.exports = require('./build/Release/onednn_kernels.node');
