/**
 * `MaxPoolGrad` for tfjs-backend-wasm, replacing the stock one, which treats
 * the padding of 'same'/explicit pooling as a value 0: where every real value
 * in a window is negative, the gradient is dropped instead of routed to the
 * window's maximum (reproduced in
 * gradient-coverage.spec.ts). Semantics follow TensorFlow and
 * tfjs-backend-cpu: each output's gradient goes to the first maximum of its
 * window, padding excluded. Pool gradients are memory-bound, so a direct JS
 * loop over the wasm heap is adequate.
 */
import * as tf from '@tensorflow/tfjs-core';

interface WasmHeapBackend {
  typedArrayFromHeap(t: tf.TensorInfo): Float32Array;
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

interface MaxPoolGradAttrs {
  filterSize: number | [number, number];
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

function maxPoolGradWasm(args: { inputs: tf.NamedTensorInfoMap; backend: tf.KernelBackend; attrs: tf.NamedAttrMap }): tf.TensorInfo {
  const { dy, input } = args.inputs as { dy: tf.TensorInfo; input: tf.TensorInfo };
  const backend = args.backend as unknown as WasmHeapBackend;
  const a = args.attrs as unknown as MaxPoolGradAttrs;
  const info = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode,
  );
  const [n, H, W, C] = input.shape;
  const { outHeight: OH, outWidth: OW, strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
  const pt = info.padInfo.top;
  const pl = info.padInfo.left;
  const out = backend.makeOutput(input.shape, 'float32');
  // Views are taken after makeOutput: allocating may grow (and detach) the heap.
  const x = backend.typedArrayFromHeap(input);
  const g = backend.typedArrayFromHeap(dy);
  const dx = backend.typedArrayFromHeap(out);
  dx.fill(0);
  for (let b = 0; b < n; b++)
    for (let oh = 0; oh < OH; oh++) {
      const h0 = oh * sh - pt;
      const hs = Math.max(0, h0);
      const he = Math.min(H, h0 + fh);
      for (let ow = 0; ow < OW; ow++) {
        const w0 = ow * sw - pl;
        const ws = Math.max(0, w0);
        const we = Math.min(W, w0 + fw);
        const gBase = ((b * OH + oh) * OW + ow) * C;
        for (let c = 0; c < C; c++) {
          let best = -Infinity;
          let at = -1;
          for (let h = hs; h < he; h++)
            for (let w = ws; w < we; w++) {
              const i = ((b * H + h) * W + w) * C + c;
              if (at < 0 || x[i] > best) {
                best = x[i];
                at = i;
              }
            }
          if (at >= 0) dx[at] += g[gBase + c];
        }
      }
    }
  return out;
}

/** Kernel config; registered by its backend registrar (register-kernels.ts). */
export const maxPoolGradWasmConfig: tf.KernelConfig = {
  kernelName: 'MaxPoolGrad',
  backendName: 'wasm',
  kernelFunc: maxPoolGradWasm as unknown as tf.KernelFunc,
};
