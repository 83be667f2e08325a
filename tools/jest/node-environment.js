/**
 * Jest's node environment with the host realm's typed-array and buffer
 * constructors. Native addons (onnxruntime-node) create their outputs in the
 * host realm, and `instanceof Float32Array` checks inside the sandbox would
 * otherwise reject them ("A float32 tensor's data must be type of ...").
 */
const NodeEnvironment = require('jest-environment-node').TestEnvironment;

const SHARED = [
  'ArrayBuffer', 'SharedArrayBuffer', 'DataView', 'Buffer',
  'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array',
  'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array',
];

class HostTypedArrayEnvironment extends NodeEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) if (globalThis[name]) this.global[name] = globalThis[name];
  }
}

module.exports = HostTypedArrayEnvironment;
