/**
 * openOnnx creates its session inside compute's withFreedMemoryReturned (the
 * glibc heap handling it applies is checked against VmRSS in compute's
 * heap.spec.ts), and the session it returns runs the model: a 1×1
 * convolution with bias checked against a float64 loop over its weights.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import * as compute from '@semadapt/compute';
import { Conv2d, encodeOnnx, exportLayer, Rng } from '@semadapt/core-layers';
import { setTestBackend } from '@semadapt/core-layers/testing';
import { openOnnx } from './open-onnx';

jest.mock('@semadapt/compute', () => {
  const actual = jest.requireActual<typeof import('@semadapt/compute')>('@semadapt/compute');
  return { ...actual, withFreedMemoryReturned: jest.fn(actual.withFreedMemoryReturned) };
});

describe('openOnnx', () => {
  beforeAll(() => setTestBackend('cpu'));

  it('creates the session inside withFreedMemoryReturned, and the session runs the model', async () => {
    const [cin, cout, h, w] = [3, 4, 2, 5];
    const conv = new Conv2d({ inChannels: cin, outChannels: cout, kernelSize: 1, rng: new Rng(7) });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'semadapt-open-onnx-'));
    const file = path.join(dir, 'conv.onnx');
    try {
      fs.writeFileSync(file, encodeOnnx(exportLayer(conv, { inputChannels: cin, outputChannels: cout })));
      const spy = compute.withFreedMemoryReturned as jest.MockedFunction<typeof compute.withFreedMemoryReturned>;
      spy.mockClear();
      const session = await openOnnx(file, 1);
      try {
        expect(spy).toHaveBeenCalledTimes(1);
        await expect(spy.mock.results[0].value).resolves.toBe(session);

        const x = Float32Array.from({ length: cin * h * w }, (_, i) => Math.sin(i + 1));
        const [y] = await session.run([{ data: x, dims: [1, cin, h, w] }]);
        const weight = conv.weight.dataSync(); // HWIO [1, 1, cin, cout]
        const bias = (conv.bias as tf.Variable).dataSync();
        const expected = new Float64Array(cout * h * w);
        for (let o = 0; o < cout; o++) {
          for (let p = 0; p < h * w; p++) {
            let s = bias[o];
            for (let c = 0; c < cin; c++) s += weight[c * cout + o] * x[c * h * w + p];
            expected[o * h * w + p] = s;
          }
        }
        expect(y.dims).toEqual([1, cout, h, w]);
        y.data.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 5));
      } finally {
        await session.release();
      }
    } finally {
      conv.dispose();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
